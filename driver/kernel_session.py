"""A learner's tab without the browser: the page, its kernel's websocket and its widgets.

What the page's JavaScript does, in Python: GET the notebook page (``?token=`` on the first
URL, the login cookie after), read the kernel id from the page, open
``/api/kernels/<id>/channels`` with JupyterLab's websocket protocol
(``v1.kernel.websocket.jupyter.org``, framed by jupyter_server's own codec), fetch every
widget's state as Voila's widget manager does (ipywidgets 8: ``request_states`` on a
``jupyter.widget.control`` comm, falling back to ``comm_info_request`` and one
``request_state`` per widget), send ``update`` messages as a moved slider does, and on leaving
close the socket and send Voila's unload beacon (``POST /voila/api/shutdown/<id>``).

``KernelSession`` is the asynchronous core, for many learners at once (the load tests);
``KernelClient`` (driver/kernel_client.py) runs one on an event loop of its own for a plain call
style (the security and robustness tests). A request is answered once the kernel reports
``status: idle`` for it on iopub (and has sent its reply, for a ``*_request``): every message
the kernel sends because of it comes before that.
"""

from __future__ import annotations

import asyncio
import json
import re
import time
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from urllib.parse import quote

from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)
from tornado.httpclient import HTTPClientError, HTTPRequest
from tornado.simple_httpclient import SimpleAsyncHTTPClient
from tornado.websocket import websocket_connect

__all__ = ["PROTOCOL_V1", "Answer", "ClassFullError", "KernelSession", "decode", "encode",
           "kernel_id_from_page", "run"]

PROTOCOL_V1 = "v1.kernel.websocket.jupyter.org"
WIDGET_TARGET = "jupyter.widget"
CONTROL_TARGET = "jupyter.widget.control"
WIDGET_PROTOCOL = "2.1.0"  # ipywidgets 8's widget comm protocol
CONTROL_PROTOCOL = "1.0.0"  # and its control comm's, which serves every state at once
PARTS = ("header", "parent_header", "metadata", "content")
_KERNEL_ID = re.compile(r'"kernelId":\s*"([0-9a-f-]{36})"')


def run(coroutine):
    """``asyncio.run`` in a thread of its own: callers may already be inside an event loop
    (Playwright's sync API keeps one running in the test session)."""
    with ThreadPoolExecutor(1) as thread:
        return thread.submit(asyncio.run, coroutine).result()


def encode(channel: str, msg: dict) -> bytes:
    """A message as a v1 websocket frame (jupyter_server's codec): four JSON parts, buffers."""
    parts = [json.dumps(msg[k]).encode() for k in PARTS]
    return serialize_msg_to_ws_v1([*parts, *(bytes(b) for b in msg.get("buffers", []))],
                                  channel)


def decode(frame: bytes) -> dict:
    """The message in a v1 websocket frame, with its ``channel``, ``msg_type`` and ``buffers``."""
    channel, parts = deserialize_msg_from_ws_v1(frame)
    msg = {k: json.loads(part) for k, part in zip(PARTS, parts, strict=False)}
    msg.update(channel=channel, msg_type=msg["header"]["msg_type"], buffers=parts[len(PARTS):])
    return msg


def kernel_id_from_page(html: str) -> str:
    """The kernel the server started for this page, from the page config it embeds."""
    found = _KERNEL_ID.search(html)
    if found is None:
        raise ValueError("no kernel id in the page: did the notebook render?")
    return found.group(1)


class ClassFullError(Exception):
    """The server turned the page away (HTTP 503, the classroom's cap)."""


@dataclass
class Answer:
    """What the kernel sent because of one request, and how long it took.

    ``done`` is false when the kernel did not finish with it in time or the socket closed;
    ``errors`` then says which, beside any ``error`` and stderr messages the kernel sent.
    """

    seconds: float = 0.0
    reply: dict | None = None
    messages: list[dict] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    bytes: int = 0
    done: bool = False


@dataclass
class _Pending:
    answer: Answer
    started: float
    idle: asyncio.Future  # iopub status idle: the kernel is done with the request
    replied: asyncio.Future | None  # the reply, for requests that have one


class KernelSession:
    """One learner's tab: ``await open()``, ``await connect()``, ``set_value()``, ``leave()``.

    Parameters
    ----------
    base_url : str
        The server, e.g. ``http://127.0.0.1:8866`` or a hub user's ``.../user/alice/``.
    token : str, optional
        Put on the first page's URL, as the link a teacher hands out carries it.
    timeout : float
        Seconds for a page to render and for the kernel to answer a request.
    keep_messages : bool
        Keep every message received in ``received`` (a test reads them; a load test does not).

    ``states`` maps each widget's comm id to its state as the kernel last described it (binary
    buffers left out); ``cookies`` holds what the server set (a hub's login may be put there);
    ``listeners`` are called with every message as it arrives, ``states`` already updated (a
    load test hears what the kernel sends of its own accord, e.g. a card's late "not saved").
    Make and use a session inside one running event loop.
    """

    def __init__(self, base_url: str, token: str | None = None, timeout: float = 120.0,
                 keep_messages: bool = False):
        self.base_url = base_url.rstrip("/") + "/"
        self.token = token
        self.timeout = timeout
        self.kernel_id: str | None = None
        self.page_seconds: float | None = None
        self.states: dict[str, dict] = {}
        self.cookies: dict[str, str] = {}
        self.received: list[dict] = []
        self.listeners: list[Callable[[dict], None]] = []
        self.keep_messages = keep_messages
        self.closed = False
        self.session = uuid.uuid4().hex
        self._ws = None
        self._reader: asyncio.Task | None = None
        self._arrived = asyncio.Event()
        self._pending: dict[str, _Pending] = {}
        self._http_client: SimpleAsyncHTTPClient | None = None

    # -- HTTP ------------------------------------------------------------------------------

    @property
    def _http(self) -> SimpleAsyncHTTPClient:
        # a client of its own: tornado's shared one queues beyond ten requests
        if self._http_client is None:
            self._http_client = SimpleAsyncHTTPClient(force_instance=True, max_clients=4)
        return self._http_client

    def _headers(self) -> dict[str, str]:
        """The login cookie once the page set it; before that, the token as a header."""
        if self.cookies:
            return {"Cookie": "; ".join(f"{k}={v}" for k, v in self.cookies.items())}
        return {"Authorization": f"token {self.token}"} if self.token else {}

    async def open(self, notebook: str, query: str = "") -> str:
        """GET the dashboard page; returns its HTML. Raises ClassFullError on the cap's page."""
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
        for line in response.headers.get_list("Set-Cookie"):
            name, _, rest = line.partition("=")
            self.cookies[name.strip()] = rest.split(";", 1)[0]
        html = response.body.decode()
        self.kernel_id = kernel_id_from_page(html)
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

    # -- the kernel's websocket ------------------------------------------------------------

    async def connect(self, subprotocol: str | None = PROTOCOL_V1) -> None:
        """Open the kernel's websocket asking for ``subprotocol`` (None: ask for none, as a
        legacy client does; the server may refuse it with an HTTPClientError)."""
        ws_base = "ws" + self.base_url[len("http"):]
        url = f"{ws_base}api/kernels/{self.kernel_id}/channels?session_id={self.session}"
        self._ws = await websocket_connect(
            HTTPRequest(url, headers=self._headers(), request_timeout=self.timeout),
            subprotocols=[subprotocol] if subprotocol else None, max_message_size=256 * 2**20)
        if self._ws.selected_subprotocol != PROTOCOL_V1:
            self._ws.close()
            raise RuntimeError(f"the server chose protocol {self._ws.selected_subprotocol!r}")
        self._reader = asyncio.ensure_future(self._read())
        await self.request("kernel_info_request", {})

    async def _read(self) -> None:
        while (frame := await self._ws.read_message()) is not None:
            msg = decode(frame)
            if self.keep_messages:
                self.received.append(msg)
            self._dispatch(msg, len(frame))
            for listener in self.listeners:
                listener(msg)
            self._arrived.set()
        self.closed = True
        self._arrived.set()
        for pending in self._pending.values():
            for future in (pending.idle, pending.replied):
                if future is not None and not future.done():
                    future.set_exception(ConnectionError("the kernel's websocket closed"))

    def _dispatch(self, msg: dict, size: int) -> None:
        self._mirror(msg)
        pending = self._pending.get(msg["parent_header"].get("msg_id"))
        if pending is None:
            return
        kind, content, answer = msg["msg_type"], msg["content"], pending.answer
        answer.bytes += size
        answer.messages.append(msg)
        if kind.endswith("_reply"):
            answer.reply = msg
            if pending.replied is not None and not pending.replied.done():
                pending.replied.set_result(None)
        elif kind == "error":
            answer.errors.append(f"{content.get('ename')}: {content.get('evalue')}")
        elif kind == "stream" and content.get("name") == "stderr":
            answer.errors.append(content.get("text", "").strip()[:300])
        elif kind == "status" and content["execution_state"] == "idle":
            if not pending.idle.done():
                pending.idle.set_result(None)

    def _mirror(self, msg: dict) -> None:
        """Keep ``states`` as the kernel describes the widgets."""
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == WIDGET_TARGET:
            self.states[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif kind == "comm_msg":
            data = content.get("data") or {}
            if data.get("method") in ("update", "echo_update"):
                self.states.setdefault(content["comm_id"], {}).update(data.get("state", {}))
            elif data.get("method") == "update_states":  # the control comm's answer
                for comm_id, model in data["states"].items():
                    self.states[comm_id] = dict(model["state"])
        elif kind == "comm_close":
            self.states.pop(content.get("comm_id"), None)

    def send(self, msg_type: str, content: dict, channel: str = "shell",
             metadata: dict | None = None, header: dict | None = None) -> str:
        """Send one message, waiting for nothing; returns its msg_id. ``header`` overrides
        header fields."""
        head = {"msg_id": uuid.uuid4().hex, "msg_type": msg_type, "username": "learner",
                "session": self.session, "date": datetime.now(UTC).isoformat(),
                "version": "5.3", **(header or {})}
        msg = {"header": head, "parent_header": {}, "metadata": metadata or {},
               "content": content}
        self._ws.write_message(encode(channel, msg), binary=True)
        return head["msg_id"]

    def _ask(self, msg_type: str, content: dict, metadata: dict | None = None,
             channel: str = "shell") -> str:
        """Send a message whose answer ``_answer`` will wait for."""
        started, loop = time.perf_counter(), asyncio.get_running_loop()
        msg_id = self.send(msg_type, content, channel, metadata)
        # no await since sending: nothing for it can have been read yet
        self._pending[msg_id] = _Pending(
            Answer(), started, loop.create_future(),
            loop.create_future() if msg_type.endswith("_request") else None)
        return msg_id

    async def _answer(self, msg_id: str, timeout: float | None = None) -> Answer:
        pending = self._pending[msg_id]
        timeout = self.timeout if timeout is None else timeout
        waits = [f for f in (pending.idle, pending.replied) if f is not None]
        try:
            if self.closed:
                raise ConnectionError("the kernel's websocket closed")
            await asyncio.wait_for(asyncio.gather(*waits), timeout)
            pending.answer.done = True
        except TimeoutError:
            pending.answer.errors.append(f"no answer within {timeout:.0f} s")
        except ConnectionError as err:
            pending.answer.errors.append(str(err))
        finally:
            del self._pending[msg_id]
        pending.answer.seconds = time.perf_counter() - pending.started
        return pending.answer

    async def request(self, msg_type: str, content: dict, metadata: dict | None = None,
                      channel: str = "shell", timeout: float | None = None) -> Answer:
        """Send a message and wait until the kernel is done with it."""
        return await self._answer(self._ask(msg_type, content, metadata, channel), timeout)

    async def message_at(self, index: int, timeout: float) -> dict | None:
        """``received[index]`` once it has come (``keep_messages``); None after ``timeout``."""
        deadline = asyncio.get_running_loop().time() + timeout
        while len(self.received) <= index:
            if self.closed:
                raise ConnectionError("the server closed the kernel websocket")
            self._arrived.clear()
            left = deadline - asyncio.get_running_loop().time()
            try:
                await asyncio.wait_for(self._arrived.wait(), max(left, 0))
            except TimeoutError:
                return None
        return self.received[index]

    # -- widgets ---------------------------------------------------------------------------

    async def discover_widgets(self) -> int:
        """Every widget's state, fetched as Voila's page does; returns how many widgets."""
        control = uuid.uuid4().hex
        version = {"version": CONTROL_PROTOCOL}
        await self.request("comm_open", {"comm_id": control, "target_name": CONTROL_TARGET,
                                         "data": {}}, metadata=version)
        answer = await self.request("comm_msg", {"comm_id": control,
                                                 "data": {"method": "request_states"}},
                                    metadata=version)
        await self.request("comm_close", {"comm_id": control, "data": {}}, metadata=version)
        if answer.errors or not self.states:  # the page's fallback: one widget at a time
            await self.discover_widgets_one_by_one()
        return len(self.states)

    async def discover_widgets_one_by_one(self) -> None:
        """The page's fallback: ``comm_info_request``, then ``request_state`` to each widget."""
        info = await self.request("comm_info_request", {"target_name": WIDGET_TARGET})
        if info.reply is None:
            raise RuntimeError(f"no comm_info_reply: {info.errors}")
        asks = [self._ask("comm_msg", {"comm_id": c, "data": {"method": "request_state"}},
                          {"version": WIDGET_PROTOCOL})
                for c in info.reply["content"]["comms"]]
        answers = await asyncio.gather(*(self._answer(a) for a in asks))
        problems = [e for a in answers for e in a.errors]
        if problems:
            raise RuntimeError(f"request_state: {problems[:3]}")

    def find(self, dom_class: str) -> str:
        """The comm id of the one widget carrying CSS class ``dom_class``."""
        found = [c for c, s in self.states.items() if dom_class in s.get("_dom_classes", ())]
        if len(found) != 1:
            raise LookupError(f"{len(found)} widgets have class {dom_class!r}")
        return found[0]

    def controls(self) -> dict[str, str]:
        """Every control by its automation class (``ctl-<name>``) -> comm id."""
        return {c: cid for cid, s in self.states.items() for c in s.get("_dom_classes", ())
                if c.startswith("ctl-")}

    def state(self, dom_class: str) -> dict:
        """The state of the one widget carrying CSS class ``dom_class``."""
        return self.states[self.find(dom_class)]

    async def comm_msg(self, comm_id: str, data, timeout: float | None = None) -> Answer:
        """Send widget comm data as the page does; wait until the kernel is done with it."""
        return await self.request("comm_msg", {"comm_id": comm_id, "data": data},
                                  metadata={"version": WIDGET_PROTOCOL}, timeout=timeout)

    async def update(self, comm_id: str, state, timeout: float | None = None) -> Answer:
        """Set widget state from the 'browser' (a comm ``update``), as a slider move does.

        Like the page, the session takes its own change at once (the kernel does not echo it);
        whatever the kernel sends back then overrides it.
        """
        if isinstance(state, dict) and comm_id in self.states:
            self.states[comm_id].update(state)
        return await self.comm_msg(comm_id, {"method": "update", "state": state,
                                             "buffer_paths": []}, timeout)

    async def set_value(self, comm_id: str, value) -> Answer:
        """Move a control as the browser does: ``{"value": value}`` in an update message."""
        return await self.update(comm_id, {"value": value})

    async def click(self, comm_id: str) -> Answer:
        """Press a button as the browser does: a custom ``click`` event to its comm."""
        return await self.comm_msg(comm_id, {"method": "custom", "content": {"event": "click"}})

    # -- leaving ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the socket and the HTTP client (no beacon)."""
        if self._ws is not None:
            self._ws.close()
        if self._http_client is not None:
            self._http_client.close()

    async def leave(self, beacon: bool = True) -> int | None:
        """Close the tab: the socket goes, and (unless the tab vanished) the beacon is sent."""
        if self._ws is not None:
            self._ws.close()
            if self._reader is not None:
                await asyncio.wait([self._reader], timeout=10)
        status = await self.beacon() if beacon and self.kernel_id else None
        self.close()
        return status
