"""Processes: found by the mark they carry in their environment, stopped together, measured.

A server the driver starts gets ``LSTM_SERVER_ID=<uuid>`` in its environment, and everything
it starts inherits it: Voila's and JupyterLab's kernels, the hub's proxy and culler and the
students' servers with their kernels (docs/jupyterhub_config.py passes it on). So a server is
stopped with all of it, whoever their parent is by then, and nothing is guessed from a port.
The test suite marks its whole run the same way (``LSTM_TEST_RUN``, tests/conftest.py).

Linux reads another process's environment from /proc; where it cannot be read (another user's
process, a zombie) the process is not taken for marked. The CPU and memory figures are the
benchmarks' (psutil).
"""

from __future__ import annotations

import os

import psutil

__all__ = ["RUN_MARK", "SERVER_MARK", "WARM_PARENT", "cpu_seconds", "cpu_time", "describe", "end",
           "family", "kernel_memory", "kernel_with", "kernels_and_parents", "marked",
           "warm_parents_of"]

SERVER_MARK = "LSTM_SERVER_ID"
RUN_MARK = "LSTM_TEST_RUN"
WARM_PARENT = "forkkernel.parent"  # in the command line of forkkernel's warm parent


def marked(name: str, value: str) -> list[psutil.Process]:
    """Every live process but this one whose environment sets ``name`` to ``value``."""
    found = []
    for proc in psutil.process_iter():
        if proc.pid == os.getpid():
            continue
        try:
            if proc.environ().get(name) == value and proc.status() != psutil.STATUS_ZOMBIE:
                found.append(proc)
        except psutil.Error:  # gone meanwhile, a zombie, or not ours to read
            continue
    return found


def warm_parents_of(servers: set[int]) -> list[psutil.Process]:
    """forkkernel's warm parents started by any of the processes ``servers`` (by the
    ``--server-pid`` of their command line), wherever they are in the tree now."""
    found = []
    for proc in psutil.process_iter():
        cmdline = _cmdline(proc.pid) or []
        if WARM_PARENT in cmdline and "--server-pid" in cmdline[:-1]:
            try:
                if int(cmdline[cmdline.index("--server-pid") + 1]) in servers:
                    found.append(proc)
            except ValueError:
                continue
    return found


def family(pid: int) -> list[int]:
    """``pid`` and every process under it; none if it is gone."""
    try:
        return [pid, *(child.pid for child in psutil.Process(pid).children(recursive=True))]
    except psutil.Error:
        return []


def _cmdline(pid: int) -> list[str] | None:
    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return None


def kernels_and_parents(pid: int) -> tuple[list[int], list[int]]:
    """The processes under server ``pid``: (its kernels, forkkernel's warm parents).

    A forked kernel is a child of a warm parent, itself a child of the server; the kernel
    takes the usual launcher's command line (forkkernel/child.py), the parent keeps
    ``python -m forkkernel.parent``, which is how the two are told apart.
    """
    kernels, parents = [], []
    for child in family(pid)[1:]:
        cmdline = _cmdline(child)
        if cmdline is None:
            continue
        (parents if WARM_PARENT in cmdline else kernels).append(child)
    return kernels, parents


def kernel_with(pids: list[int], kernel_id: str) -> int:
    """Which of ``pids`` runs the kernel ``kernel_id``: its connection file's name is in its
    command line, launched or forked. LookupError if none."""
    for pid in pids:
        if any(f"kernel-{kernel_id}.json" in arg for arg in _cmdline(pid) or []):
            return pid
    raise LookupError(f"no process for kernel {kernel_id}")


def describe(proc: psutil.Process) -> str:
    """``pid: command line``, for a report."""
    try:
        return f"{proc.pid}: {' '.join(proc.cmdline()) or proc.name()}"
    except psutil.Error:
        return f"{proc.pid}: (gone)"


def end(procs: list[psutil.Process], grace: float = 5.0) -> None:
    """SIGTERM each of ``procs``, then SIGKILL those still alive after ``grace`` seconds."""
    for proc in procs:
        try:
            proc.terminate()
        except psutil.Error:
            pass
    _, alive = psutil.wait_procs(procs, timeout=grace)
    for proc in alive:
        try:
            proc.kill()
        except psutil.Error:
            pass
    psutil.wait_procs(alive, timeout=grace)


def kernel_memory(pids: list[int]) -> tuple[float, float]:
    """(RSS, PSS) in MB of the processes ``pids`` together; those gone are left out."""
    rss = pss = 0.0
    for pid in pids:
        try:
            memory = psutil.Process(pid).memory_full_info()
        except psutil.Error:
            continue
        rss += memory.rss / 2**20
        pss += memory.pss / 2**20
    return rss, pss


def cpu_time(pid: int) -> float | None:
    """User + system CPU seconds ``pid`` has used so far; None if it is gone."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return None
    return times.user + times.system


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU seconds each of the processes ``pids`` has used so far; those gone are left out."""
    used = {pid: cpu_time(pid) for pid in pids}
    return {pid: t for pid, t in used.items() if t is not None}
