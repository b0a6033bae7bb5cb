"""One learner's tab driven one call at a time: a KernelSession on an event loop of its own.

The loop runs only while a call runs, in a thread of its own (Playwright's sync API keeps a
loop of its own in the test's thread): between calls nothing changes under the caller, as with
a blocking socket, so a test can read ``states`` and ``received`` without a race.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from driver.kernel_session import PROTOCOL_V1, Answer, KernelSession

__all__ = ["KernelClient"]


async def _now(call: Callable):
    return call()


class KernelClient:
    """One simulated learner on one dashboard, with blocking calls.

    Parameters
    ----------
    base_url : str
        The server, e.g. ``http://127.0.0.1:8866``.
    notebook : str, optional
        The notebook under ``/voila/render/`` to open, e.g. ``"3_lstm_explorer.ipynb"``: its page
        load starts the kernel. Without it, ``kernel_id`` names a kernel already running.
    kernel_id : str, optional
        Connect to this kernel instead of opening a page (a second socket to a tab's kernel).
    query : str
        Appended to the page address, e.g. ``"?hidden_size=4"``.
    timeout : float
        Seconds for the page to render (the notebook runs during the GET).
    subprotocol : str or None
        What the websocket asks for: the page's v1 protocol, or None for nothing (a legacy
        client, which the dashboards' servers refuse with HTTP 400: an HTTPClientError).
    token : str, optional
        The server's token (a classroom's), as the teacher's link carries it.

    Every message received is kept in ``received``; ``states`` maps each widget's comm id to
    its state as the kernel last described it (binary buffers left out).
    """

    def __init__(self, base_url: str, notebook: str | None = None, *,
                 kernel_id: str | None = None, query: str = "", timeout: float = 180.0,
                 subprotocol: str | None = PROTOCOL_V1, token: str | None = None):
        self._thread = ThreadPoolExecutor(1, thread_name_prefix="kernel-client")
        self._loop = asyncio.new_event_loop()
        self._read = 0  # how many of ``received`` receive() has handed out
        self.page = ""
        try:
            self.session = self._call(self._start(base_url, notebook, kernel_id, query,
                                                  timeout, subprotocol, token))
        except BaseException:
            self._shut()
            raise

    async def _start(self, base_url, notebook, kernel_id, query, timeout, subprotocol, token):
        session = KernelSession(base_url, token=token, timeout=timeout, keep_messages=True)
        try:
            if notebook is not None:
                self.page = await session.open(notebook, query)
            else:
                session.kernel_id = kernel_id
            await session.connect(subprotocol)
        except BaseException:
            session.close()
            raise
        return session

    def _call(self, coroutine):
        return self._thread.submit(self._loop.run_until_complete, coroutine).result()

    def _shut(self) -> None:
        self._thread.submit(self._loop.close).result()
        self._thread.shutdown()

    def __enter__(self) -> KernelClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        """Close the socket, no beacon: the kernel stays until its server stops or culls it."""
        self._call(self.session.leave(beacon=False))
        self._shut()

    @property
    def kernel_id(self) -> str:
        return self.session.kernel_id

    @property
    def states(self) -> dict[str, dict]:
        return self.session.states

    @property
    def received(self) -> list[dict]:
        return self.session.received

    # --- the wire ---------------------------------------------------------------------------
    def send(self, msg_type: str, content: dict, channel: str = "shell",
             metadata: dict | None = None, header: dict | None = None) -> str:
        """Send one message, waiting for nothing; returns its msg_id. ``header`` overrides
        header fields."""
        return self._call(_now(lambda: self.session.send(msg_type, content, channel, metadata,
                                                         header)))

    def receive(self, timeout: float) -> dict | None:
        """The next message not yet handed out, or None if none came within ``timeout``."""
        msg = self._call(self.session.message_at(self._read, timeout))
        if msg is not None:
            self._read += 1
        return msg

    def wait_for(self, predicate: Callable[[dict], bool], timeout: float = 60.0) -> dict:
        """Read messages until one satisfies ``predicate``; TimeoutError if none does in time."""
        deadline = time.monotonic() + timeout
        while (left := deadline - time.monotonic()) > 0:
            msg = self.receive(left)
            if msg is not None and predicate(msg):
                return msg
        raise TimeoutError(f"no matching message from kernel {self.kernel_id} in {timeout}s")

    def wait_idle(self, msg_id: str, timeout: float = 60.0) -> list[dict]:
        """Wait until the kernel has handled ``msg_id`` (status idle), for a message sent with
        ``send``; every message that answers it, in order."""
        def idle(m: dict) -> bool:
            return (m["msg_type"] == "status" and m["parent_header"].get("msg_id") == msg_id
                    and m["content"]["execution_state"] == "idle")

        if not any(idle(m) for m in self.received):
            self.wait_for(idle, timeout)
        return self.replies_to(msg_id)

    def replies_to(self, msg_id: str) -> list[dict]:
        """Every message received so far that answers ``msg_id``."""
        return [m for m in self.received if m["parent_header"].get("msg_id") == msg_id]

    def _finished(self, answer: Answer, what: str) -> Answer:
        self._read = len(self.received)  # what the call waited through counts as read
        if not answer.done:
            raise TimeoutError(f"{what}: {'; '.join(answer.errors)}")
        return answer

    def request(self, msg_type: str, content: dict, timeout: float = 60.0,
                channel: str = "shell") -> dict:
        """Send a request and return its reply (``<kind>_reply``) once the kernel is idle."""
        answer = self._call(self.session.request(msg_type, content, channel=channel,
                                                 timeout=timeout))
        return self._finished(answer, msg_type).reply

    # --- widgets -----------------------------------------------------------------------------
    def load_widgets(self) -> dict[str, dict]:
        """Every widget's state, asked for the way ipywidgets 8's page does (control comm)."""
        self._call(self.session.discover_widgets())
        self._read = len(self.received)
        return self.states

    def find(self, dom_class: str) -> str:
        """The comm id of the one widget carrying CSS class ``dom_class``."""
        return self.session.find(dom_class)

    def controls(self) -> dict[str, str]:
        """Every control by its automation class (``ctl-<name>``) -> comm id."""
        return self.session.controls()

    def state(self, dom_class: str) -> dict:
        """The state of the one widget carrying CSS class ``dom_class``."""
        return self.session.state(dom_class)

    def comm_msg(self, comm_id: str, data, timeout: float = 60.0) -> list[dict]:
        """Send widget comm data as the page does; wait until handled, return the replies."""
        answer = self._call(self.session.comm_msg(comm_id, data, timeout))
        return self._finished(answer, f"comm_msg to {comm_id}").messages

    def update(self, comm_id: str, state, timeout: float = 60.0) -> list[dict]:
        """Set widget state as a slider move does (the page's own change taken at once);
        wait until handled, return the replies."""
        answer = self._call(self.session.update(comm_id, state, timeout))
        return self._finished(answer, f"update of {comm_id}").messages
