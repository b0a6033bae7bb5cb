"""``make loadtest-hub N=10``: a class of N students behind a real JupyterHub, measured.

Starts the hub of ``make hub`` (docs/jupyterhub_config.py) on free ports. Students arrive over
``--ramp`` seconds; each logs in through the hub's form (its own name, the class's password),
waits for the server the hub spawns for them, opens the explorer there as a browser does
(driver/kernel_session.py, with the cookies the hub's OAuth gave) and moves H, n_E and the step
with think time until ``--duration`` seconds after the last one is in, then logs out.

Reported, next to ``make loadtest``'s figures for one Voila server: time from pressing Sign in
to the explorer's page, move latency p50/p95 (kernel-side, as ``make loadtest``), errors, and
memory: what a student costs (PSS of their server and its kernel) and what the hub and its
proxy cost once. Students per machine: what is left of the machine's memory after the hub,
divided by a student's cost.

    python -m bench.hub_loadtest --students 10 [--ramp 20] [--duration 60]
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import random
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench.loadtest import _choose  # noqa: E402
from bench.measures import Series  # noqa: E402
from driver.kernel_session import KernelSession  # noqa: E402
from driver.kernel_session import run as run_async  # noqa: E402
from driver.processes import family, kernel_memory  # noqa: E402
from driver.servers import HUB_PASSWORD, HubServer  # noqa: E402
from driver.wait import wait_until  # noqa: E402

NOTEBOOK = "dashboards/3_lstm_explorer.ipynb"
LOGINS = ThreadPoolExecutor(64, thread_name_prefix="login")  # urllib blocks: a thread each


@dataclass
class HubRun:
    students: int
    pages_s: list[float] = field(default_factory=list)  # Sign in -> the explorer's page
    moves: Series = field(default_factory=lambda: Series("move", unit="ms"))
    errors: list[str] = field(default_factory=list)
    student_pss_mb: list[float] = field(default_factory=list)  # server + kernels, each
    hub_pss_mb: float = 0.0  # the hub, its proxy and its culler, once
    available_mb_min: float = float("inf")


def log_in(hub_url: str, name: str, timeout: float = 300.0) -> dict[str, str]:
    """The hub's login form, then the student's server until it answers them: its cookies.

    Blocking (urllib): run it in a thread. The server's own cookie comes from the hub's OAuth
    redirects, which the cookie jar follows as a browser does.
    """
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    opener.open(f"{hub_url}/hub/login", timeout=30).read()
    xsrf = next(c.value for c in jar if c.name == "_xsrf")
    form = urlencode({"username": name, "password": HUB_PASSWORD, "_xsrf": xsrf}).encode()
    opener.open(f"{hub_url}/hub/login", form, timeout=60).read()  # starts the spawn

    def answers() -> bool:
        try:  # Voila's file list: cheap, and it needs the server's login as the page does
            with opener.open(f"{hub_url}/user/{name}/voila/tree", timeout=30) as answer:
                return answer.status == 200 and f"/user/{name}/voila/tree" in answer.geturl()
        except OSError:
            return False

    wait_until(answers, timeout, every=0.5, what=f"{name}'s server answering")
    return {c.name: c.value for c in jar}


def log_out(hub_url: str, cookies: dict[str, str]) -> None:
    """The hub's logout, which stops the student's server (``shutdown_on_logout``)."""
    request = urllib.request.Request(f"{hub_url}/hub/logout", headers={
        "Cookie": "; ".join(f"{k}={v}" for k, v in cookies.items())})
    try:
        urllib.request.urlopen(request, timeout=60).read()
    except urllib.error.HTTPError:
        pass  # where the logout's redirects lead without a login (424 while stopping)


async def _student(i: int, run: HubRun, hub: HubServer, ramp: float, duration_end: list,
                   everyone_in: asyncio.Event) -> None:
    name = f"student{i:02d}"
    rng = random.Random(i)
    await asyncio.sleep(i * ramp / max(run.students - 1, 1))
    t0 = time.perf_counter()
    cookies: dict[str, str] = {}
    try:
        # a pool of its own: tornado resolves host names on the loop's default executor, which
        # thirty blocked logins would starve ("Timeout while resolving 127.0.0.1")
        cookies = await asyncio.get_running_loop().run_in_executor(LOGINS, log_in, hub.url,
                                                                   name)
        session = KernelSession(f"{hub.url}/user/{name}/", timeout=300)
        session.cookies = dict(cookies)
        await session.open(NOTEBOOK)
        run.pages_s.append(time.perf_counter() - t0)
        await session.connect()
        await session.discover_widgets()
        controls = {n: session.find(f"ctl-{n}") for n in ("hidden_size", "seq_len", "step")}
    except Exception as error:  # a student who never got in: counted, the class goes on
        run.errors.append(f"{name}: {type(error).__name__}: {error}")
        return
    try:
        while not everyone_in.is_set() or time.perf_counter() < duration_end[0]:
            _kind, control, value = _choose(rng, session, controls)
            t = time.perf_counter()
            answer = await session.set_value(controls[control], value)
            run.moves.values.append((time.perf_counter() - t) * 1000)
            if answer.errors:
                run.errors.append(f"{name}: {'; '.join(answer.errors)}")
            await asyncio.sleep(rng.uniform(1.0, 3.0))
        await session.leave()
    finally:
        await asyncio.get_running_loop().run_in_executor(LOGINS, log_out, hub.url, cookies)


def _sample(run: HubRun, hub: HubServer) -> None:
    """Memory now: each student's server with its kernels, and the hub's own processes."""
    families = [family(pid) for pid in hub.servers().values()]
    each = [kernel_memory(family)[1] for family in families if family]
    if sum(each) > sum(run.student_pss_mb):  # the peak: every server with its kernel
        run.student_pss_mb = each
        student_pids = {p for family in families for p in family}
        hub_pids = [p.pid for p in hub.processes() if p.pid not in student_pids]
        run.hub_pss_mb = kernel_memory(hub_pids)[1]
    run.available_mb_min = min(run.available_mb_min, psutil.virtual_memory().available / 2**20)


async def _lesson(run: HubRun, hub: HubServer, ramp: float, duration: float) -> None:
    everyone_in = asyncio.Event()
    end = [float("inf")]
    tasks = [asyncio.create_task(_student(i, run, hub, ramp, end, everyone_in))
             for i in range(run.students)]
    while not all(t.done() for t in tasks):
        _sample(run, hub)
        arrived = len(run.pages_s) + len(run.errors)
        if not everyone_in.is_set() and arrived >= run.students:
            everyone_in.set()
            end[0] = time.perf_counter() + duration
        print(f"  {len(run.pages_s)} in, {len(run.errors)} errors, {len(run.moves.values)} "
              f"moves, {len(hub.servers())} servers", flush=True)
        await asyncio.wait(tasks, timeout=5)
    await asyncio.gather(*tasks)


def report(run: HubRun) -> str:
    pages = Series("page", unit="s", values=run.pages_s)
    each = sorted(run.student_pss_mb)
    per = each[len(each) // 2] if each else float("nan")
    total = psutil.virtual_memory().total / 2**20
    fit = int((0.9 * total - run.hub_pss_mb) // per) if each else 0
    return "\n".join([
        f"students: {run.students}, in: {len(run.pages_s)}, errors: {len(run.errors)}",
        f"Sign in -> explorer page: p50 {pages.median() or 0:.1f} s, p95 {pages.p95() or 0:.1f} s",
        f"moves: {len(run.moves.values)}, p50 {run.moves.median() or 0:.0f} ms, "
        f"p95 {run.moves.p95() or 0:.0f} ms",
        f"a student (server + kernel), PSS: median {per:.0f} MB "
        f"(from {each[0] if each else 0:.0f} to {each[-1] if each else 0:.0f})",
        f"the hub, its proxy and culler, PSS: {run.hub_pss_mb:.0f} MB",
        f"least memory available: {run.available_mb_min:.0f} MB of {total:.0f} MB",
        f"students per machine by memory (90% of it): {fit}",
        *(f"error: {e}" for e in run.errors[:10]),
    ])


def main() -> None:
    parser = argparse.ArgumentParser(description="N students behind a real JupyterHub.")
    parser.add_argument("--students", "-n", type=int, default=10)
    parser.add_argument("--ramp", type=float, default=20.0, help="arrivals spread over (s)")
    parser.add_argument("--duration", type=float, default=60.0,
                        help="seconds everyone stays once all are in")
    parser.add_argument("--json", default=None, help="write the figures here too")
    args = parser.parse_args()
    run = HubRun(args.students)
    with tempfile.TemporaryDirectory(prefix="hub-loadtest-") as folder:
        hub = HubServer(Path(folder), LSTM_HUB_MAX_SERVERS=str(args.students + 5))
        print(f"hub at {hub.url}; {args.students} students over {args.ramp:.0f} s", flush=True)
        try:
            run_async(_lesson(run, hub, args.ramp, args.duration))
        finally:
            hub.stop()
    text = report(run)
    print(text)
    if args.json:
        Path(args.json).write_text(json.dumps({"report": text, "pages_s": run.pages_s,
                                               "moves_ms": run.moves.values,
                                               "student_pss_mb": run.student_pss_mb,
                                               "hub_pss_mb": run.hub_pss_mb}, indent=1))


if __name__ == "__main__":
    main()
