"""The warm parent: imports the heavy modules once, then forks one kernel per request.

Run by the server (``forkkernel.client``) with the kernel's own interpreter::

    python -m forkkernel.parent --socket PATH --server-pid PID --ready-fd FD \
        --preload numpy,torch,ipywidgets,bqplot,widgets,jsonschema,voila.utils

It imports the ``--preload`` modules (one that fails is logged and skipped) and ipykernel's
application, freezes the garbage collector's view of everything imported so far
(``gc.freeze()``: the children's collections never write to the shared pages), then listens on
``--socket`` and writes ``ready`` to ``--ready-fd``. It starts no thread: a fork copies only
the thread that calls it, so a lock another thread held would stay locked in every kernel.

It reaps its children (SIGCHLD), keeps their exit codes for the server to ask about, and exits
when the server does (a pidfd on ``--server-pid``). Its kernels do not depend on it: killing it
leaves them running, and the server starts another for the next request.
"""

from __future__ import annotations

import argparse
import gc
import importlib
import logging
import os
import selectors
import signal
import socket
import sys
import threading
import time
from collections import OrderedDict

from forkkernel import DEFAULT_PRELOAD, wire
from forkkernel.child import become_kernel

__all__ = ["WarmParentProcess", "main"]

log = logging.getLogger("forkkernel.parent")

KEPT_STATUSES = 4096  # exit codes remembered for the server's "status" question


def native_threads() -> int:
    """How many threads this process has, native ones included (Linux)."""
    return len(os.listdir("/proc/self/task"))


class WarmParentProcess:
    """The parent's state: its socket, the server it serves, its children's exit codes."""

    def __init__(self, socket_path: str, server_pid: int, preload: list[str]):
        self.socket_path = socket_path
        self.server_pid = server_pid
        self.preload = preload
        self.preloaded: list[str] = []
        self.failed: dict[str, str] = {}
        self.statuses: OrderedDict[int, int] = OrderedDict()
        self.children: set[int] = set()
        self.uid = os.getuid()
        self.server_pidfd: int | None = None  # watch_server()

    # -- start-up -----------------------------------------------------------------------------

    def server_gone(self) -> bool:
        return self.server_pidfd is not None and wire.readable(self.server_pidfd, 0)

    def import_modules(self) -> bool:
        """Import the preload list; False as soon as the server has exited (checked before
        each module: a server stopped while its parent imports, several seconds on a busy
        machine, must not leave the parent importing on after it)."""
        gc.disable()  # no collection while importing: fewer holes in the pages children share
        for name in [*self.preload, "ipykernel.kernelapp"]:
            if self.server_gone():
                log.info("the server %d exited while the parent imported; so does the parent",
                         self.server_pid)
                return False
            try:
                importlib.import_module(name)
                self.preloaded.append(name)
            except Exception as error:  # a missing extra must not stop the class
                self.failed[name] = f"{type(error).__name__}: {error}"
                log.warning("could not preload %s: %s", name, error)
        if "torch" in sys.modules:
            sys.modules["torch"].set_num_threads(1)
        gc.collect()
        gc.freeze()
        gc.enable()
        if threading.active_count() != 1 or native_threads() != 1:
            log.warning("%d threads after preloading: forking a threaded process is unsafe",
                        native_threads())
        return True

    def listen(self) -> socket.socket:
        listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        listener.bind(self.socket_path)
        os.chmod(self.socket_path, 0o600)
        listener.listen(64)
        return listener

    # -- children -----------------------------------------------------------------------------

    def reap(self, *_args) -> None:
        """Collect every child that has exited (the SIGCHLD handler)."""
        while self.children:
            try:
                pid, status = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if pid == 0:
                return
            self.children.discard(pid)
            self.statuses[pid] = os.waitstatus_to_exitcode(status)
            while len(self.statuses) > KEPT_STATUSES:
                self.statuses.popitem(last=False)

    def fork(self, request: dict, closing: list) -> tuple[int, int]:
        """Fork a kernel for ``request``; its pid and a pidfd on it. The child never returns."""
        # no reaping between fork and pidfd_open, so the pidfd is surely this child's
        signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGCHLD})
        try:
            pid = os.fork()
            if pid == 0:
                become_kernel(request, closing=closing, server_pidfd=self.server_pidfd)
            self.children.add(pid)
            pidfd = os.pidfd_open(pid)
        finally:
            signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGCHLD})
        return pid, pidfd

    # -- requests -----------------------------------------------------------------------------

    def answer(self, conn: socket.socket, closing: list) -> None:
        if wire.peer_uid(conn) != self.uid:
            wire.send_reply(conn, {"ok": False, "error": "not the parent's user"})
            return
        try:
            message, _ = wire.read_message(conn)
        except wire.WireError as error:
            wire.send_reply(conn, {"ok": False, "error": str(error)})
            return
        op = message.get("op")
        if op == "ping":
            wire.send_reply(conn, {"ok": True, "pid": os.getpid(), "threads": native_threads(),
                                   "preloaded": self.preloaded, "failed": self.failed,
                                   "children": sorted(self.children)})
        elif op == "fork":
            pid, pidfd = self.fork(message, closing=[*closing, conn])
            try:
                wire.send_reply(conn, {"ok": True, "pid": pid}, fds=(pidfd,))
            finally:
                os.close(pidfd)
            log.info("forked kernel %d", pid)
        elif op == "status":
            self.reap()
            wire.send_reply(conn, {"ok": True, "status": self.statuses.get(message.get("pid"))})
        else:
            wire.send_reply(conn, {"ok": False, "error": f"unknown op {op!r}"})

    def watch_server(self) -> bool:
        """Hold a pidfd on the server, first thing: whether it is still there.

        Before the imports, not after: a server that exits while they run (a few seconds) may
        have its pid given to another process by then (pids wrap at 32,768 on many machines),
        and a pidfd opened on the number would watch that process instead. The parent is the
        server's child, so while its parent is still the server the pid is surely the server's.
        """
        try:
            self.server_pidfd = os.pidfd_open(self.server_pid)
        except ProcessLookupError:
            self.server_pidfd = None
        else:
            os.set_inheritable(self.server_pidfd, False)
        if self.server_pidfd is None or os.getppid() != self.server_pid:
            log.warning("the server %d is gone before the parent started", self.server_pid)
            return False
        return True

    def serve(self, ready_fd: int | None) -> None:
        signal.signal(signal.SIGCHLD, self.reap)
        listener = self.listen()
        selector = selectors.DefaultSelector()
        selector.register(listener, selectors.EVENT_READ, "request")
        selector.register(self.server_pidfd, selectors.EVENT_READ, "server gone")
        if ready_fd is not None:
            os.write(ready_fd, b"ready\n")
            os.close(ready_fd)
        log.info("warm parent %d ready (%s)", os.getpid(), ", ".join(self.preloaded))
        while True:
            for key, _ in selector.select():
                if key.data == "server gone":
                    log.info("the server %d has exited; so does the parent", self.server_pid)
                    return
                conn, _ = listener.accept()
                with conn:
                    conn.settimeout(30)
                    try:
                        self.answer(conn, closing=[listener, selector])
                    except OSError as error:  # a caller that hung up; the next one is served
                        log.warning("a request failed: %s", error)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m forkkernel.parent")
    parser.add_argument("--socket", required=True)
    parser.add_argument("--server-pid", type=int, required=True)
    parser.add_argument("--ready-fd", type=int)
    parser.add_argument("--preload", default=",".join(DEFAULT_PRELOAD))
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO,
                        format="[forkkernel %(process)d %(asctime)s] %(message)s")
    # as ipykernel_launcher does: the server's folder is not an import path of the kernels
    if sys.path and sys.path[0] in ("", os.getcwd()):
        del sys.path[0]
    started = time.perf_counter()
    parent = WarmParentProcess(args.socket, args.server_pid,
                               [name for name in args.preload.split(",") if name])
    if not parent.watch_server():
        return
    if not parent.import_modules():
        return
    log.info("preloaded in %.1f s", time.perf_counter() - started)
    parent.serve(args.ready_fd)


if __name__ == "__main__":
    main()
