"""The server's side of the warm parent: start it on first use, ask it for kernels, restart it.

One ``WarmParent`` serves every kernel of a server that has the same interpreter and preload
list (``warm_parent``). The first request starts it and waits until it has imported everything
(a pipe it writes ``ready`` to); a parent found dead is started again before the request is
retried once, so a student never notices. A parent that could not *start* (a preload that
kills it, an import that hangs) is not tried again for ``retry_after`` seconds: meanwhile each
kernel is launched the usual way at once, rather than each waiting for a parent to fail. A
parent older than an edit of this project's preloaded code (a developer's ``widgets/`` under
``make serve``) is replaced before the next fork, so the edit shows on the next page as with
launched kernels. It stops with the server: at exit here, and the parent itself exits when it
sees the server gone.
"""

from __future__ import annotations

import atexit
import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time

from forkkernel import wire

__all__ = ["ONE_THREAD", "ForkUnavailableError", "WarmParent", "fork_supported", "warm_parent"]

# what a preloaded torch should see before it is imported: one thread a kernel
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TORCH_NUM_THREADS": "1"}


class ForkUnavailableError(RuntimeError):
    """No warm parent could give a kernel; the caller launches it the usual way."""


def fork_supported() -> str | None:
    """None where forking kernels works here, else the reason it does not."""
    if not sys.platform.startswith("linux"):
        return f"forked kernels need Linux, not {sys.platform}"
    for module, name in ((os, "fork"), (os, "pidfd_open"), (signal, "pidfd_send_signal")):
        if not hasattr(module, name):
            return f"this Python has no {module.__name__}.{name}"
    return None


def own_sources(preload: tuple[str, ...]) -> list[str]:
    """The files of the ``preload`` packages that live outside the interpreter's installation
    (this repository's ``widgets/``, not site-packages): the ones a developer edits."""
    installed = tuple(os.path.realpath(sysconfig.get_paths()[key]) + os.sep
                      for key in ("stdlib", "purelib", "platlib"))
    files: list[str] = []
    for name in dict.fromkeys(name.partition(".")[0] for name in preload):
        try:
            spec = importlib.util.find_spec(name)  # a top-level name: nothing is imported
        except (ImportError, ValueError):
            continue
        if spec is None:
            continue
        for root in spec.submodule_search_locations or [spec.origin or ""]:
            root = os.path.realpath(root)
            if not root or root.startswith(installed):
                continue
            if os.path.isfile(root):
                files.append(root)
            for folder, _, names in os.walk(root):
                files += [os.path.join(folder, n) for n in names if n.endswith(".py")]
    return files


def newest(files: list[str]) -> int:
    """The latest modification time among ``files`` (ns), 0 for none."""
    times = [0]
    for path in files:
        try:
            times.append(os.stat(path).st_mtime_ns)
        except OSError:  # deleted: an edit too, but its importer is edited as well
            continue
    return max(times)


class WarmParent:
    """A warm parent process for one interpreter and one preload list.

    Parameters
    ----------
    python : str
        The interpreter the kernels run (the kernelspec's ``argv[0]``).
    preload : tuple of str
        Modules it imports before forking.
    start_timeout : float
        Seconds to wait for it to be ready (it imports torch: a few seconds on a busy machine).
    retry_after : float
        Seconds after a failed start before another is tried.
    """

    def __init__(self, python: str, preload: tuple[str, ...], *, start_timeout: float = 120.0,
                 retry_after: float = 300.0):
        self.python = python
        self.preload = tuple(preload)
        self.start_timeout = start_timeout
        self.retry_after = retry_after
        self.failed: tuple[float, str] | None = None  # (when, why) the last start failed
        self.sources = own_sources(self.preload)  # this project's preloaded files
        self.imported = 0  # newest(sources) when the running parent started importing
        self.process: subprocess.Popen | None = None
        self.folder: str | None = None
        self.starts = 0
        self._lock = threading.Lock()

    @property
    def socket_path(self) -> str:
        assert self.folder is not None
        return os.path.join(self.folder, "parent.sock")

    @property
    def pid(self) -> int | None:
        return self.process.pid if self.process is not None else None

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def _start(self) -> None:
        if self.failed is not None:
            ago = time.monotonic() - self.failed[0]
            if ago < self.retry_after:
                raise ForkUnavailableError(
                    f"{self.failed[1]} when last started, {ago:.0f} s ago (the next try in "
                    f"{self.retry_after - ago:.0f} s)")
        try:
            self._start_now()
        except ForkUnavailableError as error:
            self.failed = (time.monotonic(), str(error))
            raise
        self.failed = None

    def _start_now(self) -> None:
        self._stop()
        self.imported = newest(self.sources)  # before it imports: an edit meanwhile is seen
        self.folder = tempfile.mkdtemp(prefix="forkkernel-")  # 0700: only this user connects
        read_end, write_end = os.pipe()
        # SPT_NOENV: a kernel's new title stays within the command line (child.py)
        env = {**os.environ, **ONE_THREAD, "PYTHONUNBUFFERED": "1", "SPT_NOENV": "1"}
        env.pop("JPY_PARENT_PID", None)
        command = [self.python, "-m", "forkkernel.parent", "--socket", self.socket_path,
                   "--server-pid", str(os.getpid()), "--ready-fd", str(write_end),
                   "--preload", ",".join(self.preload)]
        try:
            self.process = subprocess.Popen(command, stdin=subprocess.DEVNULL, env=env,
                                            pass_fds=(write_end,), start_new_session=True)
        except OSError as error:
            os.close(read_end)
            raise ForkUnavailableError(f"could not start the warm parent: {error}") from error
        finally:
            os.close(write_end)
        self.starts += 1
        try:
            ready = wire.readable(read_end, self.start_timeout)
            said = os.read(read_end, 64) if ready else b""
        finally:
            os.close(read_end)
        if said != b"ready\n":
            reason = ("did not get ready within " f"{self.start_timeout:.0f} s" if not ready
                      else f"exited with {self.process.wait()}")
            self._stop()
            raise ForkUnavailableError(f"the warm parent {reason}")

    def _stop(self) -> None:
        if self.process is not None:
            if self.process.poll() is None:
                self.process.terminate()
                try:
                    self.process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    self.process.kill()
                    self.process.wait()
            self.process = None
        if self.folder is not None:
            shutil.rmtree(self.folder, ignore_errors=True)
            self.folder = None

    def stop(self) -> None:
        """Stop the parent (its kernels keep running)."""
        with self._lock:
            self._stop()

    def _ask(self, message: dict) -> tuple[dict, list[int]]:
        """``message``'s reply, starting or restarting the parent if it is not there."""
        with self._lock:
            if not self.alive():
                self._start()
            path = self.socket_path
        try:
            return wire.request(path, message)
        except wire.WireError:
            with self._lock:
                if self.alive() and self.socket_path == path:
                    raise  # it is there and refused: starting another would not help
                if not self.alive():
                    self._start()
                path = self.socket_path
            return wire.request(path, message)

    def ping(self) -> dict:
        """The parent's pid, thread count, and what it preloaded (starting it if needed)."""
        return self._ask({"op": "ping"})[0]

    def fork(self, argv: list[str], env: dict[str, str], cwd: str | None) -> tuple[int, int]:
        """A new kernel run with ipykernel arguments ``argv``: its pid and a pidfd on it.

        Raises ForkUnavailableError when no parent can be started or reached.
        """
        with self._lock:
            if self.alive() and newest(self.sources) > self.imported:
                self._stop()  # edited since: the request below starts a parent that has it
        try:
            reply, fds = self._ask({"op": "fork", "argv": argv, "env": env, "cwd": cwd})
        except (wire.WireError, OSError) as error:
            raise ForkUnavailableError(str(error)) from error
        if len(fds) != 1:
            for fd in fds:
                os.close(fd)
            raise ForkUnavailableError("the warm parent sent no pidfd")
        return reply["pid"], fds[0]

    def exit_status(self, pid: int) -> int | None:
        """``pid``'s exit code if this parent reaped it; None if unknown or it is still alive."""
        with self._lock:
            if not self.alive():
                return None  # a new parent never knew it
            path = self.socket_path
        try:
            return wire.request(path, {"op": "status", "pid": pid}, timeout=5)[0]["status"]
        except wire.WireError:
            return None


_parents: dict[tuple[str, tuple[str, ...]], WarmParent] = {}
_parents_lock = threading.Lock()


def warm_parent(python: str, preload: tuple[str, ...]) -> WarmParent:
    """This server's parent for ``python`` and ``preload`` (made, not started, on first use)."""
    key = (python, tuple(preload))
    with _parents_lock:
        if key not in _parents:
            _parents[key] = WarmParent(python, key[1])
        return _parents[key]


@atexit.register
def _stop_all() -> None:
    for parent in list(_parents.values()):
        parent.stop()
