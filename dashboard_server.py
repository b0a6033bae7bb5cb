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
_HEADER, _CONTENT = 0, 3  # a v1 message's parts: header, parent header, metadata, content, ...


class NoDelayConnection(ZMQChannelsWebsocketConnection):
    """A kernel websocket that sends every frame at once and holds back a dashboard's stderr.

    Tornado leaves Nagle's algorithm on, and a widget update is a burst of small frames: the
    kernel's "busy" went out, the frames after it waited for the browser's acknowledgement,
    which Linux delays by up to 40 ms, on every step of Play. jupyter_server's own connection
    has the same stall, so Voila as a server extension needs this class too (what it changed
    is in docs/performance.md).

    A dashboard's kernel writes things to stderr that no page should get: ipykernel's
    "Exception opening comm" traceback for a malformed ``comm_open``, Python warnings with the
    server's file paths and source lines. On a connection to such a kernel (``quiet``) the
    kernel's stderr ``stream`` messages are dropped and every traceback (``error`` messages,
    replies with status "error") is emptied, the exception's name and message kept, as
    ``show_tracebacks: false`` does while Voila renders; what was held back goes to the
    server's log, with the kernel's id. Every other message passes untouched.

    Which kernels are a dashboard's: Voila's ``/voila/render`` starts its kernels on the
    kernel manager itself and its page connects to the bare kernel, while JupyterLab starts
    every notebook's and console's kernel through the sessions API (``/api/sessions``). So a
    kernel the server's sessions know keeps everything: the learner runs their own code in it
    and JupyterLab must show them their own errors and warnings. Any other kernel is quiet.

    Attributes
    ----------
    quiet : bool
        Whether this connection holds back the kernel's stderr and tracebacks; decided in
        ``prepare``, before any message is relayed.
    """

    quiet = True  # until prepare has looked: nothing leaks before it decides

    async def prepare(self):
        self.quiet = await self._is_a_dashboards_kernel()
        await super().prepare()

    async def _is_a_dashboards_kernel(self) -> bool:
        sessions = self.websocket_handler.settings.get("session_manager")
        if sessions is None:
            return True
        try:
            await sessions.get_session(kernel_id=self.kernel_id)
        except web.HTTPError:  # 404: no session has this kernel
            return True
        return False

    def connect(self):
        self.websocket_handler.set_nodelay(True)  # the handshake is done: the stream exists
        return super().connect()

    def _on_zmq_reply(self, stream, msg_or_list):
        # v1 passes the packed parts (header, parent header, metadata, content, buffers); the
        # legacy protocol, which only the Jupyter server speaks, passes the message as a dict
        if self.quiet:
            msg_or_list = self._for_the_page(msg_or_list)
            if msg_or_list is None:
                return
        super()._on_zmq_reply(stream, msg_or_list)

    def _for_the_page(self, msg_or_list):
        """The message without stderr or traceback (None: nothing to send); logs what it held."""
        packed = not isinstance(msg_or_list, dict)
        header = self.session.unpack(msg_or_list[_HEADER]) if packed else msg_or_list["header"]
        kind = header.get("msg_type", "")
        if kind not in ("stream", "error") and not kind.endswith("_reply"):
            return msg_or_list  # widget comms, status, outputs: read no further
        content = self.session.unpack(msg_or_list[_CONTENT]) if packed else msg_or_list["content"]
        if kind == "stream" and content.get("name") == "stderr":
            self.log.warning("Kernel %s wrote to stderr (not sent to the page):\n%s",
                             self.kernel_id, content.get("text", ""))
            return None
        if not content.get("traceback"):
            return msg_or_list
        self.log.warning("Kernel %s: %s: %s (traceback not sent to the page):\n%s",
                         self.kernel_id, content.get("ename"), content.get("evalue"),
                         "\n".join(map(str, content["traceback"])))
        content = {**content, "traceback": []}
        if packed:
            return [*msg_or_list[:_CONTENT], self.session.pack(content),
                    *msg_or_list[_CONTENT + 1:]]
        return {**msg_or_list, "content": content}


class DashboardConnection(NoDelayConnection):
    """Standalone Voila's kernel websocket: only the pages' protocol, every kernel quiet.

    Voila 0.5 reads every binary frame it sends as the v1 protocol (to drop execute_input).
    A client that asks for no subprotocol gets the legacy framing, whose header Voila misreads
    as about 10**18 offsets: the server's only thread spins and every learner's page stops.
    Voila's pages always ask for v1, so refusing the others costs them nothing.

    Every kernel of a standalone Voila is a dashboard's, so every connection is ``quiet``
    (``NoDelayConnection``): no stderr and no traceback reaches the page, only an exception's
    name and message. Every frame goes out at once, as ``NoDelayConnection``'s do.
    """

    async def prepare(self):
        offered = self.websocket_handler.request.headers.get("Sec-WebSocket-Protocol", "")
        if PROTOCOL_V1 not in (p.strip() for p in offered.split(",")):
            raise web.HTTPError(400, f"This server speaks only the {PROTOCOL_V1} protocol.")
        await super().prepare()

    async def _is_a_dashboards_kernel(self) -> bool:
        return True
