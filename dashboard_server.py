"""The kernel websockets of the servers that show these dashboards.

``DashboardConnection`` is standalone Voila's (voila.json names it); ``NoDelayConnection`` is
the Jupyter server's, where Voila runs as an extension (Binder and JupyterHub through
``docs/jupyter_config.json``, ``make lab``). Kept out of the ``widgets`` package so that the
server process does not import torch.
"""

from __future__ import annotations

from jupyter_server.services.kernels.connection.channels import ZMQChannelsWebsocketConnection
from tornado import web

__all__ = ["PROTOCOL_V1", "DashboardConnection", "NoDelayConnection"]

PROTOCOL_V1 = "v1.kernel.websocket.jupyter.org"


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """A kernel websocket that sends every frame at once (TCP_NODELAY).

    Tornado leaves Nagle's algorithm on, and a widget update is a burst of small frames: the
    kernel's "busy" went out, the frames after it waited for the browser's acknowledgement,
    which Linux delays by up to 40 ms, on every step of Play. jupyter_server's own connection
    has the same stall, so Voila as a server extension needs this class too (what it changed
    is in docs/performance.md). It does nothing else, so JupyterLab on the same server keeps
    every kernel's tracebacks.
    """

    def connect(self):
        self.websocket_handler.set_nodelay(True)  # the handshake is done: the stream exists
        return super().connect()


class DashboardConnection(NoDelayConnection):
    """A kernel websocket that speaks only the pages' protocol and sends no tracebacks.

    Voila 0.5 reads every binary frame it sends as the v1 protocol (to drop execute_input).
    A client that asks for no subprotocol gets the legacy framing, whose header Voila misreads
    as about 10**18 offsets: the server's only thread spins and every learner's page stops.
    Voila's pages always ask for v1, so refusing the others costs them nothing.

    A widget callback that raises makes the kernel publish an ``error`` message with the
    traceback (file paths and source lines). The page does not show it, but it is on the wire;
    like ``show_tracebacks: false``, only the exception's name and message are passed on.

    Every frame goes out at once, as ``NoDelayConnection``'s do.
    """

    async def prepare(self):
        offered = self.websocket_handler.request.headers.get("Sec-WebSocket-Protocol", "")
        if PROTOCOL_V1 not in (p.strip() for p in offered.split(",")):
            raise web.HTTPError(400, f"This server speaks only the {PROTOCOL_V1} protocol.")
        await super().prepare()

    def _on_zmq_reply(self, stream, msg_list):
        # v1: msg_list holds the packed header, parent header, metadata, content and buffers
        if (self.subprotocol == PROTOCOL_V1 and getattr(stream, "channel", None) == "iopub"
                and len(msg_list) >= 4):
            header = self.session.unpack(msg_list[0])
            if header.get("msg_type") == "error":
                content = self.session.unpack(msg_list[3])
                content["traceback"] = []
                msg_list = [*msg_list[:3], self.session.pack(content), *msg_list[4:]]
        super()._on_zmq_reply(stream, msg_list)
