"""The Voila server's kernel websocket (dashboard_server.py), without a server."""

import logging
from unittest import mock

import pytest
from jupyter_client import KernelManager
from jupyter_client.session import Session
from jupyter_server.services.kernels.connection.base import deserialize_msg_from_ws_v1
from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from jupyter_server.services.kernels.websocket import KernelWebsocketHandler
from tornado import web

from dashboard_server import PROTOCOL_V1, DashboardConnection, NoDelayConnection
from driver.kernel_session import run

KERNEL_ID = "0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f9"
KERNEL = Session()  # publishes as the kernel does
TRACEBACK = ['Traceback (most recent call last):\n  File "/srv/site-packages/x.py", line 1\n']
LEGACY = None  # no subprotocol: the older JSON frames, which only the Jupyter server speaks


def _connection(connection_class, protocol=PROTOCOL_V1, sessions=None):
    handler = mock.Mock(spec=KernelWebsocketHandler)
    handler.selected_subprotocol = protocol
    handler.settings = {} if sessions is None else {"session_manager": sessions}
    handler.request = mock.Mock(headers={"Sec-WebSocket-Protocol": protocol or ""})
    kernel = KernelManager(parent=AsyncMappingKernelManager(), kernel_id=KERNEL_ID)
    return connection_class(parent=kernel, websocket_handler=handler, limit_rate=False,
                            session=Session(key=KERNEL.key))  # prepare takes the kernel's key


def _sessions(*kernel_ids):
    """A session manager that knows these kernels, as jupyter_server's answers."""
    async def get_session(kernel_id):
        if kernel_id not in kernel_ids:
            raise web.HTTPError(404, f"Session not found: kernel_id={kernel_id!r}")
        return {"kernel": {"id": kernel_id}}

    return mock.Mock(get_session=get_session)


def _prepared(connection):
    """The connection after its prepare, the kernel's part of it left out."""
    async def kernel_ready(_self):
        pass

    with mock.patch.object(ZMQChannelsWebsocketConnection, "prepare", kernel_ready):
        run(connection.prepare())  # off the loop Playwright runs in a full session
    return connection


def _relay(connection, msg_type, content, channel="iopub"):
    """What the websocket gets when the kernel sends this message (None: nothing)."""
    stream = mock.Mock(channel=channel)
    stream.closed.return_value = False
    connection.websocket_handler.write_message.reset_mock()
    connection.handle_outgoing_message(stream, KERNEL.serialize(KERNEL.msg(msg_type, content)))
    sent = connection.websocket_handler.write_message.call_args_list
    if not sent:
        return None
    (frame,), _ = sent[-1]
    if connection.subprotocol == PROTOCOL_V1:
        _channel, parts = deserialize_msg_from_ws_v1(frame)
        return {"msg_type": KERNEL.unpack(parts[0])["msg_type"], "content": KERNEL.unpack(parts[3])}
    msg = KERNEL.unpack(frame)
    return {"msg_type": msg["header"]["msg_type"], "content": msg["content"]}


@pytest.mark.parametrize("connection_class", [DashboardConnection, NoDelayConnection])
def test_frames_leave_without_waiting_for_acknowledgements(connection_class):
    """Nagle's algorithm is off before the connection starts relaying the kernel's messages:
    standalone Voila's connection and the Jupyter server's (Binder, JupyterHub, ``make lab``)."""
    events = []
    handler = mock.Mock(spec=KernelWebsocketHandler)
    handler.set_nodelay.side_effect = lambda on: events.append(("set_nodelay", on))
    connection = connection_class(parent=KernelManager(), websocket_handler=handler)

    def relay(_self):
        events.append("relaying")
        return "future"

    with mock.patch.object(ZMQChannelsWebsocketConnection, "connect", relay):
        assert connection.connect() == "future"
    assert events == [("set_nodelay", True), "relaying"]


# --- what a dashboard's page gets from its kernel --------------------------------------------

@pytest.fixture(params=[(DashboardConnection, PROTOCOL_V1), (NoDelayConnection, PROTOCOL_V1),
                        (NoDelayConnection, LEGACY)],
                ids=["voila", "jupyter-server", "jupyter-server-legacy"])
def quiet(request):
    """A connection to a dashboard's kernel: standalone Voila's, or one with no session."""
    connection_class, protocol = request.param
    return _prepared(_connection(connection_class, protocol, sessions=_sessions()))


def test_a_dashboards_kernel_is_quiet(quiet):
    assert quiet.quiet


def test_stderr_goes_to_the_log_not_the_page(quiet, caplog):
    text = "Exception opening comm with target: jupyter.widget\n" + TRACEBACK[0]
    with caplog.at_level(logging.WARNING):
        assert _relay(quiet, "stream", {"name": "stderr", "text": text}) is None
    held = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(held) == 1
    assert KERNEL_ID in held[0].getMessage() and text in held[0].getMessage()


def test_tracebacks_go_to_the_log_with_name_and_message_to_the_page(quiet, caplog):
    error = {"ename": "ValueError", "evalue": "no such model", "traceback": TRACEBACK}
    with caplog.at_level(logging.WARNING):
        sent = _relay(quiet, "error", error)
        # a reply that failed carries a traceback too
        reply = _relay(quiet, "comm_info_reply", {"status": "error", **error}, channel="shell")
    assert sent == {"msg_type": "error", "content": {**error, "traceback": []}}
    assert reply["content"] == {"status": "error", **error, "traceback": []}
    logged = "\n".join(r.getMessage() for r in caplog.records)
    assert KERNEL_ID in logged and "ValueError: no such model" in logged
    assert TRACEBACK[0].strip() in logged


@pytest.mark.parametrize(("msg_type", "content"), [
    ("stream", {"name": "stdout", "text": "x_train (8, 50, 1)\n"}),
    ("comm_msg", {"comm_id": "c1", "data": {"method": "update", "state": {"value": 3}}}),
    ("status", {"execution_state": "idle"}),
    ("error", {"ename": "ValueError", "evalue": "bad", "traceback": []}),
])
def test_everything_else_passes_as_it_came(quiet, msg_type, content):
    assert _relay(quiet, msg_type, content) == {"msg_type": msg_type, "content": content}


def test_a_reply_passes_as_it_came(quiet):
    reply = {"status": "ok", "comms": {}}
    assert _relay(quiet, "comm_info_reply", reply, channel="shell")["content"] == reply


# --- what JupyterLab gets from a notebook's kernel on the same server -------------------------

def test_a_kernel_with_a_session_keeps_its_stderr_and_tracebacks():
    """JupyterLab starts a notebook's kernel through /api/sessions: the learner's own code."""
    connection = _prepared(_connection(NoDelayConnection, sessions=_sessions(KERNEL_ID)))
    assert not connection.quiet
    warning = {"name": "stderr", "text": "/srv/x.py:3: UserWarning: mine\n  warn('mine')\n"}
    assert _relay(connection, "stream", warning)["content"] == warning
    error = {"ename": "ZeroDivisionError", "evalue": "division by zero", "traceback": TRACEBACK}
    assert _relay(connection, "error", error)["content"] == error


def test_voila_standalone_is_quiet_whatever_the_sessions_say():
    connection = _prepared(_connection(DashboardConnection, sessions=_sessions(KERNEL_ID)))
    assert connection.quiet
