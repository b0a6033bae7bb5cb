"""The benchmark's own arithmetic: percentiles, ratios and the table (no browser here)."""

from bench.measures import Series, report
from bench.run import title_has


def test_median_and_p95():
    s = Series("x", values=[float(v) for v in range(1, 101)])
    assert s.median() == 50.5
    assert s.p95() == 95.0
    assert Series("empty").median() is None and Series("empty").p95() is None


def test_report_gives_ratios_against_the_same_run():
    results = {
        "baseline H, default sizes": Series("baseline H, default sizes", values=[400.0, 500.0]),
        "explorer H, default sizes": Series("explorer H, default sizes", values=[90.0, 110.0],
                                            bytes=[2048, 2048], target="p95 <= 40 ms",
                                            cpu_ms=37.4),
        "tti empty notebook, cold": Series("tti empty", values=[1000.0]),
        "tti one widget, cold": Series("tti one widget", values=[1200.0]),
        "tti explorer, cold": Series("tti explorer", values=[1500.0]),
        "play, default sizes": Series("Play", unit="steps/s", values=[21.0]),
        "memory": {"explorer kernel RSS MB": 300.0},
    }
    table = report(results)
    assert "4.5x faster" in table  # 450 / 100
    assert "1.50x empty, 1.25x one widget" in table
    assert "2.0 KiB" in table and "21.0 steps/s" in table and "37 ms" in table
    assert "explorer kernel RSS MB: 300" in table


def test_done_conditions_read_text_without_forcing_layout():
    js = title_has("= (32 × 6)")
    assert "textContent" in js and "innerText" not in js


def test_renderer_cpu_counts_the_busiest_renderer_main_thread():
    import json

    from bench.run import renderer_cpu_ms

    def task(pid, tid, tdur, name="RunTask"):
        return {"ph": "X", "name": name, "pid": pid, "tid": tid, "dur": 2 * tdur, "tdur": tdur}

    events = [
        {"ph": "M", "name": "thread_name", "pid": 1, "tid": 1, "args": {"name": "CrRendererMain"}},
        {"ph": "M", "name": "thread_name", "pid": 2, "tid": 5, "args": {"name": "CrRendererMain"}},
        {"ph": "M", "name": "thread_name", "pid": 1, "tid": 2, "args": {"name": "Compositor"}},
        task(1, 1, 3000), task(1, 1, 2000), task(1, 2, 90000),  # compositor: not counted
        task(2, 5, 1000), task(1, 1, 70000, name="Layout"),  # nested events: not counted
    ]
    assert renderer_cpu_ms(json.dumps({"traceEvents": events}).encode()) == 5.0
    assert renderer_cpu_ms(b"[]") == 0.0


def test_cpu_seconds_counts_each_process_and_skips_gone_ones():
    import os

    from driver.processes import cpu_seconds

    gone = 2**22 + 1  # above the kernel's largest pid: never a process
    before = cpu_seconds([os.getpid(), gone])
    assert list(before) == [os.getpid()] and before[os.getpid()] > 0
    sum(i * i for i in range(3_000_000))
    assert cpu_seconds([os.getpid()])[os.getpid()] > before[os.getpid()]


def test_training_speed_is_measured_per_epoch_and_to_its_milestone():
    from bench.training import run_once

    seconds, reached = run_once("temperatures")
    assert len(seconds) == 20 and all(s > 0 for s in seconds)
    assert reached is not None and 0 < reached <= sum(seconds) + 1e-9


def test_hub_loadtest_reports_a_students_cost_and_the_seats_memory_allows(monkeypatch):
    from types import SimpleNamespace

    from bench import hub_loadtest

    monkeypatch.setattr(hub_loadtest.psutil, "virtual_memory",
                        lambda: SimpleNamespace(total=10_000 * 2**20, available=5_000 * 2**20))
    run = hub_loadtest.HubRun(3, pages_s=[10.0, 12.0, 30.0], student_pss_mb=[390.0, 400.0, 410.0],
                              hub_pss_mb=200.0, available_mb_min=4_000.0)
    run.moves.values = [10.0, 20.0, 30.0]
    run.errors.append("student02: TimeoutError: no page")
    text = hub_loadtest.report(run)
    assert "students: 3, in: 3, errors: 1" in text
    assert "p50 12.0 s" in text and "PSS: median 400 MB (from 390 to 410)" in text
    # 90% of 10,000 MB, less the hub's 200, in students of 400 MB: 8,800 / 400 = 22
    assert "students per machine by memory (90% of it): 22" in text
    assert "error: student02: TimeoutError" in text


def test_no_bench_module_imports_one_that_imports_it_back():
    """make bench runs bench/run.py as __main__: a circle would load a second copy of a module
    (two Series classes); every import of another bench module, at any depth, counts."""
    import ast

    from driver.servers import ROOT

    imports = {}
    for path in (ROOT / "bench").glob("*.py"):
        found = set()
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            found |= {n.split(".")[1] for n in names if n.startswith("bench.")}
        imports[path.stem] = found

    def reaches(start: str, seen: frozenset = frozenset()) -> set[str]:
        return {m for direct in imports.get(start, set()) - seen
                for m in {direct} | reaches(direct, seen | {direct})}

    assert imports["run"] >= {"measures", "training"}, imports  # the test sees the imports
    circles = sorted(name for name in imports if name in reaches(name))
    assert not circles, {name: imports[name] for name in circles}
