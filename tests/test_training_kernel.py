"""In a real Jupyter kernel (what JupyterLab and Voila run), Train returns at once and the
kernel keeps answering while the model trains beside it.

The test waits on the kernel's messages: the run tells each of its publications on the
kernel's output, and the test asks the kernel a question as the epochs go by, each answered
by its reply. Nothing is timed.
"""

import os
from ast import literal_eval
from collections.abc import Iterator

import pytest
from jupyter_client.manager import start_new_kernel

from driver.servers import ROOT

TIMEOUT_S = 120  # a hang guard for one message, not a bound
SETUP = """\
from widgets import TrainingExplorer
from widgets.dashboards.training_dashboard import kernel_loop
d = TrainingExplorer(preset='task=adding&epochs=40&seed=11')
d.train()
print(kernel_loop() is not None, d.running, d.model.status)
d.model.observe(lambda c: print('run', c['new'].status, c['new'].epoch, flush=True),
                names='progress')
"""


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


def _printed(client, code: str) -> str:
    """What ``code`` prints, once the kernel has run it."""
    out = []

    def collect(msg) -> None:
        if msg["msg_type"] == "stream":
            out.append(msg["content"]["text"])

    client.execute_interactive(code, timeout=TIMEOUT_S, output_hook=collect)
    return "".join(out).strip()


def _answer(client, expression: str) -> str:
    """The kernel's answer to ``expression`` (its repr), from the reply to a request."""
    msg_id = client.execute("", silent=True, user_expressions={"x": expression})
    reply = client.get_shell_msg(timeout=TIMEOUT_S)
    while reply["parent_header"].get("msg_id") != msg_id:
        reply = client.get_shell_msg(timeout=TIMEOUT_S)
    return reply["content"]["user_expressions"]["x"]["data"]["text/plain"]


def _told(client) -> Iterator[tuple[str, int]]:
    """The run's publications as the kernel prints them: (status, epoch), as they come."""
    pending = ""
    while True:
        msg = client.get_iopub_msg(timeout=TIMEOUT_S)
        if msg["msg_type"] != "stream":
            continue
        *lines, pending = (pending + msg["content"]["text"]).split("\n")
        for line in lines:
            if line.startswith("run "):
                _, status, epoch = line.split()
                yield status, int(epoch)


def test_train_runs_in_the_background_of_a_kernel(kernel):
    assert _printed(kernel, SETUP) == "True True training"  # Train returned at once
    # the kernel answers while the run goes on: asked as the epochs go by, it replies mid-run
    answers = []
    for status, epoch in _told(kernel):
        if status != "training":
            break
        if len(answers) < 3 and (not answers or epoch > answers[-1][1]):
            answers.append(literal_eval(_answer(kernel, "(d.model.status, d.model.trainer.epoch)")))
    assert (status, epoch) == ("trained", 40)
    assert [status for status, _ in answers] == ["training"] * 3, answers
    epochs = [epoch for _, epoch in answers]
    assert epochs == sorted(set(epochs)), answers  # three answers at three epochs of the run
    assert _printed(kernel, "print(d.model.phase, d.buttons['train'].disabled)") == \
        "trained False"
