"""Forked kernels against the usual launcher: start-up time and memory, without a server.

For each way (``python -m ipykernel_launcher`` spawned, and forked from the warm parent by
forkkernel's provisioner) it starts ``--kernels`` kernels one after another through
jupyter_client's AsyncKernelManager, as a server does, and reports for each:

- the time from ``start_kernel`` to the first ``kernel_info`` reply;
- the time until the LSTM explorer is built in it (the dashboard's own import and constructor);
- its PSS and USS once every kernel of that way is built (PSS shares each page among the
  processes mapping it, so the parent's pages count in part toward each kernel); the warm
  parent's own PSS is given apart.

The figures are rough (a shared 2-core machine); docs/fork-kernels.md has a run's. Alone:
``python -m bench.fork_kernels [--kernels 6]``. Every process it starts is ended at exit.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import psutil
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from forkkernel import DEFAULT_PRELOAD  # noqa: E402
from forkkernel.client import ONE_THREAD, _stop_all, warm_parent  # noqa: E402
from forkkernel.kernelspec import kernel_json, write_kernelspec  # noqa: E402

BUILD = "from widgets import LSTMExplorer\ndashboard = LSTMExplorer()"


def memory(pid: int) -> tuple[float, float]:
    """(PSS, USS) of ``pid`` in MB."""
    info = psutil.Process(pid).memory_full_info()
    return info.pss / 2**20, info.uss / 2**20


async def one_way(name: str, specs: KernelSpecManager, n: int,
                  parent_pid: int | None) -> dict:
    started: list[tuple[AsyncKernelManager, object]] = []
    ready, built = [], []
    try:
        for _ in range(n):
            km = AsyncKernelManager(kernel_name=name, kernel_spec_manager=specs)
            began = time.perf_counter()
            await km.start_kernel()
            kc = km.client()
            kc.start_channels()
            started.append((km, kc))
            await kc.wait_for_ready(timeout=180)
            ready.append(time.perf_counter() - began)
            reply = await kc.execute_interactive(BUILD, timeout=180)
            assert reply["content"]["status"] == "ok", reply["content"]
            built.append(time.perf_counter() - began)
        figures = [memory(km.provisioner.pid) for km, _ in started]
        parent = memory(parent_pid) if parent_pid else None  # while its kernels share it
    finally:
        for km, kc in started:
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
    return {"ready": ready, "built": built, "pss": [p for p, _ in figures],
            "uss": [u for _, u in figures], "parent": parent}


def line(label: str, values: list[float], unit: str) -> str:
    return (f"  {label:<28} median {statistics.median(values):7.2f} {unit}"
            f"  (min {min(values):.2f}, max {max(values):.2f})")


async def main(n: int) -> None:
    os.environ.update(ONE_THREAD)  # one torch thread a kernel, either way, as make classroom
    with tempfile.TemporaryDirectory() as folder:
        usual = Path(folder) / "usual"
        usual.mkdir()
        spec = kernel_json(display_name="Python 3 (usual)")
        del spec["metadata"]["kernel_provisioner"]
        (usual / "kernel.json").write_text(json.dumps(spec))
        write_kernelspec(Path(folder), "forked")
        specs = KernelSpecManager(kernel_dirs=[folder])

        parent = warm_parent(sys.executable, DEFAULT_PRELOAD)
        began = time.perf_counter()
        parent.ping()  # started apart, so the first forked kernel is timed like the rest
        parent_start = time.perf_counter() - began
        results = {}
        for name in ("usual", "forked"):
            results[name] = await one_way(name, specs, n,
                                          parent.pid if name == "forked" else None)
    print(f"{n} kernels each way, one after another; the warm parent started in "
          f"{parent_start:.1f} s")
    for name, r in results.items():
        print(f"{name}:")
        print(line("start -> kernel_info", r["ready"], "s"))
        print(line("start -> explorer built", r["built"], "s"))
        print(line("PSS a kernel, all built", r["pss"], "MB"))
        print(line("USS a kernel, all built", r["uss"], "MB"))
        if r["parent"]:
            pss, uss = r["parent"]
            print(f"  the warm parent, its kernels alive: PSS {pss:.0f} MB, USS {uss:.0f} MB "
                  f"(a class's total is the parent's PSS + n x a kernel's)")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(prog="python -m bench.fork_kernels")
    parser.add_argument("--kernels", type=int, default=6)
    try:
        asyncio.run(main(parser.parse_args().kernels))
    finally:
        _stop_all()
