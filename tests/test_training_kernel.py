"""In a real Jupyter kernel (what JupyterLab and Voila run), Train returns at once and the
kernel keeps answering while the model trains beside it."""

import os
import time

import pytest
from jupyter_client.manager import start_new_kernel

from tests.harness import ROOT


@pytest.fixture
def kernel(model_cache):
    manager, client = start_new_kernel(
        kernel_name="python3", cwd=str(ROOT),
        env={**os.environ, "LSTM_MODEL_CACHE": str(model_cache), "TORCH_NUM_THREADS": "1"})
    try:
        yield client
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)


def _collect(msg) -> None:
    if msg["msg_type"] == "stream":
        _collect.__dict__.setdefault("buffer", []).append(msg["content"]["text"])


def _printed(client, code: str) -> str:
    _collect.__dict__["buffer"] = []
    client.execute_interactive(code, timeout=120, output_hook=_collect)
    return "".join(_collect.buffer).strip()


def test_train_runs_in_the_background_of_a_kernel(kernel):
    out = _printed(kernel, "from widgets import TrainingExplorer\n"
                           "from widgets.dashboards.training_dashboard import kernel_loop\n"
                           "d = TrainingExplorer(preset='task=adding&epochs=40&seed=11')\n"
                           "d.train()\n"
                           "print(kernel_loop() is not None, d.running, d.model.status)")
    assert out == "True True training"
    # the kernel answers while the run goes on: each request is served within a slice or so
    seen, waits = [], []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        asked = time.monotonic()
        status, epoch = _printed(kernel, "print(d.model.status, d.model.trainer.epoch)").split()
        waits.append(time.monotonic() - asked)
        seen.append((status, int(epoch)))
        if status != "training":
            break
        time.sleep(0.3)
    assert seen[-1] == ("trained", 40), seen
    epochs_seen = {epoch for status, epoch in seen if status == "training"}
    assert len(epochs_seen) >= 3, seen  # it was answering while the epochs went by
    assert max(waits) < 5, waits
    assert _printed(kernel, "print(d.model.phase, d.buttons['train'].disabled)") == \
        "trained False"
