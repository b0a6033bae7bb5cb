"""The warm parent's wire: one JSON request and one JSON reply per connection, on a Unix socket.

The client sends its request and shuts its side down; the parent answers and closes. A reply to
``fork`` carries the new kernel's pidfd beside the JSON (``SCM_RIGHTS``), so the server can
poll and signal a process that is not its child without ever confusing it with a reused pid.
Only the same user may talk to the parent: the socket lives in a 0700 folder, and the parent
checks each caller's uid (``SO_PEERCRED``).

Requests::

    {"op": "ping"}          -> {"ok": true, "pid": ..., "threads": ..., "preloaded": [...], ...}
    {"op": "fork", "argv": [...], "env": {...}, "cwd": "..."}
                            -> {"ok": true, "pid": ...} + the kernel's pidfd
    {"op": "status", "pid": ...}
                            -> {"ok": true, "status": its exit code, or null if unknown}

Any failure answers ``{"ok": false, "error": "..."}``.
"""

from __future__ import annotations

import json
import select
import socket
import struct

__all__ = ["MAX_MESSAGE", "WireError", "peer_uid", "read_message", "readable", "request",
           "send_reply"]

MAX_MESSAGE = 4 * 2**20  # an environment is a few KB; anything near this is a mistake


class WireError(OSError):
    """The parent could not be reached, or answered with an error."""


def read_message(sock: socket.socket, *, with_fds: int = 0) -> tuple[dict, list[int]]:
    """Read everything up to the peer's end of stream as one JSON object, and any fds it sent."""
    chunks: list[bytes] = []
    fds: list[int] = []
    size = 0
    while True:
        if with_fds and not fds:
            data, got, _flags, _addr = socket.recv_fds(sock, 65536, with_fds)
            fds.extend(got)
        else:
            data = sock.recv(65536)
        if not data:
            break
        chunks.append(data)
        size += len(data)
        if size > MAX_MESSAGE:
            raise WireError(f"message over {MAX_MESSAGE} bytes")
    try:
        return json.loads(b"".join(chunks)), fds
    except ValueError as error:
        for fd in fds:
            socket.close(fd)
        raise WireError(f"not a JSON message: {error}") from None


def send_reply(sock: socket.socket, reply: dict, fds: tuple[int, ...] = ()) -> None:
    """Send ``reply`` (and ``fds``, with its first bytes) and end the stream."""
    data = json.dumps(reply).encode()
    if fds:
        sent = socket.send_fds(sock, [data], list(fds))
        data = data[sent:]
    sock.sendall(data)
    sock.shutdown(socket.SHUT_WR)


def readable(fd: int, timeout: float | None) -> bool:
    """Whether ``fd`` is readable within ``timeout`` seconds (None: wait for it).

    ``poll``, not ``select``: a server with a hundred kernels holds more than 1,024 fds, and
    ``select`` refuses any fd numbered past that ("filedescriptor out of range in select()").
    """
    poller = select.poll()
    poller.register(fd, select.POLLIN)
    return bool(poller.poll(None if timeout is None else int(timeout * 1000)))


def peer_uid(sock: socket.socket) -> int:
    """The uid of the process at the other end of a connected Unix socket."""
    creds = sock.getsockopt(socket.SOL_SOCKET, socket.SO_PEERCRED, struct.calcsize("3i"))
    _pid, uid, _gid = struct.unpack("3i", creds)
    return uid


def request(path: str, message: dict, *, timeout: float = 30.0) -> tuple[dict, list[int]]:
    """Send ``message`` to the parent listening at ``path``; its reply and the fds it sent.

    Raises WireError when nobody listens there or the parent answers ``ok: false``.
    """
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sock:
        sock.settimeout(timeout)
        try:
            sock.connect(path)
            sock.sendall(json.dumps(message).encode())
            sock.shutdown(socket.SHUT_WR)
            reply, fds = read_message(sock, with_fds=1)
        except (OSError, ValueError) as error:
            raise WireError(f"the warm parent at {path} did not answer: {error}") from error
    if not reply.get("ok"):
        for fd in fds:
            socket.close(fd)
        raise WireError(f"the warm parent refused: {reply.get('error', reply)}")
    return reply, fds
