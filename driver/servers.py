"""The servers the tests and the benchmark start, each stopped with everything it started.

Each starts on a free port in a session of its own, with ``LSTM_SERVER_ID`` set in its
environment (driver/processes.py): ``stop()`` asks it to shut down, waits, then ends every
process still carrying its mark (kernels, the hub's proxy, culler and students' servers), so
nothing outlives it even when it hangs or the machine is too slow for a clean shutdown.
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import psutil

from driver.processes import (
    SERVER_MARK,
    cpu_seconds,
    end,
    family,
    kernel_with,
    kernels_and_parents,
    marked,
    warm_parents_of,
)
from driver.wait import answers, wait_until

__all__ = ["HUB_PASSWORD", "ROOT", "HubServer", "JupyterServer", "Server", "VoilaServer",
           "free_port"]

ROOT = Path(__file__).resolve().parents[1]
HUB_PASSWORD = "lesson-4b-hub"
HUB_TEACHER = "the-hub-teacher's-token"  # the token of its teacher's page
CHP = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"
# one torch thread a kernel: a test machine runs many at once
ONE_THREAD = {"OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1", "TORCH_NUM_THREADS": "1",
              "PYTHONUNBUFFERED": "1"}


def _processes(pids: list[int]) -> list[psutil.Process]:
    found = []
    for pid in pids:
        try:
            found.append(psutil.Process(pid))
        except psutil.Error:
            continue
    return found


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """``command`` serving on ``port``, its output in ``log_path``, stopped as one family.

    Parameters
    ----------
    command : list of str
        What to run; it must listen on ``port`` on 127.0.0.1.
    cwd, log_path : Path
        Where it runs, and the file its output goes to.
    port : int
    ready_path : str
        Answers 2xx once the server is up, e.g. ``/voila/tree``.
    what : str
        Its name in messages ("Voila", "the hub").
    env : dict, optional
        Added to this process's environment.
    stop_signal : int
        Asks it to shut down; to its whole process group if ``signal_group``.
    grace : float
        Seconds it gets to shut down before every process with its mark is ended.
    token : str, optional
        Its token, if it wants one: ``query`` carries it on a first URL.
    """

    def __init__(self, command: list[str], *, cwd: Path, log_path: Path, port: int,
                 ready_path: str = "/", what: str = "the server", env: dict | None = None,
                 stop_signal: int = signal.SIGTERM, signal_group: bool = True,
                 grace: float = 20.0, token: str | None = None):
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.token = token
        self.query = f"?token={token}" if token else ""
        self.log_path = log_path
        self.what = what
        self.mark = uuid.uuid4().hex
        self._ready_path = ready_path
        self._stop = (stop_signal, signal_group, grace)
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            command, cwd=cwd, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True, env={**os.environ, **(env or {}), SERVER_MARK: self.mark})

    def log(self, chars: int = 5000) -> str:
        """The end of its output."""
        self._log.flush()
        return self.log_path.read_text()[-chars:]

    def wait_ready(self, timeout: float = 90.0) -> None:
        """Wait until it answers; RuntimeError if it exits first, TimeoutError (with its log)
        if it does not answer in time."""
        url = self.url + self._ready_path

        def up() -> bool:
            if answers(url):
                return True
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.what} exited with {self.proc.returncode}:\n"
                                   f"{self.log()}")
            return False

        wait_until(up, timeout, every=0.3, what=f"{self.what} answering at {url}",
                   details=self.log)

    def processes(self) -> list[psutil.Process]:
        """Every live process it started, itself included, wherever they are in the tree."""
        return marked(SERVER_MARK, self.mark)

    def kernel_pids(self) -> list[int]:
        """The processes under it (its kernels), launched or forked; not forkkernel's warm
        parents (``warm_parent_pids``)."""
        return kernels_and_parents(self.proc.pid)[0]

    def warm_parent_pids(self) -> list[int]:
        """forkkernel's warm parents under it, which its forked kernels are children of."""
        return kernels_and_parents(self.proc.pid)[1]

    def kernel_alive(self, kernel_id: str) -> bool:
        """Whether it still has the kernel ``kernel_id`` (GET /api/kernels/<id>)."""
        request = urllib.request.Request(
            f"{self.url}/api/kernels/{kernel_id}",
            headers={"Authorization": f"token {self.token}"} if self.token else {})
        try:
            with urllib.request.urlopen(request, timeout=30):
                return True
        except urllib.error.HTTPError as err:
            if err.code == 404:
                return False
            raise

    def stop(self) -> None:
        """Ask it to shut down; after ``grace`` seconds end whatever carries its mark."""
        sig, group, grace = self._stop
        started = _processes(family(self.proc.pid))
        if self.proc.poll() is None:
            try:
                (os.killpg if group else os.kill)(self.proc.pid, sig)
                self.proc.wait(timeout=grace)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                pass
        # its mark finds what left the tree; its children as they were, where no mark is read
        end(list({*self.processes(), *(p for p in started if p.is_running())}))
        self.proc.wait()
        # a warm parent started as it shut down, missed above: it would exit by itself once
        # it sees its server gone, but only after the module it is importing
        end(warm_parents_of({self.proc.pid, *(p.pid for p in started)}))
        self._log.close()


class VoilaServer(Server):
    """``python -m voila`` (or ``module``, e.g. ``classroom``) serving ``serve`` on a free port.

    With ``token`` the server requires it; ``query`` is what a first URL must carry. ``env``
    is added to its environment and its kernels' (e.g. ``LSTM_ANSWERS_DB``).
    """

    def __init__(self, root: Path, log_path: Path, extra_args: list[str] | None = None,
                 serve: str = "dashboards/", port: int | None = None, module: str = "voila",
                 token: str | None = None, env: dict | None = None):
        port = port or free_port()
        super().__init__(
            [sys.executable, "-m", module, serve, "--no-browser", f"--port={port}",
             "--Voila.ip=127.0.0.1", *([f"--token={token}"] if token else []),
             *(extra_args or [])],
            cwd=root, log_path=log_path, port=port, what="Voila",
            env={**ONE_THREAD, **(env or {})},
            ready_path="/voila/tree" + (f"?token={token}" if token else ""),
            stop_signal=signal.SIGINT, signal_group=False, token=token)

    def wait_settled(self, kernels: int, timeout: float,
                     refill_after: set[int] | None = None) -> None:
        """Wait until ``kernels`` kernels run and the server and its kernels have gone quiet
        (under 5% of a core over a second), as a preheated pool is once it has run the
        notebook. ``refill_after``: the kernels before a page took one; wait for a new one.

        A pool refills after every page load, and a refill runs the whole notebook (the
        explorer's imports torch): a page loaded meanwhile would be timed against it.
        """
        deadline = time.monotonic() + timeout

        def started() -> bool:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.what} exited:\n{self.log()}")
            pids = set(self.kernel_pids())
            return len(pids) >= kernels and (refill_after is None or bool(pids - refill_after))

        wait_until(started, timeout, every=0.5, what=f"{kernels} kernel(s) started")
        last: list[dict | None] = [None]

        def quiet() -> bool:
            now = cpu_seconds(family(self.proc.pid))  # its warm parent too, if any
            before, last[0] = last[0], now
            # per process: a kernel shut down meanwhile takes its CPU time out of any total
            return before is not None and sum(t - before.get(pid, 0.0)
                                              for pid, t in now.items()) < 0.05
        wait_until(quiet, max(deadline - time.monotonic(), 0), every=1.0,
                   what="the kernels going quiet")

    def kernel_pid(self, kernel_id: str) -> int:
        """The process of one kernel, found by its connection file's name."""
        return kernel_with(self.kernel_pids(), kernel_id)


class JupyterServer(Server):
    """``python -m jupyter_server`` (``app``; ``("jupyter", "lab")`` for JupyterLab) from
    ``cwd`` on a free port; ``args`` are added to its command line. It makes up a token of
    its own unless given one (``""``: none, anyone may connect)."""

    def __init__(self, log_path: Path, *, app: tuple[str, ...] = ("jupyter_server",),
                 args: list[str] | None = None, cwd: Path = ROOT, env: dict | None = None,
                 token: str | None = None):
        port = free_port()
        token = secrets.token_hex(12) if token is None else token
        super().__init__(
            [sys.executable, "-m", *app, "--no-browser", "--allow-root", f"--port={port}",
             "--ServerApp.ip=127.0.0.1", f"--IdentityProvider.token={token}", *(args or [])],
            cwd=cwd, log_path=log_path, port=port, ready_path=f"/api/status?token={token}",
            what=" ".join(app), env=env, token=token)


class HubServer(Server):
    """``jupyterhub --config docs/jupyterhub_config.py`` on free ports, state in ``folder``,
    up when made.

    ``env`` adds settings of the config (``LSTM_HUB_CULL_TIMEOUT="45"``); students log in
    with ``HUB_PASSWORD``. The proxy is ``$LSTM_HUB_PROXY`` or the one ``make hub`` installs.
    The config passes this server's mark on to the proxy, the culler and every student's
    server, so ``stop()`` ends them all and ``servers()`` finds the students' by it.
    """

    def __init__(self, folder: Path, **env: str):
        proxy = os.environ.get("LSTM_HUB_PROXY") or str(CHP)
        if not Path(proxy).exists():
            raise FileNotFoundError(
                f"configurable-http-proxy not found at {proxy}: run `make test` or `make hub`, "
                "which install it from npm, or set LSTM_HUB_PROXY")
        port = free_port()
        super().__init__(
            [sys.executable, "-m", "jupyterhub", "--config",
             str(ROOT / "docs" / "jupyterhub_config.py")],
            cwd=folder, log_path=folder / "hub.log", port=port, ready_path="/hub/health",
            what="the hub", grace=30,
            env={"LSTM_HUB_DIR": str(folder / "state"), "LSTM_HUB_PORT": str(port),
                 "LSTM_HUB_API_PORT": str(free_port()),
                 "LSTM_HUB_PROXY_API_PORT": str(free_port()), "LSTM_HUB_PROXY": proxy,
                 "LSTM_HUB_TEACHER_PORT": str(free_port()), "LSTM_TEACHER_TOKEN": HUB_TEACHER,
                 "LSTM_HUB_PASSWORD": HUB_PASSWORD, **env})
        try:
            self.wait_ready()
        except BaseException:
            self.stop()
            raise

    def servers(self) -> dict[str, int]:
        """The students' running single-user servers: name -> pid (from their environment)."""
        found = {}
        for proc in self.processes():
            try:
                if "jupyterhub.singleuser" in " ".join(proc.cmdline()):
                    found[proc.environ().get("JUPYTERHUB_USER", "?")] = proc.pid
            except psutil.Error:
                continue
        return found
