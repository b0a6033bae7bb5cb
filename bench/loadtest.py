"""``make loadtest N=30``: a class of N students on one classroom server, measured.

Starts ``python -m classroom`` (the settings of ``make classroom``, with short culling so the
run ends in minutes, and an answers database of the run's own) on a free port with a token,
then N simulated students, each a real websocket client of Voila (driver/kernel_session.py).
Students arrive over ``--ramp`` seconds; each opens the explorer, moves the size controls (H,
n_E) and the step with think time between moves until ``--duration`` seconds after the last
one arrived, and leaves: most close the tab (socket closed, unload beacon sent), ``--vanish``
of them just disappear (socket closed, no beacon), as a laptop lid shut mid-lesson does, and
are left to culling.

The students also answer the page's ten questions (bench/answering.py), unless
``--no-answers``. Once everyone is in (and ``SETTLE_S`` after), the lesson alternates blocks of
``--block`` seconds: moves only, with the questions closed, then the class answers (the panel
open, each student answering a question between moves), and so on. The moves of the two kinds
of block, in the same run and under the same machine's noise, are the comparison; how far the
moves-only blocks' p95 spread is the yardstick. After the lesson the answers the kernels
judged are counted against the records in the database: any lost fails the run.

A move's latency is kernel-side: from sending the widget update until the kernel reports idle
after its last message for it (the browser's drawing comes on top; ``make bench`` measures
that). Reported: latency p50/p95 while students arrive and once all are in, page load times,
errors, kernels alive, memory (RSS and PSS of the server and its kernels, by psutil), the CPU
the kernels used, and whether every student's kernel was gone within the culling window.

    python -m bench.loadtest --students 30 [--duration 300] [--ramp 30] [--vanish 0.2]
                             [--block 20] [--no-answers]

``--kernels usual`` starts the server with ``--fork_kernels=False``: its kernels launched the
usual way rather than forked from a warm parent (forkkernel/), to compare the two; the warm
parent's memory is counted with the kernels'.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import secrets
import sys
import tempfile
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import psutil  # noqa: E402

from bench.answering import Answerer, Oracle, Sent, Tally, tally  # noqa: E402
from bench.measures import Series  # noqa: E402
from driver.kernel_session import ClassFullError, KernelSession  # noqa: E402
from driver.kernel_session import run as run_async  # noqa: E402
from driver.processes import cpu_time, kernel_memory  # noqa: E402
from driver.servers import VoilaServer  # noqa: E402
from driver.wait import wait_until  # noqa: E402

NOTEBOOK = "3_lstm_explorer.ipynb"
TRAINING = "4_training.ipynb"  # the trainers' dashboard
# the lesson's sizes: around the defaults (H=8, n_E=12), not the maxima
SIZE_RANGES = {"hidden_size": (4, 32), "seq_len": (6, 30)}
SIZE_SHARE = 0.35  # of moves; the rest step through time, as scrubbing does
TARGET_P95_MS = 500.0
SETTLE_S = 10.0  # after the last page loads, its kernel and the others settle: not yet steady
MOVES = ("size", "step", "train-step")  # the rest are the questions' requests
ANSWER_SHARE = 0.5  # between two questions, a student moves this many times, on average, + 1
DURATION = {True: 300.0, False: 60.0}  # with answers: time for ten questions in half the blocks


@dataclass
class Settings:
    students: int = 30
    duration: float = 60.0  # seconds every student stays once the last one is in
    ramp: float = 30.0  # seconds over which students arrive
    think: tuple[float, float] = (1.0, 3.0)  # seconds between a student's moves
    vanish: float = 0.2  # share of students who leave without the beacon
    pool: int | None = None  # warm kernels; None: the whole class, warmed before the lesson
    cull: int = 30  # cull_idle_timeout of the test's own server
    cull_interval: int = 5
    timeout: float = 120.0  # longest wait for a page or an answer before it is an error
    seed: int = 0
    kernels: str = "fork"  # forked from a warm parent (make classroom's default), or "usual"
    trainers: int = 0  # students who open the training dashboard and press Train
    train_preset: str = "task=adding&epochs=30"  # the settings they train
    shared: bool = True  # all train the same settings (the cache shares one run), or each a seed
    answers: bool = True  # explorers answer the questions, in every other block
    until_answered: bool = False  # the lesson ends once every explorer has answered them all
    # (``duration`` after the last arrival at the latest): a test's, not a measurement's
    block: float = 20.0  # seconds a block lasts, once all are in: moves only, then answering
    # (0: no blocks, the class answers all along)


@dataclass
class Move:
    """One request to a kernel: a move, or one of the questions' (see ``MOVES``)."""

    student: int
    kind: str  # "size", "step", "train-step"; or "open", "close", "type", "check", "reveal",
    # "stack" (both directions on or off for a question)
    at: float  # seconds since the start
    ms: float
    steady: bool  # made once every student had been in for SETTLE_S
    block: int | None = None  # which block of the steady lesson
    # made while the class answers with the student's questions open (True), in a moves-only
    # block with them closed (False), or neither (arriving, or switching between the two)
    answering: bool | None = None


@dataclass
class Training:
    student: int
    seconds: float  # from pressing Train to the dashboard saying "Trained."
    cached: bool  # the model came from the cache (another kernel trained it)


@dataclass
class Sample:
    at: float
    kernels: int
    kernels_rss_mb: float
    kernels_pss_mb: float
    server_rss_mb: float
    server_pss_mb: float
    available_mb: float
    parents_pss_mb: float = 0.0  # forkkernel's warm parent(s), whose pages the kernels share


@dataclass
class Run:
    settings: Settings
    moves: list[Move] = field(default_factory=list)
    trainings: list[Training] = field(default_factory=list)
    pages_s: list[float] = field(default_factory=list)
    ready_s: list[float] = field(default_factory=list)  # arrival -> every widget's state held
    loop_late_ms: list[float] = field(default_factory=list)  # the clients' own loop, late by
    errors: list[str] = field(default_factory=list)
    samples: list[Sample] = field(default_factory=list)
    arrived: int = 0
    all_in_at: float | None = None
    left_at: float | None = None
    kernel_ids: dict[int, str] = field(default_factory=dict)
    vanished: set[int] = field(default_factory=set)
    freed_after_s: dict[int, float] = field(default_factory=dict)  # student -> since leaving
    steady_cpu_cores: float | None = None  # server and kernels, while all were in
    steady_server_cores: float | None = None  # the Voila server alone, meanwhile
    steady_wait_per_cpu: float | None = None  # their run-queue wait per second of CPU
    steady_loadavg: float | None = None  # the machine's 1-minute load average as it ended
    others_cpu_cores: float | None = None  # everything else on the machine, meanwhile
    client_cpu_cores: float | None = None
    warmup_s: float | None = None  # from starting the server to the pool's kernels settled
    warmup_cpu_s: float | None = None  # CPU the server and warm kernels used until then
    arrival_cpu_s: float | None = None  # CPU of server and kernels while students arrived
    kernels_after: int | None = None
    sample_after: Sample | None = None
    sent: list[Sent] = field(default_factory=list)  # every Check the kernels judged
    answer_notes: list[str] = field(default_factory=list)  # cards' "not saved", "too fast"
    answer_problems: list[str] = field(default_factory=list)
    answered: dict[int, int] = field(default_factory=dict)  # student -> questions answered
    tally: Tally | None = None
    answers_url: str | None = None  # the run's own answers database, kept after it

    def latencies(self, kind: str | None = None, steady: bool | None = None,
                  answering: bool | None = None, block: int | None = None) -> Series:
        """Of ``kind`` (None: every move, no question's request), filtered."""
        return Series(kind or "every move", values=[
            m.ms for m in self.moves
            if (m.kind == kind if kind else m.kind in MOVES)
            and (steady is None or m.steady == steady)
            and (answering is None or m.answering == answering)
            and (block is None or m.block == block)])

    def block_p95s(self, answering: bool) -> list[float]:
        """Each block's p95 of moves, of the blocks with (or without) answering."""
        blocks = sorted({m.block for m in self.moves if m.answering == answering
                         and m.block is not None})
        return [self.latencies(answering=answering, block=b).p95() for b in blocks]


def _run_queue_wait_seconds(pid: int) -> dict[int, float]:
    """Per thread of ``pid``: time spent runnable but waiting for a CPU (/proc schedstat,
    which psutil does not read).

    Per thread, not summed: a thread that ends takes its count with it, so the caller keeps
    the last value seen for each thread (a sum over the live ones could go down).
    """
    waits = {}
    try:
        tasks = list(Path(f"/proc/{pid}/task").iterdir())
    except OSError:
        return waits
    for t in tasks:
        try:
            waits[int(t.name)] = int((t / "schedstat").read_text().split()[1]) / 1e9
        except (OSError, IndexError, ValueError):
            pass
    return waits


def _machine_busy_seconds() -> float:
    """CPU seconds every process on the machine has used (guest time is within user)."""
    t = psutil.cpu_times()
    return t.user + t.nice + t.system + t.irq + t.softirq + t.steal


def _available_mb() -> float:
    return psutil.virtual_memory().available / 2**20


class Probe:
    """Memory and CPU of the server and its kernels."""

    def __init__(self, server: VoilaServer):
        self.server = server
        self.used: dict[int, float] = {}  # last CPU seconds seen per process, kept after it exits
        self.waits: dict[int, float] = {}  # last run-queue wait seen per thread, likewise

    def sample(self, at: float) -> Sample:
        kernels = self.server.kernel_pids()
        for pid in [self.server.proc.pid, *kernels]:
            used = cpu_time(pid)
            if used is not None:
                self.used[pid] = used
            for tid, wait in _run_queue_wait_seconds(pid).items():
                self.waits[tid] = wait
        k_rss, k_pss = kernel_memory(kernels)
        s_rss, s_pss = kernel_memory([self.server.proc.pid])
        _, p_pss = kernel_memory(self.server.warm_parent_pids())
        return Sample(at, len(kernels), k_rss, k_pss, s_rss, s_pss, _available_mb(), p_pss)

    def cpu_seconds(self) -> float:
        return sum(self.used.values())

    def server_cpu_seconds(self) -> float:
        return self.used.get(self.server.proc.pid, 0.0)

    def wait_seconds(self) -> float:
        return sum(self.waits.values())


def _choose(rng: random.Random, session: KernelSession, controls: dict[str, str]):
    """(kind, control, new value): a size now and then, mostly steps."""
    if rng.random() < SIZE_SHARE:
        name = rng.choice(sorted(SIZE_RANGES))
        lo, hi = SIZE_RANGES[name]
        kind = "size"
    else:
        name, kind = "step", "step"
        lo, hi = session.states[controls["step"]]["min"], session.states[controls["step"]]["max"]
    current = session.states[controls[name]]["value"]
    choices = [v for v in range(lo, hi + 1) if v != current]
    return kind, name, rng.choice(choices)


def _training_over(session: KernelSession, status: str) -> str | None:
    """"trained", "cached", another ending word, or None while the run goes on."""
    text = session.states.get(status, {}).get("value", "")
    if "<b>Trained.</b>" in text:
        return "cached" if "model cache" in text else "trained"
    for word in ("Stopped.", "Diverged."):
        if f"<b>{word}</b>" in text:
            return word
    return None


def _block(run: Run, at: float) -> int | None:
    """The block of the steady lesson that ``at`` falls in (None before it starts)."""
    if run.all_in_at is None or at < run.all_in_at + SETTLE_S:
        return None
    if run.settings.block == 0:  # no blocks: one long one
        return 0
    return int((at - run.all_in_at - SETTLE_S) // run.settings.block)


def _answering(run: Run, block: int | None) -> bool:
    """Whether the class answers in ``block``: every other one, from the second (with
    ``block`` 0 s, every one)."""
    if not run.settings.answers or block is None:
        return False
    return run.settings.block == 0 or block % 2 == 1


async def _action(answerer: Answerer | None, answer_now: bool,
                  rng: random.Random) -> tuple[str, object] | None:
    """A student's next request about the questions, made; None: a move is next."""
    if answerer is None:
        return None
    if answer_now and not answerer.is_open:
        return "open", await answerer.open()
    if not answer_now and (answerer.is_open or answerer.both_on):
        return await answerer.close()
    if answerer.is_open and (answerer.busy or (not answerer.done
                                               and rng.random() < ANSWER_SHARE)):
        return await answerer.act()
    return None


async def _student(i: int, run: Run, url: str, token: str, t0: float,
                   everyone_in: asyncio.Event, end: list[float],
                   oracle: Oracle | None, finished: dict[int, bool]) -> None:
    cfg = run.settings
    clock = lambda: time.perf_counter() - t0  # noqa: E731
    rng = random.Random(cfg.seed * 100_003 + i)
    trainer = i < cfg.trainers  # the first to arrive train; the rest explore
    await asyncio.sleep(i * cfg.ramp / max(cfg.students - 1, 1))
    arrived_at = clock()
    session = KernelSession(url, token=token, timeout=cfg.timeout)
    pressed = status = answerer = None
    try:
        if trainer:
            query = cfg.train_preset + ("" if cfg.shared else f"&seed={i}")
            await session.open(TRAINING, "?" + query)
        else:
            await session.open(NOTEBOOK)
        run.kernel_ids[i] = session.kernel_id
        run.pages_s.append(session.page_seconds)
        await session.connect()
        await session.discover_widgets()
        run.ready_s.append(clock() - arrived_at)  # the page is interactive
        names = ("step",) if trainer else ("hidden_size", "seq_len", "step")
        if oracle is not None and not trainer:
            names += ("bidirectional", "questions")
        controls = {name: session.find(f"ctl-{name}") for name in names}
        if oracle is not None and not trainer:
            answerer = Answerer(i, session, controls, oracle, rng)
            finished[i] = False
        if trainer:
            status = session.find("training-status")
            pressed = clock()
            answer = await session.click(session.find("train-button"))
            if answer.errors:
                run.errors.append(f"student {i}: Train: {'; '.join(answer.errors)}")
    except ClassFullError:
        run.errors.append(f"student {i}: the class was full")
        controls = None
    except Exception as err:  # every failure is a finding; the run goes on
        run.errors.append(f"student {i}: opening failed: {type(err).__name__}: {err}")
        controls = None
    finally:
        run.arrived += 1
        if run.arrived == cfg.students:
            run.all_in_at = clock()
            end.append(run.all_in_at + cfg.duration)
            everyone_in.set()
    if controls is None:
        await session.leave(beacon=session.kernel_id is not None)
        return
    training = pressed is not None
    while not (everyone_in.is_set() and clock() >= end[0]) and not session.closed:
        block = _block(run, clock())
        answer_now = _answering(run, block)
        action = await _action(answerer, answer_now, rng)
        if action is not None:
            (kind, answer), what = action, action[0]
        else:
            # a trainer scrubs the steps of its sequence while the model trains
            kind, name, value = ("train-step", "step", rng.randint(
                session.states[controls["step"]]["min"],
                session.states[controls["step"]]["max"])
            ) if trainer else _choose(rng, session, controls)
            answer, what = await session.set_value(controls[name], value), f"{name}={value}"
        # a move counts for the comparison when the student's questions are as the block's
        panel = answerer is not None and answerer.is_open
        answering = (None if block is None or (answerer is not None and panel != answer_now)
                     else answer_now)
        if answer.errors:
            run.errors.append(f"student {i}: {what}: {'; '.join(answer.errors)}")
        else:
            run.moves.append(Move(i, kind, clock(), answer.seconds * 1000, block is not None,
                                  block, answering))
        if answerer is not None and answerer.done and not answerer.busy:
            finished[i] = True
            if cfg.until_answered and everyone_in.is_set() and all(finished.values()):
                end[0] = min(end[0], clock())
        if training and (over := _training_over(session, status)) is not None:
            training = False
            if over in ("trained", "cached"):
                run.trainings.append(Training(i, clock() - pressed, over == "cached"))
            else:
                run.errors.append(f"student {i}: the training ended {over}")
        await asyncio.sleep(rng.uniform(*cfg.think))
    if training:
        run.errors.append(f"student {i}: the training had not finished when the lesson ended")
    if answerer is not None:
        run.sent.extend(answerer.sent)
        run.answer_notes.extend(answerer.notes)
        run.answer_problems.extend(f"student {i}: {p}" for p in answerer.problems)
        run.answered[i] = answerer.answered
    if session.closed:
        run.errors.append(f"student {i}: the kernel's websocket closed mid-lesson")
    status = await session.leave(beacon=i not in run.vanished)
    if status not in (None, 204):
        run.errors.append(f"student {i}: the unload beacon got HTTP {status}")


def _progress(run: Run, at: float, sample: Sample | None) -> str:
    recent = Series("", values=[m.ms for m in run.moves if m.at > at - 10 and m.kind in MOVES])
    every = run.latencies()
    block = _block(run, at)
    parts = [f"[{at:5.0f}s] in {run.arrived}/{run.settings.students}",
             *([f"block {block} ({'answering' if _answering(run, block) else 'moves only'})"]
               if block is not None else []),
             f"moves {len(every.values)}"]
    if every.values:
        parts.append(f"p50 {every.median():.0f} ms p95 {every.p95():.0f} ms")
    if recent.values:
        parts.append(f"last 10 s p95 {recent.p95():.0f} ms")
    if run.settings.answers:
        parts.append(f"checks {sum(m.kind == 'check' for m in run.moves)}")
    parts.append(f"errors {len(run.errors)}")
    if sample:
        pss = sample.kernels_pss_mb + sample.server_pss_mb + sample.parents_pss_mb
        parts.append(f"kernels {sample.kernels}, PSS {pss / 1024:.1f} GB")
    return " | ".join(parts)


async def _loop_lateness(run: Run, every: float = 0.05) -> None:
    """How late the clients' event loop wakes (ms): a message that came meanwhile waited as
    long, so this is what the load test's own process adds to a move's measured latency."""
    while True:
        asked = time.perf_counter()
        await asyncio.sleep(every)
        run.loop_late_ms.append(max((time.perf_counter() - asked - every) * 1000, 0.0))


async def _lesson(run: Run, server: VoilaServer, probe: Probe, quiet: bool,
                  oracle: Oracle | None) -> None:
    cfg = run.settings
    t0 = time.perf_counter()
    clock = lambda: time.perf_counter() - t0  # noqa: E731
    everyone_in, end, finished = asyncio.Event(), [], {}
    run.vanished.update(random.Random(cfg.seed).sample(range(cfg.students),
                                                       round(cfg.vanish * cfg.students)))
    lateness = asyncio.ensure_future(_loop_lateness(run))
    students = [asyncio.ensure_future(_student(i, run, server.url, server.token, t0,
                                               everyone_in, end, oracle, finished))
                for i in range(cfg.students)]
    cpu_at_all_in = None
    last_print = 0.0
    cpu0 = time.process_time()
    arrival_cpu = None
    while not all(s.done() for s in students):
        if server.proc.poll() is not None:
            for s in students:
                s.cancel()
            raise RuntimeError(f"the classroom server exited mid-lesson:\n{server.log()}")
        # off the event loop: a hundred kernels' memory takes about 0.3 s to read from /proc
        # (their page tables walked), which on the loop held back the students' messages and
        # so added to their measured latency
        sample = await asyncio.to_thread(probe.sample, clock())
        run.samples.append(sample)
        if run.warmup_cpu_s is None:
            run.warmup_cpu_s = probe.cpu_seconds()
        if everyone_in.is_set() and arrival_cpu is None:
            arrival_cpu = run.arrival_cpu_s = probe.cpu_seconds() - run.warmup_cpu_s
        if everyone_in.is_set() and clock() >= run.all_in_at + SETTLE_S and \
                cpu_at_all_in is None:
            cpu_at_all_in = (clock(), probe.cpu_seconds(), _machine_busy_seconds(),
                             time.process_time(), probe.server_cpu_seconds(),
                             probe.wait_seconds())
        if end and clock() >= end[0] and cpu_at_all_in and run.steady_cpu_cores is None:
            # departures start now: the CPU of the lesson with everyone in
            span = max(clock() - cpu_at_all_in[0], 1e-9)
            ours = probe.cpu_seconds() - cpu_at_all_in[1]
            client = time.process_time() - cpu_at_all_in[3]
            run.steady_cpu_cores = ours / span
            run.steady_server_cores = (probe.server_cpu_seconds() - cpu_at_all_in[4]) / span
            run.steady_loadavg = psutil.getloadavg()[0]
            run.steady_wait_per_cpu = (probe.wait_seconds() - cpu_at_all_in[5]) / max(ours,
                                                                                       1e-9)
            run.others_cpu_cores = (_machine_busy_seconds() - cpu_at_all_in[2] - ours
                                    - client) / span
        if not quiet and clock() - last_print >= 5:
            print(_progress(run, clock(), sample), flush=True)
            last_print = clock()
        await asyncio.wait(students, timeout=2.0)
    run.left_at = clock()
    run.client_cpu_cores = (time.process_time() - cpu0) / run.left_at
    lateness.cancel()
    for s in students:
        s.result()  # a bug in the load test itself must not pass silently


def _wait_for_freed(run: Run, server: VoilaServer, probe: Probe, quiet: bool) -> None:
    """Every student's kernel gone: the beacon's at once, the vanished ones' by culling."""
    cfg = run.settings
    deadline = cfg.cull + 3 * cfg.cull_interval + 30
    t_left = time.perf_counter()
    last_print = [t_left]
    waiting = dict(run.kernel_ids)

    def all_freed() -> bool:
        for student, kernel_id in list(waiting.items()):
            if not server.kernel_alive(kernel_id):
                run.freed_after_s[student] = time.perf_counter() - t_left
                del waiting[student]
        if waiting and not quiet and time.perf_counter() - last_print[0] >= 10:
            last_print[0] = time.perf_counter()
            print(f"[after ] {len(waiting)} student kernel(s) still running "
                  f"({time.perf_counter() - t_left:.0f} s after the last left)", flush=True)
        return not waiting

    try:
        wait_until(all_freed, deadline, every=2.0, what="every student's kernel freed")
    except TimeoutError:
        for student in waiting:
            run.errors.append(f"student {student}: kernel still running {deadline} s after "
                              "leaving")
    time.sleep(1.0)  # the pool refills right after the last start
    run.sample_after = probe.sample(time.perf_counter())
    run.kernels_after = run.sample_after.kernels


def run_loadtest(cfg: Settings, quiet: bool = False) -> Run:
    if cfg.pool is None:
        cfg.pool = cfg.students
    token = secrets.token_hex(16)
    logs = Path(tempfile.mkdtemp(prefix="loadtest-"))
    oracle = Oracle() if cfg.answers else None  # before the server: its imports take a second
    # a model cache and an answers database of the run's own: what the trainers get is what
    # this lesson trained, and every answer stored is one of this lesson's
    answers_db = logs / "answers.sqlite3"
    server = VoilaServer(
        ROOT, logs / "classroom.log", module="classroom", token=token,
        extra_args=[f"--max_kernels={cfg.students}", f"--pool_size={cfg.pool}",
                    f"--MappingKernelManager.cull_idle_timeout={cfg.cull}",
                    f"--MappingKernelManager.cull_interval={cfg.cull_interval}",
                    *(["--fork_kernels=False"] if cfg.kernels == "usual" else [])],
        env={"LSTM_MODEL_CACHE": str(logs / "model-cache"),
             "LSTM_ANSWERS_DB": str(answers_db), "LSTM_ANSWERS_URL": ""})
    run = Run(cfg)
    t0 = time.perf_counter()
    try:
        server.wait_ready()
        if not quiet:
            print(f"classroom server up at {server.url} (log: {server.log_path}); warming "
                  f"{cfg.pool} kernel(s) ...", flush=True)
        # as when a teacher starts the server before the lesson
        server.wait_settled(cfg.pool, cfg.timeout + 20 * cfg.pool)
        run.warmup_s = time.perf_counter() - t0
        probe = Probe(server)
        if not quiet:
            print(f"warm after {run.warmup_s:.0f} s; {cfg.students} students arrive over "
                  f"{cfg.ramp:.0f} s", flush=True)
        run_async(_lesson(run, server, probe, quiet, oracle))
        _wait_for_freed(run, server, probe, quiet)
    finally:
        server.stop()
    if oracle is not None:
        run.answers_url = f"sqlite:///{answers_db}"
        _count_answers(run, run.answers_url, len(oracle.questions))
    return run


def _count_answers(run: Run, url: str, questions: int) -> None:
    """The answers sent against the database's records, once every kernel is gone."""
    from widgets.store.answers import ALL, AnswerStore

    records = AnswerStore(url).answers(ALL)
    t = run.tally = tally(run.sent, run.answer_notes, run.answered, questions, records)
    if t.lost or t.unexpected:
        run.errors.append(f"answers: {t.lost} sent and not stored, {t.unexpected} stored and "
                          "never sent")
    for student, n in sorted(run.answered.items()):
        if n < questions:
            run.errors.append(f"student {student}: answered {n} of the {questions} questions "
                              "before the lesson ended")


def report(run: Run) -> str:
    cfg = run.settings

    def row(name: str, s: Series, scale: float = 1.0, unit: str = "ms") -> str:
        if not s.values:
            return f"| {name} | | | | 0 |"
        fmt = (lambda v: f"{v * scale:.0f} {unit}") if unit == "ms" else \
            (lambda v: f"{v * scale:.1f} {unit}")
        return (f"| {name} | {fmt(s.median())} | {fmt(s.p95())} | {fmt(max(s.values))} "
                f"| {len(s.values)} |")

    steady = run.latencies(steady=True)
    peak = max(run.samples, key=lambda s: s.kernels_pss_mb, default=None)
    lines = [
        f"Load test: {cfg.students} students arriving over {cfg.ramp:.0f} s, staying "
        f"{cfg.duration:.0f} s after the last one is in; think {cfg.think[0]:g}-"
        f"{cfg.think[1]:g} s; sizes H {SIZE_RANGES['hidden_size']}, n_E "
        f"{SIZE_RANGES['seq_len']}; {cfg.vanish:.0%} leave without the beacon.",
        f"Server: python -m classroom, kernels "
        f"{'forked from a warm parent' if cfg.kernels == 'fork' else 'launched the usual way'}, "
        f"cap {cfg.students}, pool {cfg.pool} (warm "
        f"{run.warmup_s or 0:.0f} s after the start), culling after {cfg.cull} s idle "
        f"(checked every {cfg.cull_interval} s); {os.cpu_count()} cores.",
        "",
        "| | p50 | p95 | max | n |",
        "| --- | --- | --- | --- | --- |",
        row("page load (to the last cell's output)", Series("", values=run.pages_s), 1, "s"),
        row("arrival -> interactive (every widget's state)", Series("", values=run.ready_s), 1,
            "s"),
        row(f"every move, while students arrive (to {SETTLE_S:.0f} s after the last)",
            run.latencies(steady=False)),
        row("size move (H or n_E), all in", run.latencies("size", True)),
        row("step move, all in", run.latencies("step", True)),
        *([row("a trainer's step move, all in", run.latencies("train-step", True))]
          if cfg.trainers else []),
        row("**every move, all in**", steady),
        *([row("every move, all in, in the moves-only blocks (questions closed)",
               run.latencies(answering=False)),
           row("**every move, all in, while the class answers** (questions open)",
               run.latencies(answering=True)),
           *(row(name, run.latencies(kind)) for kind, name in ANSWER_ROWS)]
          if cfg.answers else []),
        "",
        f"Errors: {len(run.errors)}" + "".join(f"\n  - {e}" for e in run.errors[:8]),
        (f"The load test's own event loop (every student's client) woke late by p50 "
         f"{late.median():.0f} / p95 {late.p95():.0f} ms (max {max(late.values):.0f}): at "
         "most that much of a move's latency is the clients', not the server's."
         if (late := Series("", values=run.loop_late_ms)).values else ""),
    ]
    if cfg.answers:
        when = (f"in every other block of {cfg.block:g} s once all are in ({SETTLE_S:.0f} s "
                "after the last arrives), the questions open; in the blocks between they only "
                "move, the questions closed" if cfg.block else
                f"from {SETTLE_S:.0f} s after the last arrives, between their moves")
        lines.insert(2, f"Answers: the explorers answer the page's questions {when}. Each "
                        "question: right at once, a slip then right, or wrong, 'Show the "
                        "answer' and the answer shown.")
        lines += _answers_report(run)
    elif cfg.block:
        lines.append(placebo(run))
    if cfg.trainers:
        took = Series("", values=[t.seconds for t in run.trainings])
        cached = sum(t.cached for t in run.trainings)
        lines.insert(2, f"Trainers: {cfg.trainers} of them open {TRAINING}?"
                        f"{cfg.train_preset}" + ("" if cfg.shared else "&seed=<theirs>")
                        + " and press Train as they arrive.")
        lines.append(
            f"Trainings: {len(run.trainings)} of {cfg.trainers} finished, "
            f"{cached} from the model cache; from pressing Train to 'Trained.': "
            + (f"median {took.median():.1f} s, longest {max(took.values):.1f} s."
               if took.values else "none."))
    if peak:
        # a student: their kernel's PSS, plus a share of the warm parent's (none when usual)
        per = (peak.kernels_pss_mb + peak.parents_pss_mb) / max(peak.kernels, 1)
        seats = (0.9 * psutil.virtual_memory().total / 2**20 - peak.server_pss_mb) / per
        lines.append(
            f"Kernels at the peak: {peak.kernels} ({cfg.students} students + warm pool); "
            f"PSS {peak.kernels_pss_mb / 1024:.1f} GB kernels + {peak.parents_pss_mb:.0f} MB "
            f"warm parent + {peak.server_pss_mb:.0f} MB server ({per:.0f} MB a student, the "
            f"parent shared out), RSS {peak.kernels_rss_mb / 1024:.1f} GB; lowest MemAvailable "
            f"{min(s.available_mb for s in run.samples) / 1024:.1f} GB; students seated by "
            f"memory (90% of this machine's, less the server's): {seats:.0f}.")
    if run.arrival_cpu_s is not None:
        lines.append(f"CPU for a page: warming the pool took {run.warmup_cpu_s:.0f} "
                     f"core-seconds ({run.warmup_cpu_s / max(cfg.pool, 1):.1f} a kernel), the "
                     f"arrivals {run.arrival_cpu_s:.0f} ({run.arrival_cpu_s / cfg.students:.1f} "
                     f"a student, with the moves of those already in).")
    if run.steady_cpu_cores is not None:
        lines.append(f"CPU while all were in: {run.steady_cpu_cores:.2f} cores for server and "
                     f"kernels ({run.steady_server_cores:.2f} the server, "
                     f"{run.steady_cpu_cores / cfg.students:.3f} a student), waiting "
                     f"{run.steady_wait_per_cpu:.1f} s for a CPU per second run; other "
                     f"processes on the machine {run.others_cpu_cores:.2f} cores (load average "
                     f"{run.steady_loadavg:.0f}); the load "
                     f"test's own process {run.client_cpu_cores:.2f} cores (whole run).")
    beacon = [s for s in run.freed_after_s if s not in run.vanished]
    culled = [s for s in run.freed_after_s if s in run.vanished]
    if run.sample_after:
        after = run.sample_after
        lines.append(
            f"After: {len(beacon)} kernel(s) freed by the beacon within "
            f"{max((run.freed_after_s[s] for s in beacon), default=0):.0f} s, {len(culled)} "
            f"vanished one(s) culled within "
            f"{max((run.freed_after_s[s] for s in culled), default=0):.0f} s of the last "
            f"departure; {after.kernels} kernel(s) left (the warm pool), PSS "
            f"{(after.kernels_pss_mb + after.server_pss_mb + after.parents_pss_mb) / 1024:.2f} "
            "GB.")
    holds = bool(steady.values) and steady.p95() < TARGET_P95_MS and not run.errors
    lines.append(f"Verdict: {'holds' if holds else 'does not hold'} (p95 of every move with "
                 f"all in {steady.p95() if steady.values else float('nan'):.0f} ms, target "
                 f"< {TARGET_P95_MS:.0f} ms, {len(run.errors)} errors).")
    return "\n".join(lines)


ANSWER_ROWS = (("open", "opening the questions"), ("close", "closing them"),
               ("type", "typing an answer (a choice: picking it)"), ("check", "**Check**"),
               ("reveal", "Show the answer"),
               ("stack", "both directions on or off (for a question that needs them)"))


def comparison(run: Run) -> str:
    """The moves with the class answering against without, in this run, and the spread of
    the moves-only blocks' p95 as the yardstick."""
    without, with_ = run.latencies(answering=False), run.latencies(answering=True)
    spread, spread_with = run.block_p95s(False), run.block_p95s(True)
    if not (without.values and with_.values and spread):
        return "Moves with and without answers: not enough moves in both kinds of block."
    lo, hi = min(spread), max(spread)
    where = ("within" if lo <= with_.p95() <= hi else
             "below" if with_.p95() < lo else "above")
    return (f"Moves while the class answers against moves only (same run): p50 "
            f"{with_.median():.0f} / {without.median():.0f} ms, p95 {with_.p95():.0f} / "
            f"{without.p95():.0f} ms ({with_.p95() / without.p95():.2f}x). The moves-only "
            f"blocks' p95 spread from {lo:.0f} to {hi:.0f} ms ({len(spread)} blocks; the "
            f"answering blocks' {min(spread_with):.0f} to {max(spread_with):.0f} ms, "
            f"{len(spread_with)} blocks): the p95 while answering is {where} that spread.")


def placebo(run: Run) -> str:
    """Nobody answers: the blocks the class would answer in against the others, as a
    yardstick of how far two halves of one run differ by chance."""
    blocks = sorted({m.block for m in run.moves if m.block is not None})
    halves = [[b for b in blocks if b % 2 == odd] for odd in (1, 0)]
    series = [Series("", values=[v for b in half for v in run.latencies(block=b).values])
              for half in halves]
    if not all(s.values for s in series):
        return "The same split with nobody answering: not enough blocks."
    (odd, even), spread = series, [run.latencies(block=b).p95() for b in halves[1]]
    return (f"The same split with nobody answering (the blocks the class would answer in "
            f"against the others): p50 {odd.median():.0f} / {even.median():.0f} ms, p95 "
            f"{odd.p95():.0f} / {even.p95():.0f} ms ({odd.p95() / even.p95():.2f}x); the "
            f"others' p95 spread from {min(spread):.0f} to {max(spread):.0f} ms "
            f"({len(spread)} blocks).")


def _answers_report(run: Run) -> list[str]:
    t = run.tally
    lines = [comparison(run)]
    if t is None:
        return [*lines, "Answers: not counted (the run did not end)."]
    lines.append(
        f"**answers: sent {t.sent}, stored {t.stored}, lost {t.lost}** ({t.right} right; "
        f"{t.unexpected} stored and never sent; the cards said 'not saved' {t.not_saved} "
        f"times and 'too fast' {t.refused}). Every stored record is the page, question, "
        f"answer and verdict sent; {t.settings_differ} with other settings than the page "
        f"showed at the Check. Students whose records are exactly theirs: "
        f"{t.students_matched} of {t.students_answering}; who answered all {t.questions} "
        f"questions: {t.complete} of {t.students}. The kernel judged otherwise than the "
        f"equivalent model {t.judged_otherwise} times; other surprises: "
        f"{len(run.answer_problems)}" + "".join(f"\n  - {p}" for p in run.answer_problems[:5]))
    return lines


def main() -> None:
    parser = argparse.ArgumentParser(description="N simulated students on a classroom server.")
    parser.add_argument("--students", "-n", type=int, default=30)
    parser.add_argument("--duration", type=float, default=None,
                        help="seconds everyone stays after the last student is in (default "
                             "300 with answers, 60 without)")
    parser.add_argument("--ramp", type=float, default=30.0, help="arrivals spread over (s)")
    parser.add_argument("--think", type=float, nargs=2, default=(1.0, 3.0),
                        metavar=("MIN", "MAX"), help="seconds between a student's moves")
    parser.add_argument("--vanish", type=float, default=0.2,
                        help="share of students leaving without the unload beacon")
    parser.add_argument("--pool", type=int, default=None,
                        help="warm kernels (default: one per student, warmed before)")
    parser.add_argument("--cull", type=int, default=30)
    parser.add_argument("--cull-interval", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--timeout", type=float, default=Settings.timeout,
                        help="longest wait for a page or an answer before it is an error (s)")
    parser.add_argument("--kernels", choices=("fork", "usual"), default="fork",
                        help="forked from a warm parent (make classroom's default) or launched "
                             "the usual way (--fork_kernels=False)")
    parser.add_argument("--trainers", type=int, default=0,
                        help="students (the first to arrive) who open the training dashboard "
                             "and press Train")
    parser.add_argument("--train-preset", default=Settings.train_preset,
                        help="the training dashboard link's query they open")
    parser.add_argument("--separate", action="store_true",
                        help="each trainer trains a seed of its own: no model cache sharing")
    parser.add_argument("--no-answers", action="store_true",
                        help="the students only move (the load before the questions)")
    parser.add_argument("--block", type=float, default=Settings.block,
                        help="seconds of a block: moves only, then answering, in turn (0: "
                             "answering all along)")
    parser.add_argument("--json", default=None,
                        help="where to write the results (default bench/results/loadtest-N.json)")
    args = parser.parse_args()
    answers = not args.no_answers
    duration = DURATION[answers] if args.duration is None else args.duration
    cfg = Settings(students=args.students, duration=duration, ramp=args.ramp,
                   think=tuple(args.think), vanish=args.vanish, pool=args.pool, cull=args.cull,
                   cull_interval=args.cull_interval, seed=args.seed, kernels=args.kernels,
                   timeout=args.timeout,
                   trainers=args.trainers,
                   train_preset=args.train_preset, shared=not args.separate,
                   answers=answers, block=args.block)
    run = run_loadtest(cfg)
    text = report(run)
    print("\n" + text)
    out = Path(args.json or ROOT / "bench" / "results" / f"loadtest-{cfg.students}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    data = asdict(run)
    data["vanished"] = sorted(run.vanished)
    data["report"] = text
    out.write_text(json.dumps(data, indent=1))
    print(f"results: {out}")
    sys.exit(1 if run.errors else 0)


if __name__ == "__main__":
    main()
