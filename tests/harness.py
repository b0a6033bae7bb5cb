"""A real Voila server on a free port, started and stopped with all its kernels.

Shared by the end-to-end tests, the benchmark and the screenshot script.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import psutil

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM_FLAGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-dev-shm-usage",
]
# kernels start, import torch and build the first model: generous on a loaded 2-core machine
RENDER_TIMEOUT_MS = 120_000
HUB_PASSWORD = "lesson-4b-hub"
CHP = ROOT / ".venv" / "node" / "node_modules" / ".bin" / "configurable-http-proxy"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _children(pid: int) -> list[int]:
    """Every descendant of ``pid`` (kernels included); none if it is gone."""
    try:
        return [child.pid for child in psutil.Process(pid).children(recursive=True)]
    except psutil.Error:
        return []


def stop_process_group(proc: subprocess.Popen, sig: int = signal.SIGTERM,
                       timeout: float = 20) -> None:
    """Signal the group ``proc`` leads (started with ``start_new_session``); kill it if it has
    not ended within ``timeout`` seconds."""
    os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def wait_until_answers(url: str, proc: subprocess.Popen, timeout: float, what: str,
                       log) -> None:
    """Poll ``url`` until it answers 2xx; raise with ``log()`` if ``proc`` ends or time runs out.

    ``what`` names the server in the message ("Voila", "the hub").
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # not listening yet, or an error status (HTTPError is an OSError)
            if proc.poll() is not None:
                raise RuntimeError(f"{what} exited with {proc.returncode}:\n{log()}") from None
            if time.monotonic() > deadline:
                raise RuntimeError(f"{what} did not answer within {timeout:.0f}s:\n{log()}"
                                   ) from None
            time.sleep(0.3)


class VoilaServer:
    """``python -m voila`` (or ``module``, e.g. ``classroom``) serving ``serve`` on a free port.

    With ``token`` the server requires it; ``query`` is what a first URL must carry.
    """

    def __init__(self, root: Path, log_path: Path, extra_args: list[str] | None = None,
                 serve: str = "dashboards/", port: int | None = None, module: str = "voila",
                 token: str | None = None):
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.token = token
        self.query = f"?token={token}" if token else ""
        self.log_path = log_path
        env = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1",
               "TORCH_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
        self._log = open(log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", module, serve, "--no-browser",
             f"--port={self.port}", "--Voila.ip=127.0.0.1",
             *([f"--token={token}"] if token else []), *(extra_args or [])],
            cwd=root, env=env, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def wait_ready(self, timeout: float = 90.0) -> None:
        wait_until_answers(self.url + "/voila/tree" + self.query, self.proc, timeout, "Voila",
                           self.log)

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-5000:]

    def kernel_pids(self) -> list[int]:
        return _children(self.proc.pid)

    def kernel_pid(self, kernel_id: str) -> int:
        """The process of one kernel, found by its connection file's name."""
        for pid in self.kernel_pids():
            try:
                cmdline = psutil.Process(pid).cmdline()
            except psutil.Error:
                continue
            if any(f"kernel-{kernel_id}.json" in arg for arg in cmdline):
                return pid
        raise LookupError(f"no process for kernel {kernel_id}")

    def stop(self) -> None:
        pids = _children(self.proc.pid)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        for pid in pids:  # any kernel the server did not take down
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        self._log.close()


class HubServer:
    """``jupyterhub --config docs/jupyterhub_config.py`` on free ports, state in ``folder``.

    ``env`` adds settings of the config (``LSTM_HUB_CULL_TIMEOUT="45"``); students log in
    with ``HUB_PASSWORD``. The proxy is ``$LSTM_HUB_PROXY`` or the one ``make hub`` installs.
    """

    def __init__(self, folder: Path, **env: str):
        proxy = os.environ.get("LSTM_HUB_PROXY") or str(CHP)
        if not Path(proxy).exists():
            raise FileNotFoundError(
                f"configurable-http-proxy not found at {proxy}: run `make test` or `make hub`, "
                "which install it from npm, or set LSTM_HUB_PROXY")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = folder / "hub.log"
        self._log = open(self.log_path, "w")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "--config",
             str(ROOT / "docs" / "jupyterhub_config.py")],
            cwd=folder, stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
            env={**os.environ, "LSTM_HUB_DIR": str(folder / "state"),
                 "LSTM_HUB_PORT": str(self.port), "LSTM_HUB_API_PORT": str(free_port()),
                 "LSTM_HUB_PROXY_API_PORT": str(free_port()), "LSTM_HUB_PROXY": proxy,
                 "LSTM_HUB_PASSWORD": HUB_PASSWORD, **env})
        try:
            wait_until_answers(f"{self.url}/hub/health", self.proc, 90, "the hub", self.log)
        except RuntimeError:
            self.stop()
            raise

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text()[-4000:]

    def servers(self) -> dict[str, int]:
        """The students' running single-user servers: name -> pid (from their environment)."""
        found = {}
        for child in psutil.Process(self.proc.pid).children(recursive=True):
            try:
                if "jupyterhub.singleuser" in " ".join(child.cmdline()):
                    found[child.environ().get("JUPYTERHUB_USER", "?")] = child.pid
            except psutil.Error:
                continue
        return found

    def stop(self) -> None:
        if self.proc.poll() is None:
            stop_process_group(self.proc)  # the hub stops the proxy and the servers with it
        for child in psutil.process_iter(["environ"]):  # any server it left behind
            try:
                if (child.info["environ"] or {}).get("JUPYTERHUB_API_URL", "").endswith(
                        f":{self.port}/hub/api"):
                    child.kill()
            except psutil.Error:
                continue
        self._log.close()
