"""A learner's browser without the browser: the Jupyter kernel protocol over Voila's websocket.

``KernelClient`` opens a dashboard as a browser does (one GET starts a kernel and runs the
notebook), reads the kernel id from the page, connects to ``/api/kernels/<id>/channels`` and
speaks message protocol v5.3 in the wire format JupyterLab uses
(``v1.kernel.websocket.jupyter.org``) or in the older JSON frames. It mirrors the widgets'
state from the kernel's comm messages, so a caller can find a control by its CSS class
(``ctl-hidden_size``) and move it with the same comm ``update`` the browser sends.

Used by the security tests; a load test can open many of these, one per simulated learner.
"""

from __future__ import annotations

import itertools
import json
import re
import struct
import time
import urllib.request
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

import websocket

__all__ = ["PROTOCOL_V1", "KernelClient", "kernel_id_from_page"]

PROTOCOL_V1 = "v1.kernel.websocket.jupyter.org"
WIDGET_TARGET = "jupyter.widget"
CONTROL_TARGET = "jupyter.widget.control"
WIDGET_PROTOCOL = "2.1.0"  # ipywidgets 8's widget comm protocol
CONTROL_PROTOCOL = "1.0.0"  # and its control comm's, which serves every state at once
_CONFIG = re.compile(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                     re.S)


def kernel_id_from_page(html: str) -> str:
    """The kernel Voila started for this page, from the page config it embeds."""
    found = _CONFIG.search(html)
    if found is None:
        raise ValueError("no jupyter-config-data in the page: did the notebook render?")
    return json.loads(found.group(1))["kernelId"]


def _encode_v1(channel: str, parts: list[bytes]) -> bytes:
    """v1 frame: count of offsets, the offsets (u64 little-endian), channel, then the parts."""
    chunks = [channel.encode(), *parts]
    offsets = [8 * (len(chunks) + 2)]
    for chunk in chunks:
        offsets.append(offsets[-1] + len(chunk))
    head = b"".join(n.to_bytes(8, "little") for n in (len(offsets), *offsets))
    return head + b"".join(chunks)


def _decode_v1(frame: bytes) -> dict:
    count = int.from_bytes(frame[:8], "little")
    offsets = [int.from_bytes(frame[8 * (i + 1):8 * (i + 2)], "little") for i in range(count)]
    chunks = [frame[a:b] for a, b in itertools.pairwise(offsets)]
    channel, header, parent, metadata, content, *buffers = chunks
    return {"channel": channel.decode(), "header": json.loads(header),
            "parent_header": json.loads(parent), "metadata": json.loads(metadata),
            "content": json.loads(content), "buffers": buffers}


def _decode_binary_json(frame: bytes) -> dict:
    """Legacy binary frame: a count and big-endian u32 offsets, the JSON message, its buffers."""
    count = struct.unpack("!I", frame[:4])[0]
    offsets = [*struct.unpack(f"!{count}I", frame[4:4 * (count + 1)]), len(frame)]
    chunks = [frame[a:b] for a, b in itertools.pairwise(offsets)]
    msg = json.loads(chunks[0])
    msg["buffers"] = chunks[1:]
    return msg


class KernelClient:
    """One simulated learner on one dashboard: a page load and a kernel websocket.

    Parameters
    ----------
    base_url : str
        The Voila server, e.g. ``http://127.0.0.1:8866``.
    notebook : str
        The notebook under ``/voila/render/``, e.g. ``"lstm_explorer.ipynb"``.
    query : str
        Appended to the page address, e.g. ``"?hidden_size=4"``.
    protocol : str
        ``"v1"`` (what JupyterLab and Voila's page use) or ``"json"`` (the legacy frames).
    timeout : float
        Seconds for the page to render (the notebook runs during the GET).

    Every message received is kept in ``received``; ``states`` maps each widget's comm id
    to its state as the kernel last described it (binary buffers left out).
    """

    def __init__(self, base_url: str, notebook: str, *, query: str = "", protocol: str = "v1",
                 timeout: float = 180.0):
        self.base_url = base_url.rstrip("/")
        with urllib.request.urlopen(f"{self.base_url}/voila/render/{notebook}{query}",
                                    timeout=timeout) as response:
            self.page = response.read().decode()
        self.kernel_id = kernel_id_from_page(self.page)
        self.session = uuid.uuid4().hex
        self.received: list[dict] = []
        self.states: dict[str, dict] = {}
        self._pending: list[dict] = []
        ws_url = self.base_url.replace("http", "ws", 1)
        self.ws = websocket.create_connection(
            f"{ws_url}/api/kernels/{self.kernel_id}/channels?session_id={self.session}",
            subprotocols=[PROTOCOL_V1] if protocol == "v1" else None, timeout=30)
        self.protocol = "v1" if self.ws.subprotocol == PROTOCOL_V1 else "json"
        if self.protocol != protocol:
            raise RuntimeError(f"asked for the {protocol} protocol, the server chose "
                               f"{self.ws.subprotocol!r}")

    def __enter__(self) -> KernelClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.ws.close()

    # --- the wire ---------------------------------------------------------------------------
    def send(self, msg_type: str, content: dict, channel: str = "shell",
             metadata: dict | None = None, header: dict | None = None) -> str:
        """Send one message; returns its msg_id. ``header`` overrides header fields."""
        msg_id = uuid.uuid4().hex
        head = {"msg_id": msg_id, "msg_type": msg_type, "username": "learner",
                "session": self.session, "date": datetime.now(UTC).isoformat(),
                "version": "5.3", **(header or {})}
        metadata = metadata or {}
        if self.protocol == "v1":
            parts = [json.dumps(x).encode() for x in (head, {}, metadata, content)]
            self.ws.send_binary(_encode_v1(channel, parts))
        else:
            self.ws.send(json.dumps({"header": head, "parent_header": {}, "metadata": metadata,
                                     "content": content, "channel": channel, "buffers": []}))
        return msg_id

    def receive(self, timeout: float) -> dict | None:
        """The next message from the kernel, or None if none came within ``timeout``."""
        if self._pending:
            return self._pending.pop(0)
        self.ws.settimeout(max(timeout, 0.01))
        try:
            opcode, frame = self.ws.recv_data()
        except websocket.WebSocketTimeoutException:
            return None
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise ConnectionError("the server closed the kernel websocket")
        if self.protocol == "v1":
            msg = _decode_v1(frame)
        elif opcode == websocket.ABNF.OPCODE_BINARY:
            msg = _decode_binary_json(frame)
        else:
            msg = json.loads(frame)
        msg.setdefault("msg_type", msg["header"]["msg_type"])
        self.received.append(msg)
        self._mirror(msg)
        return msg

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        """Read messages until one satisfies ``predicate``; TimeoutError if none does in time."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            msg = self.receive(left)
            if msg is not None and predicate(msg):
                return msg
        raise TimeoutError(f"no matching message from kernel {self.kernel_id} in {timeout}s")

    def replies_to(self, msg_id: str) -> list[dict]:
        """Every message received so far that answers ``msg_id``."""
        return [m for m in self.received if m["parent_header"].get("msg_id") == msg_id]

    def wait_idle(self, msg_id: str, timeout: float = 60.0) -> list[dict]:
        """Wait until the kernel has handled ``msg_id`` (status idle); its replies, in order."""
        self.wait_for(lambda m: m["msg_type"] == "status"
                      and m["parent_header"].get("msg_id") == msg_id
                      and m["content"]["execution_state"] == "idle", timeout)
        return self.replies_to(msg_id)

    def request(self, msg_type: str, content: dict, timeout: float = 60.0,
                channel: str = "shell") -> dict:
        """Send a request and return its reply (``<kind>_reply`` on the same channel)."""
        msg_id = self.send(msg_type, content, channel=channel)
        reply_type = msg_type.replace("_request", "_reply")
        return self.wait_for(lambda m: m["msg_type"] == reply_type
                             and m["parent_header"].get("msg_id") == msg_id, timeout)

    def drain(self, seconds: float) -> list[dict]:
        """Everything that arrives within ``seconds``."""
        deadline, got = time.monotonic() + seconds, []
        while (left := deadline - time.monotonic()) > 0:
            msg = self.receive(left)
            if msg is not None:
                got.append(msg)
        return got

    # --- widgets -----------------------------------------------------------------------------
    def _mirror(self, msg: dict) -> None:
        """Keep ``states`` as the kernel describes the widgets."""
        kind, content = msg["msg_type"], msg["content"]
        if kind == "comm_open" and content.get("target_name") == WIDGET_TARGET:
            self.states[content["comm_id"]] = dict(content["data"].get("state", {}))
        elif kind == "comm_msg" and content.get("comm_id") in self.states:
            data = content.get("data", {})
            if data.get("method") in ("update", "echo_update"):
                self.states[content["comm_id"]].update(data.get("state", {}))
        elif kind == "comm_msg" and content.get("data", {}).get("method") == "update_states":
            for comm_id, model in content["data"]["states"].items():
                self.states[comm_id] = dict(model["state"])
        elif kind == "comm_close":
            self.states.pop(content.get("comm_id"), None)

    def comm_ids(self, target: str = WIDGET_TARGET) -> set[str]:
        """The comms the kernel has open for ``target`` (a comm_info_request)."""
        reply = self.request("comm_info_request", {"target_name": target})
        return {cid for cid, info in reply["content"]["comms"].items()
                if info.get("target_name") == target}

    def load_widgets(self, timeout: float = 60.0) -> dict[str, dict]:
        """Every widget's state, asked for the way ipywidgets 8's page does (control comm)."""
        comm_id = uuid.uuid4().hex
        self.send("comm_open", {"comm_id": comm_id, "target_name": CONTROL_TARGET, "data": {}},
                  metadata={"version": CONTROL_PROTOCOL})
        self.send("comm_msg", {"comm_id": comm_id, "data": {"method": "request_states"}},
                  metadata={"version": CONTROL_PROTOCOL})
        self.wait_for(lambda m: m["msg_type"] == "comm_msg"
                      and m["content"].get("comm_id") == comm_id, timeout)
        return self.states

    def find(self, dom_class: str) -> str:
        """The comm id of the one widget carrying CSS class ``dom_class``."""
        found = [cid for cid, s in self.states.items() if dom_class in s.get("_dom_classes", ())]
        if len(found) != 1:
            raise LookupError(f"{len(found)} widgets have class {dom_class!r}")
        return found[0]

    def controls(self) -> dict[str, str]:
        """Every control by its automation class (``ctl-<name>``) -> comm id."""
        return {c: cid for cid, s in self.states.items() for c in s.get("_dom_classes", ())
                if c.startswith("ctl-")}

    def comm_msg(self, comm_id: str, data, timeout: float = 60.0) -> list[dict]:
        """Send widget comm data as the page does; wait until handled, return the replies."""
        msg_id = self.send("comm_msg", {"comm_id": comm_id, "data": data},
                           metadata={"version": WIDGET_PROTOCOL})
        return self.wait_idle(msg_id, timeout)

    def update(self, comm_id: str, state, timeout: float = 60.0) -> list[dict]:
        """Set widget state from the 'browser' (a comm ``update``), as a slider move does.

        Like the page, the client takes its own change at once (the kernel does not echo it);
        whatever the kernel sends back then overrides it.
        """
        if isinstance(state, dict) and comm_id in self.states:
            self.states[comm_id].update(state)
        return self.comm_msg(comm_id, {"method": "update", "state": state, "buffer_paths": []},
                             timeout)

    def state(self, dom_class: str) -> dict:
        return self.states[self.find(dom_class)]
