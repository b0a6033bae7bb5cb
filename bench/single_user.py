"""One student's server as JupyterHub spawns it, its kernels forked against launched.

Behind a hub every student has a Jupyter server of their own (``jupyterhub.singleuser``, voila
as its extension), and each page they open starts a kernel in it. A warm parent in that server
serves only that student, so forking can only share pages among one student's kernels. This
measures what that gives: a Jupyter server with voila's extension (what the hub spawns, without
the hub's login), the four pages opened one after another by a websocket client as a browser
would (``driver/kernel_session.py``), once with ``fork-provisioner`` as the server's default
(forkkernel/) and once the usual way. For each page: the time from its request until every
widget's state is held, and the core-seconds the server, parent and kernels used meanwhile;
then the PSS of the whole server (server, warm parent, kernels) with one to four pages open.

    python -m bench.single_user [--json bench/results/single-user.json]

The figures are one run on a shared machine; docs/fork-kernels.md has one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from driver.kernel_session import KernelSession  # noqa: E402
from driver.processes import cpu_seconds, family, kernel_memory  # noqa: E402
from driver.servers import ONE_THREAD, JupyterServer  # noqa: E402
from driver.wait import wait_until  # noqa: E402

PAGES = ("1_mlp.ipynb", "2_sequence_data.ipynb", "3_lstm_explorer.ipynb", "4_training.ipynb")
NUMBERS = {1: "one", 2: "two", 3: "three", 4: "four"}
WAYS = {"forked": ["--KernelProvisionerFactory.default_provisioner_name=fork-provisioner"],
        "launched": []}


def quiet(server: JupyterServer, timeout: float = 120.0) -> None:
    """Until the server and all under it use under 5% of a core over a second."""
    last: list[dict | None] = [None]

    def still() -> bool:
        now = cpu_seconds(family(server.proc.pid))
        before, last[0] = last[0], now
        return before is not None and sum(t - before.get(p, 0.0) for p, t in now.items()) < 0.05
    wait_until(still, timeout, every=1.0, what="the server going quiet")


async def open_pages(server: JupyterServer) -> list[dict]:
    """Each page opened in turn, the earlier ones kept open: its time, CPU and the PSS after."""
    sessions, pages = [], []
    try:
        for notebook in PAGES:
            quiet(server)
            before = cpu_seconds(family(server.proc.pid))
            session = KernelSession(server.url, token=server.token, timeout=300)
            sessions.append(session)
            began = time.perf_counter()
            await session.open(f"dashboards/{notebook}")
            await session.connect()
            await session.discover_widgets()
            ready = time.perf_counter() - began
            quiet(server)  # the question bank read in the background counts too
            after = cpu_seconds(family(server.proc.pid))
            _, pss = kernel_memory(family(server.proc.pid))
            pages.append({"page": notebook, "interactive_s": ready, "pss_mb": pss,
                          "core_s": sum(t - before.get(p, 0.0) for p, t in after.items())})
    finally:
        for session in sessions:
            await session.leave()
    return pages


def measure(way: str, folder: Path) -> dict:
    server = JupyterServer(folder / f"{way}.log", app=("jupyter_server",),
                           args=["--ServerApp.jpserver_extensions=voila=True", *WAYS[way]],
                           env=ONE_THREAD)
    try:
        server.wait_ready()
        quiet(server)
        _, alone = kernel_memory(family(server.proc.pid))
        pages = asyncio.run(open_pages(server))
        forked = bool(server.warm_parent_pids())
        return {"way": way, "server_alone_mb": alone, "pages": pages, "forked": forked}
    finally:
        server.stop()


def report(runs: list[dict]) -> str:
    lines = ["| kernels | " + " | ".join(p.split("_", 1)[1].removesuffix(".ipynb")
                                        for p in PAGES)
             + f" | the server with {NUMBERS.get(len(PAGES), len(PAGES))} page"
             + ("s |" if len(PAGES) > 1 else " |"),
             "| --- |" + " --- |" * (len(PAGES) + 1)]
    for run in runs:
        cells = [f"{p['interactive_s']:.1f} s, {p['core_s']:.1f} core-s" for p in run["pages"]]
        pss = [p["pss_mb"] for p in run["pages"]]
        lines.append(f"| {run['way']} | " + " | ".join(cells) + f" | {pss[-1]:.0f} MB PSS "
                     f"({run['server_alone_mb']:.0f} MB before; after each page: "
                     + ", ".join(f"{v:.0f}" for v in pss) + ") |")
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.single_user", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--json", default=str(ROOT / "bench" / "results" / "single-user.json"))
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="single-user-"))
    runs = [measure(way, folder) for way in WAYS]
    for run in runs:
        if run["way"] == "forked" and not run["forked"]:
            print("Note: the forked run found no warm parent; its kernels were launched.")
    print(report(runs))
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(runs, indent=1))
    print(f"Logs in {folder}; results in {args.json}.")


if __name__ == "__main__":
    main()
