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
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"Voila exited with {self.proc.returncode}:\n{self.log()}")
            try:
                with urllib.request.urlopen(self.url + "/voila/tree" + self.query, timeout=2) as r:
                    if r.status == 200:
                        return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError(f"Voila did not answer within {timeout:.0f}s:\n{self.log()}")

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
