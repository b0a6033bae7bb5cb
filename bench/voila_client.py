"""A student's dashboard without a browser: the page, its kernel and its widgets, over HTTP.

What the page's JavaScript does, in Python: GET the notebook page (``?token=`` on the first URL,
the login cookie after), read the kernel id from the page config, open
``/api/kernels/<id>/channels`` with JupyterLab's websocket protocol
(``v1.kernel.websocket.jupyter.org``), fetch every widget's state as Voila's widget manager
does (ipywidgets 8: ``request_states`` on a ``jupyter.widget.control`` comm, falling back to
``comm_info_request`` and one ``request_state`` per widget), send ``update`` messages as a
moved slider does, and on leaving close the socket and send Voila's unload beacon
(``POST /voila/api/shutdown/<id>``), which frees the kernel.

A request is answered when the kernel reports ``status: idle`` for it on iopub: every message
the kernel sends because of it comes before that.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.simple_httpclient import SimpleAsyncHTTPClient
from tornado.websocket import websocket_connect

__all__ = ["Answer", "ClassFullError", "DashboardSession", "decode", "encode", "run"]

PROTOCOL = "v1.kernel.websocket.jupyter.org"
WIDGET_TARGET = "jupyter.widget"
CONTROL_TARGET = "jupyter.widget.control"
KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def run(coroutine):
    """``asyncio.run`` in a thread of its own: callers may already be inside an event loop
    (Playwright's sync API keeps one running in the test session)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def encode(channel: str, msg: dict) -> bytes:
    """A message in the v1 websocket framing: offsets, channel, four JSON parts, buffers."""
    parts = [json.dumps(msg[k]).encode() for k in ("header", "parent_header", "metadata",
                                                     "content")]
    parts += [bytes(b) for b in msg.get("buffers", [])]
    channel_bytes = channel.encode()
    offsets = [8 * (len(parts) + 3)]  # the count, channel's start and end, one per part
    offsets.append(offsets[-1] + len(channel_bytes))
    for part in parts:
        offsets.append(offsets[-1] + len(part))
    head = b"".join(n.to_bytes(8, "little") for n in [len(offsets), *offsets])
    return head + channel_bytes + b"".join(parts)


def decode(data: bytes) -> tuple[str, dict]:
    """(channel, message) from a v1 websocket frame."""
    count = int.from_bytes(data[:8], "little")
    offsets = [int.from_bytes(data[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    channel = data[offsets[0]:offsets[1]].decode()
    parts = [data[offsets[i]:offsets[i + 1]] for i in range(1, count - 1)]
    msg = {k: json.loads(parts[i]) for i, k in enumerate(("header", "parent_header", "metadata",
                                                          "content"))}
    msg["buffers"] = parts[4:]
    return channel, msg


class ClassFullError(Exception):
    """The server turned the page away (HTTP 503, the classroom's cap)."""


@dataclass
class Answer:
    """What the kernel sent on iopub because of one request, and how long it took."""

    seconds: float
    reply: dict | None = None
    errors: list[str] = field(default_factory=list)
    bytes: int = 0


@dataclass
class _Pending:
    started: float
    idle: asyncio.Future  # iopub status idle: the kernel is done with the request
    replied: asyncio.Future | None  # the shell reply, for requests that have one
    reply: dict | None = None
    errors: list[str] = field(default_factory=list)
    bytes: int = 0


class DashboardSession:
    """One student's tab: ``await open()``, ``await connect()``, ``set_value()``, ``leave()``."""

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0):
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout
        self.kernel_id: str | None = None
        self.page_seconds: float | None = None
        self.states: dict[str, dict] = {}  # comm id -> widget state, kept up to date
        self.cookies: dict[str, str] = {}
        self.closed = False
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._pending: dict[str, _Pending] = {}
        self._session = uuid.uuid4().hex
        # a client of its own: tornado's shared one queues beyond ten requests
        self._http = SimpleAsyncHTTPClient(force_instance=True, max_clients=4)

    # -- HTTP ------------------------------------------------------------------------------

    def _headers(self) -> dict[str, str]:
        """The login cookie once the page set it; before that, the token as a header."""
        if self.cookies:
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        return {"Authorization": f"token {self.token}"} if self.token else {}

    def _keep_cookies(self, response) -> None:
        for line in response.headers.get_list("Set-Cookie"):
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]

    async def open(self, notebook: str, query: str = "") -> str:
        """GET the dashboard page; returns its HTML. Raises ClassFullError on the cap's page."""
        # the first URL carries the token, as the link the teacher hands out does
        first_visit = bool(self.token) and not self.cookies
        params = [p for p in (query.lstrip("?"),
                              f"token={quote(self.token)}" if first_visit else "") if p]
        url = f"{self.base_url}voila/render/{notebook}" + ("?" + "&".join(params)
                                                          if params else "")
        t0 = time.perf_counter()
        try:
            response = await self._http.fetch(HTTPRequest(
                url, headers={} if first_visit else self._headers(),
                request_timeout=self.timeout, follow_redirects=False))
        except HTTPClientError as err:
            if err.code == 503:
                raise ClassFullError(err.response.body.decode(errors="replace")) from None
            raise
        self.page_seconds = time.perf_counter() - t0
        self._keep_cookies(response)
        html = response.body.decode()
        found = KERNEL_ID.search(html)
        if not found:
            raise RuntimeError(f"no kernel id in the page from {url}")
        self.kernel_id = found.group(1)
        return html

    async def beacon(self) -> int:
        """Voila's unload beacon: a form POST with the page's cookies. Returns the status."""
        boundary = uuid.uuid4().hex
        body = (f'--{boundary}\r\nContent-Disposition: form-data; name="_xsrf"\r\n\r\n'
                f'{self.cookies.get("_xsrf", "")}\r\n--{boundary}--\r\n')
        response = await self._http.fetch(HTTPRequest(
            f"{self.base_url}voila/api/shutdown/{self.kernel_id}", method="POST", body=body,
            headers={**self._headers(),
                     "Content-Type": f"multipart/form-data; boundary={boundary}"},
            request_timeout=self.timeout), raise_error=False)
        return response.code

    async def kernel_alive(self) -> bool:
        """Whether the server still has this page's kernel (GET /api/kernels/<id>)."""
        response = await self._http.fetch(HTTPRequest(
            f"{self.base_url}api/kernels/{self.kernel_id}", headers=self._headers(),
            request_timeout=self.timeout), raise_error=False)
        if response.code not in (200, 404):
            raise RuntimeError(f"GET /api/kernels/{self.kernel_id}: HTTP {response.code}")
        return response.code == 200

    # -- the kernel's websocket ------------------------------------------------------------

    async def connect(self) -> None:
        ws_base = "ws" + self.base_url[len("http"):]
        url = f"{ws_base}api/kernels/{self.kernel_id}/channels?session_id={self._session}"
        self._ws = await websocket_connect(
            HTTPRequest(url, headers=self._headers(), request_timeout=self.timeout),
            subprotocols=[PROTOCOL], max_message_size=256 * 2**20)
        if self._ws.selected_subprotocol != PROTOCOL:
            raise RuntimeError(f"the server chose protocol {self._ws.selected_subprotocol!r}")
        self._reader = asyncio.ensure_future(self._read())
        await self.request("kernel_info_request", {})

    async def _read(self) -> None:
        while True:
            data = await self._ws.read_message()
            if data is None:
                break
            channel, msg = decode(data)
            self._dispatch(channel, msg, len(data))
        self.closed = True
        for pending in self._pending.values():
            for future in (pending.idle, pending.replied):
                if future is not None and not future.done():
                    future.set_exception(ConnectionError("the kernel's websocket closed"))

    def _dispatch(self, channel: str, msg: dict, size: int) -> None:
        msg_type = msg["header"]["msg_type"]
        content = msg["content"]
        if msg_type == "comm_open" and content.get("target_name") == WIDGET_TARGET:
            self.states[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif msg_type == "comm_msg":
            data = content["data"]
            if data.get("method") in ("update", "echo_update"):
                self.states.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif data.get("method") == "update_states":  # the control comm's answer
                for model_id, model in data["states"].items():
                    self.states[model_id] = dict(model["state"])
        elif msg_type == "comm_close":
            self.states.pop(content["comm_id"], None)
        pending = self._pending.get(msg["parent_header"].get("msg_id"))
        if pending is None:
            return
        pending.bytes += size
        if channel == "shell":
            pending.reply = msg
            if pending.replied is not None and not pending.replied.done():
                pending.replied.set_result(None)
        elif msg_type == "error":
            pending.errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        elif msg_type == "stream" and content.get("name") == "stderr":
            pending.errors.append(content.get("text", "").strip()[:300])
        elif msg_type == "status" and content["execution_state"] == "idle":
            if not pending.idle.done():
                pending.idle.set_result(None)

    def _send(self, msg_type: str, content: dict, metadata: dict | None = None) -> str:
        msg_id = uuid.uuid4().hex
        header = {"msg_id": msg_id, "msg_type": msg_type, "username": "student",
                  "session": self._session, "date": datetime.now(UTC).isoformat(),
                  "version": "5.3"}
        msg = {"header": header, "parent_header": {}, "metadata": metadata or {},
               "content": content}
        loop = asyncio.get_running_loop()
        # comm messages get no shell reply, the *_request messages do
        replied = loop.create_future() if msg_type.endswith("_request") else None
        self._pending[msg_id] = _Pending(time.perf_counter(), loop.create_future(), replied)
        self._ws.write_message(encode("shell", msg), binary=True)
        return msg_id

    async def _answer(self, msg_id: str) -> Answer:
        pending = self._pending[msg_id]
        waits = [f for f in (pending.idle, pending.replied) if f is not None]
        try:
            await asyncio.wait_for(asyncio.gather(*waits), self.timeout)
        except TimeoutError:
            pending.errors.append(f"no answer within {self.timeout:.0f} s")
        except ConnectionError as err:
            pending.errors.append(str(err))
        finally:
            del self._pending[msg_id]
        return Answer(time.perf_counter() - pending.started, pending.reply, pending.errors,
                      pending.bytes)

    async def request(self, msg_type: str, content: dict, metadata: dict | None = None) -> Answer:
        return await self._answer(self._send(msg_type, content, metadata))

    # -- widgets ---------------------------------------------------------------------------

    async def discover_widgets(self) -> int:
        """Every widget's state, fetched as Voila's page does; returns how many widgets."""
        control = uuid.uuid4().hex
        await self.request("comm_open", {"comm_id": control, "target_name": CONTROL_TARGET,
                                         "data": {}}, metadata={"version": "1.0.0"})
        answer = await self.request("comm_msg", {"comm_id": control,
                                                 "data": {"method": "request_states"}})
        await self.request("comm_close", {"comm_id": control, "data": {}})
        if answer.errors or not self.states:  # the page's fallback: one widget at a time
            await self.discover_widgets_one_by_one()
        return len(self.states)

    async def discover_widgets_one_by_one(self) -> None:
        """The page's fallback: ``comm_info_request``, then ``request_state`` to each widget."""
        info = await self.request("comm_info_request", {"target_name": WIDGET_TARGET})
        if info.reply is None:
            raise RuntimeError(f"no comm_info_reply: {info.errors}")
        asks = [self._send("comm_msg", {"comm_id": c, "data": {"method": "request_state"}})
                for c in info.reply["content"]["comms"]]
        answers = await asyncio.gather(*(self._answer(a) for a in asks))
        problems = [e for a in answers for e in a.errors]
        if problems:
            raise RuntimeError(f"request_state: {problems[:3]}")

    def find(self, dom_class: str) -> str:
        """The comm id of the widget carrying CSS class ``dom_class``."""
        found = [c for c, s in self.states.items() if dom_class in s.get("_dom_classes", ())]
        if len(found) != 1:
            raise LookupError(f"{len(found)} widgets have class {dom_class!r}")
        return found[0]

    async def set_value(self, comm_id: str, value) -> Answer:
        """Move a control as the browser does: ``{"value": value}`` in an update message."""
        return await self.request("comm_msg", {
            "comm_id": comm_id,
            "data": {"method": "update", "state": {"value": value}, "buffer_paths": []},
        })

    async def click(self, comm_id: str) -> Answer:
        """Press a button as the browser does: a custom ``click`` event to its comm."""
        return await self.request("comm_msg", {
            "comm_id": comm_id, "data": {"method": "custom", "content": {"event": "click"}}})

    # -- leaving ---------------------------------------------------------------------------

    def close(self) -> None:
        self._http.close()

    async def leave(self, beacon: bool = True) -> int | None:
        """Close the tab: the socket goes, and (unless the tab vanished) the beacon is sent."""
        if self._ws is not None:
            self._ws.close()
            if self._reader is not None:
                await asyncio.wait([self._reader], timeout=10)
        status = await self.beacon() if beacon and self.kernel_id else None
        self.close()
        return status
