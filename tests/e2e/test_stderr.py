"""Nothing from a dashboard kernel's stderr reaches the browser: not ipykernel's traceback for a
malformed comm, not a Python warning with the server's paths and source lines. It goes to the
server's log (dashboard_server.py). In standalone Voila and in Voila behind a Jupyter server
configured as Binder and the hub configure it (docs/jupyter_config.json), where JupyterLab's
own notebooks keep showing the learner their stderr and tracebacks.

The kernel is driven over its real websocket by driver/kernel_client.py, as a hostile page would.
"""

from __future__ import annotations

import math
import shutil
import urllib.request
import uuid

import nbformat
import pytest

from driver.kernel_client import KernelClient
from driver.kernel_session import CONTROL_TARGET, WIDGET_PROTOCOL, WIDGET_TARGET
from driver.servers import ROOT, JupyterServer
from driver.ui import run_in_jupyterlab

from .conftest import RENDER_TIMEOUT_MS, assert_forked
from .test_robustness import _assert_alive_and_usable
from .test_security import NOISY_CELL, STDERR_MARK, STDOUT_MARK, WARNING_MARK

pytestmark = pytest.mark.e2e

# each made ipykernel publish "Exception opening comm" and its traceback on stderr
MALFORMED_OPENS = {
    "a control comm with no version": (CONTROL_TARGET, {"data": {}}, {}),
    "a control comm at version 0.0.1": (CONTROL_TARGET, {"data": {}}, {"version": "0.0.1"}),
    "a widget of a model that does not exist": (
        WIDGET_TARGET,
        {"data": {"state": {"_model_name": "NoSuchModel", "_model_module": "no-such-module",
                            "_model_module_version": "1.0.0"}, "buffer_paths": []}},
        {"version": WIDGET_PROTOCOL}),
    "a widget with no data": (WIDGET_TARGET, {}, {"version": WIDGET_PROTOCOL}),
}
# what no reply may carry: a traceback, a file path, a warning
LEAKS = ("Traceback", "Exception opening comm", "site-packages", '.py"', ".py:", str(ROOT),
         "Warning:", "JSON compliant", "unrecognized arguments")
# what the kernel wrote instead, found in the server's log. traitlets' warning of the layout's
# unrecognized argument is a DeprecationWarning: written where voila was imported (it asks for
# traitlets' warnings; forkkernel's parent preloads it), silent in a page's own kernel, which
# no longer imports voila; never sent to the page either way (LEAKS)
HELD = ("Exception opening comm with target: jupyter.widget.control",
        "Exception opening comm with target: jupyter.widget\n",
        "Out of range float values are not JSON compliant")


def _strings(value):
    """Every string in a message's content, however deep."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield key
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _attack(client: KernelClient) -> list[dict]:
    """What a hostile page sends over the kernel websocket; every message sent back to it."""
    replies = []
    for target, content, metadata in MALFORMED_OPENS.values():
        msg_id = client.send("comm_open", {"comm_id": uuid.uuid4().hex, "target_name": target,
                                           **content}, metadata=metadata)
        replies += client.wait_idle(msg_id)
    scale = next(cid for cid, s in client.states.items()
                 if s.get("_model_name") == "LinearScaleModel")
    replies += client.update(scale, {"min": math.nan})  # echoed back: not JSON compliant
    box = next(cid for cid, s in client.states.items() if s.get("_model_name") == "VBoxModel")
    replies += client.update(box, {"layout": {"a": 1}})  # traitlets may warn of it (HELD)
    return replies


def _assert_held_back(client: KernelClient, replies: list[dict], log: str) -> None:
    """No reply leaks; the kernel wrote it all to the server's log; the page still works."""
    stderr = [m for m in replies if m["msg_type"] == "stream" and m["content"]["name"] == "stderr"]
    assert stderr == []
    for msg in replies:
        for text in _strings(msg["content"]):
            assert not [leak for leak in LEAKS if leak in text], (msg["msg_type"], text[:500])
    assert f"Kernel {client.kernel_id} wrote to stderr (not sent to the page)" in log
    for held in HELD:
        assert held in log, held
    assert client.request("kernel_info_request", {})["content"]["status"] == "ok"
    _assert_alive_and_usable(client, "ctl-hidden_size")


@pytest.mark.parametrize("notebook", ["4_training.ipynb", "2_sequence_data.ipynb"])
def test_a_hostile_page_gets_no_traceback_and_no_warning(served, notebook, request):
    """On plain Voila and on the classroom, whose forked kernels write to the warm parent's
    stderr, which is the server's."""
    with KernelClient(served.url, notebook, token=served.token) as client:
        if request.node.callspec.params["served"] == "forked classroom":
            assert_forked(served, client.kernel_id)
        client.load_widgets()
        replies = _attack(client)
        _assert_held_back(client, replies, served.log_path.read_text())


# --- behind a Jupyter server: Binder, JupyterHub, `make lab` ----------------------------------

@pytest.fixture(scope="module")
def jupyter_server(tmp_path_factory):
    """JupyterLab with Voila as its extension, set up by docs/jupyter_config.json as on
    Binder and the hub, in a home of its own with a dashboard and a notebook that writes to
    stderr, warns and raises. No token, so that KernelClient can connect as Voila's page does."""
    home = tmp_path_factory.mktemp("home")
    shutil.copy(ROOT / "dashboards" / "2_sequence_data.ipynb", home)
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_code_cell(NOISY_CELL),
                      nbformat.v4.new_code_cell('raise ValueError("my own mistake")')]
    notebook.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
    nbformat.write(notebook, home / "noisy.ipynb")
    server = JupyterServer(
        tmp_path_factory.mktemp("jupyter") / "server.log", app=("jupyter", "lab"), cwd=home,
        token="", args=[f"--ServerApp.root_dir={home}", "--LabApp.expose_app_in_browser=True"],
        env={"JUPYTER_CONFIG_PATH": str(ROOT / "docs"), "OMP_NUM_THREADS": "1",
             "TORCH_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"})
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_hostile_page_behind_a_jupyter_server_gets_no_traceback(jupyter_server):
    with KernelClient(jupyter_server.url, "2_sequence_data.ipynb") as client:
        client.load_widgets()
        replies = _attack(client)
        _assert_held_back(client, replies, jupyter_server.log_path.read_text())


def test_voila_renders_no_stderr_behind_a_jupyter_server(jupyter_server):
    with urllib.request.urlopen(f"{jupyter_server.url}/voila/render/noisy.ipynb",
                                timeout=RENDER_TIMEOUT_MS / 1000) as answer:
        page = answer.read().decode()
    assert STDOUT_MARK in page  # the cell ran and its output is shown
    for leak in (STDERR_MARK, WARNING_MARK, "UserWarning", "Traceback", "my own mistake"):
        assert leak not in page, leak


def test_jupyterlab_notebooks_keep_their_stderr_and_tracebacks(browser, jupyter_server):
    """The learner runs their own code in JupyterLab: they see what it writes to stderr, its
    warnings and its tracebacks, on the same server as the dashboards."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    try:
        run_in_jupyterlab(page, f"{jupyter_server.url}/lab/tree/noisy.ipynb")
        # the outputs only: the cells' sources hold the marks too
        page.wait_for_function(
            """marks => {
                const shown = [...document.querySelectorAll('.jp-OutputArea-output')]
                    .map(output => output.innerText).join('\\n');
                return marks.every(mark => shown.includes(mark));
            }""",
            arg=[STDOUT_MARK, STDERR_MARK, WARNING_MARK, "UserWarning",
                 "Traceback (most recent call last)", "my own mistake"],
            timeout=RENDER_TIMEOUT_MS)
    finally:
        context.close()
