"""What a learner's page, or anyone who can reach the server, cannot do: run code, read
sources, see tracebacks, reach `make serve` from another machine, or stall the server.

The kernel is driven over its real websocket by driver/kernel_client.py, as the page drives it.
"""

from __future__ import annotations

import shutil
import signal
import socket
import sys
import urllib.error
import urllib.request
from pathlib import Path

import nbformat
import psutil
import pytest
from tornado.httpclient import HTTPClientError

from driver.kernel_client import KernelClient
from driver.processes import kernel_with, kernels_and_parents
from driver.servers import Server, free_port
from driver.ui import set_slider
from forkkernel.client import fork_supported

from .conftest import RENDER_TIMEOUT_MS, ROOT, DashboardPage, VoilaServer, assert_forked

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def kernel(served):
    """An explorer's kernel on each server a page meets (conftest's ``served``): launched
    under plain Voila, forked from the warm parent under the classroom."""
    with KernelClient(served.url, "3_lstm_explorer.ipynb", token=served.token) as client:
        yield client


# --- the kernel runs no code sent to it ------------------------------------------------------

def _refused_requests(marker: Path) -> list[tuple[str, str, dict]]:
    code = f"open({str(marker)!r}, 'w').close()"
    return [
        ("shell", "execute_request", {"code": code, "silent": False, "store_history": True,
                                      "user_expressions": {}, "allow_stdin": False}),
        # history would hand back the notebook's source; inspect and complete read the kernel
        ("shell", "history_request", {"hist_access_type": "tail", "n": 10, "raw": True,
                                      "output": False}),
        ("shell", "inspect_request", {"code": "LSTMExplorer", "cursor_pos": 5,
                                      "detail_level": 1}),
        ("shell", "complete_request", {"code": "import o", "cursor_pos": 8}),
        ("control", "debug_request", {"seq": 1, "type": "request", "command": "initialize",
                                      "arguments": {"adapterID": "python"}}),
        # the message type is what counts, not the channel it claims
        ("control", "execute_request", {"code": code, "silent": False, "store_history": False,
                                        "user_expressions": {}, "allow_stdin": False}),
    ]


def test_code_sent_to_the_kernel_is_refused_and_runs_nothing(kernel, served, tmp_path, request):
    if request.node.callspec.params["served"] == "forked classroom":
        assert_forked(served, kernel.kernel_id)
    marker = tmp_path / "created-by-the-kernel"
    sent = [kernel.send(kind, content, channel=channel)
            for channel, kind, content in _refused_requests(marker)]
    # the kernel handles shell messages in order and iopub keeps its order: had any got
    # through, it and all it said would have come before this reply and its idle status
    # (which prove the connection and the kernel are alive)
    assert kernel.request("kernel_info_request", {})["content"]["status"] == "ok"
    for msg_id in sent:
        assert kernel.replies_to(msg_id) == []
    assert not marker.exists()
    log = served.log()
    assert 'Received message of type "execute_request", which is not allowed' in log
    assert 'Received message of type "history_request", which is not allowed' in log


def test_only_the_pages_protocol_is_spoken(kernel, served):
    """Voila 0.5 misreads legacy binary frames and stalls the whole server on them
    (dashboard_server.py); a client that does not ask for v1 is turned away at the door."""
    with pytest.raises(HTTPClientError) as refused:
        KernelClient(served.url, kernel_id=kernel.kernel_id, subprotocol=None,
                     token=served.token)
    assert refused.value.code == 400
    with urllib.request.urlopen(f"{served.url}/voila/tree{served.query}", timeout=10) as answer:
        assert answer.status == 200


# --- no source leaves the server ---------------------------------------------------------

def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=60) as answer:
            return answer.status, answer.read().decode(errors="replace")
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


NOTEBOOK_SOURCE = "dashboard.apply_preset(query_string())"
PACKAGE_SOURCE = "class _Guarded:"  # widgets/views/controls.py
SOURCE_URLS = [
    "/voila/files/3_lstm_explorer.ipynb",
    "/voila/files/./3_lstm_explorer.ipynb",
    "/voila/files/LSTM_EXPLORER.IPYNB",
    "/voila/files/../widgets/views/controls.py",
    "/voila/files/%2e%2e/widgets/views/controls.py",
    "/voila/files/..%2fwidgets%2fviews%2fcontrols.py",
    "/voila/files/3_lstm_explorer.ipynb%00.png",
    "/voila/static/../../widgets/views/controls.py",
    "/voila/static/..%2f..%2fwidgets%2fviews%2fcontrols.py",
    "/voila/templates/lab/static/..%2f..%2f..%2f..%2fwidgets%2fviews%2fcontrols.py",
    "/voila/labextensions/..%2f..%2fwidgets%2fviews%2fcontrols.py",
    "/voila/api/contents/3_lstm_explorer.ipynb",
    "/voila/api/contents/3_lstm_explorer.ipynb?content=1&format=text",
    "/voila/api/contents/../widgets/views/controls.py?content=1&format=text",
    "/voila/render/../widgets/views/controls.py",
    "/voila/render/..%2fwidgets%2fviews%2fcontrols.py",
    "/voila/tree/../widgets",
    "/api/contents/dashboards/3_lstm_explorer.ipynb",
    "/files/dashboards/3_lstm_explorer.ipynb",
    "/files/widgets/views/controls.py",
    "/notebooks/3_lstm_explorer.ipynb",
    "/edit/widgets/views/controls.py",
    "/tree/widgets",
    "/voila/render/3_lstm_explorer.ipynb",  # the page itself: strip_sources
]


def test_the_markers_are_in_the_sources():
    """Otherwise the next test would pass for the wrong reason."""
    nb = nbformat.read(ROOT / "dashboards" / "3_lstm_explorer.ipynb", as_version=4)
    assert NOTEBOOK_SOURCE in nb.cells[1].source
    assert PACKAGE_SOURCE in (ROOT / "widgets" / "views" / "controls.py").read_text()


@pytest.mark.parametrize("path", SOURCE_URLS)
def test_sources_are_not_served(voila_server, path):
    status, body = _get(voila_server.url + path)
    assert NOTEBOOK_SOURCE not in body and PACKAGE_SOURCE not in body, (status, body[:300])
    assert "import torch" not in body and "from widgets import" not in body
    if path.startswith("/voila/files/"):
        assert status >= 400  # refused, not found, or (a NUL byte) an error: never the file


# --- tracebacks stay in the kernel -----------------------------------------------------------

SECRET = "SECRET-7f3a"
STDOUT_MARK, STDERR_MARK, WARNING_MARK = "printed-7f3a", "to-stderr-7f3a", "warned-7f3a"
# a cell that writes to stdout, to stderr and warns (a warning carries its file's path)
NOISY_CELL = f"""import sys
import warnings

print("{STDOUT_MARK}")
print("{STDERR_MARK}", file=sys.stderr)
warnings.warn("{WARNING_MARK}")"""
FAILING_NOTEBOOK = [
    NOISY_CELL,
    f"""import ipywidgets as ipw

status = ipw.Label("ready")
status.add_class("status")
button = ipw.Button(description="boom")
button.add_class("boom")
slider = ipw.IntSlider(value=1, min=0, max=10)
slider.add_class("ctl-slider")

def explode(*_):
    status.value = f"raised {{status.value.count('!') + 1}}!"  # {SECRET} source line
    raise ValueError("{SECRET} in a callback")

button.on_click(explode)
slider.observe(explode, names="value")
ipw.VBox([status, button, slider])""",
    f"""raise RuntimeError("{SECRET} while rendering")""",
]


@pytest.fixture(scope="module")
def failing_server(tmp_path_factory):
    """A Voila of its own, serving a test notebook whose callbacks raise, with voila.json."""
    root = tmp_path_factory.mktemp("failing")
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell(source) for source in FAILING_NOTEBOOK]
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nbformat.write(nb, root / "failing.ipynb")
    shutil.copy(ROOT / "voila.json", root / "voila.json")
    (root / "picture.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    server = VoilaServer(root, root / "voila.log", serve=".")
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def test_a_raising_callback_shows_no_traceback(browser, failing_server):
    context = browser.new_context()
    page = context.new_page()
    try:
        DashboardPage(page, failing_server)  # answers outside requests as the other tests do
        page.goto(f"{failing_server.url}/voila/render/failing.ipynb", timeout=RENDER_TIMEOUT_MS)
        page.wait_for_selector(".boom", timeout=RENDER_TIMEOUT_MS)
        page.click(".boom")
        page.wait_for_function("document.querySelector('.status').innerText === 'raised 1!'")
        set_slider(page, "ctl-slider", 5)
        page.wait_for_function("document.querySelector('.status').innerText === 'raised 2!'")
        page.wait_for_timeout(500)  # room for anything the error would add to the page
        shown = page.inner_text("body")
        html = page.content()
    finally:
        context.close()
    assert "There was an error when executing cell" in shown  # the rendering error, unsourced
    for leak in (SECRET, "Traceback", "ValueError", "RuntimeError", "raise ", "def explode"):
        assert leak not in shown and leak not in html, leak


def test_stderr_while_rendering_stays_out_of_the_page(failing_server):
    """Voila runs the notebook to render the page; under voila.json (``show_tracebacks:
    false``) it keeps a cell's stdout and drops its stderr, warnings included."""
    status, body = _get(failing_server.url + "/voila/render/failing.ipynb")
    assert status == 200 and STDOUT_MARK in body  # the cell ran and its output is shown
    for leak in (STDERR_MARK, WARNING_MARK, "UserWarning", "Traceback"):
        assert leak not in body, leak


def test_a_raising_callback_sends_no_traceback(failing_server):
    """The kernel publishes the error; the server passes on its name and message only."""
    with KernelClient(failing_server.url, "failing.ipynb") as kernel:
        kernel.load_widgets()
        replies = kernel.comm_msg(kernel.find("boom"),
                                  {"method": "custom", "content": {"event": "click"}})
    errors = [m["content"] for m in replies if m["msg_type"] == "error"]
    assert [(e["ename"], e["evalue"]) for e in errors] == [
        ("ValueError", f"{SECRET} in a callback")]
    assert errors[0]["traceback"] == []
    assert kernel.states[kernel.find("status")]["value"] == "raised 1!"


def test_allowlisted_files_are_served(failing_server):
    """The allowlist keeps sources out, not a broken route: under voila.json a picture passes
    and the notebook beside it does not."""
    assert _get(failing_server.url + "/voila/files/picture.png")[0] == 200
    status, body = _get(failing_server.url + "/voila/files/failing.ipynb")
    assert status == 403 and SECRET not in body


# --- `make serve` is for this machine only -----------------------------------------------

def _listening(port: int) -> set[str]:
    """Local addresses of the sockets listening on ``port`` (IPv6 ones marked ``ipv6:``)."""
    return {("ipv6:" if c.family == socket.AF_INET6 else "") + c.laddr.ip
            for c in psutil.net_connections(kind="inet")
            if c.status == psutil.CONN_LISTEN and c.laddr.port == port}


def _connects(host: str, port: int) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def test_make_serve_listens_on_loopback_only(tmp_path):
    """Started exactly as `make serve` starts it. A server on all addresses would answer on
    127.0.0.2 too (the whole 127/8 is this machine); one bound to 127.0.0.1 does not."""
    venv, port = Path(sys.prefix), free_port()
    serve = Server(
        ["make", "serve", f"PORT={port}", f"VENV={venv}", "-o", f"{venv}/.installed-run"],
        cwd=ROOT, log_path=tmp_path / "serve.log", port=port, ready_path="/voila/tree",
        what="make serve", env={"PYTHONUNBUFFERED": "1"}, stop_signal=signal.SIGINT)
    try:
        serve.wait_ready()
        assert _listening(port) == {"127.0.0.1"}
        assert not _connects("127.0.0.2", port)
        if fork_supported() is None:  # on Linux its kernels are forked from a warm parent
            with KernelClient(serve.url, "1_mlp.ipynb") as page:
                kernels, parents = kernels_and_parents(serve.proc.pid)
                pid = kernel_with(kernels, page.kernel_id)
                assert psutil.Process(pid).ppid() in parents
    finally:
        serve.stop()
    assert "Serving the dashboards at http://localhost:" in (tmp_path / "serve.log").read_text()

