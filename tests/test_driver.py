"""The driver's own parts: the kernel websocket's frames, the one wait, a server stopped with
everything it started, and the run's check that nothing it started outlives it."""

import ast
import json
import re
import sys
import textwrap

import psutil
import pytest
from jupyter_server.services.kernels.connection.base import (
    deserialize_msg_from_ws_v1,
    serialize_msg_to_ws_v1,
)

from driver.kernel_session import decode, encode
from driver.processes import family
from driver.servers import ROOT, Server, free_port
from driver.wait import wait_until

pytest_plugins = ["pytester"]

MSG = {
    "header": {"msg_id": "a1", "msg_type": "comm_msg", "session": "s", "username": "u",
               "date": "2026-01-01T00:00:00Z", "version": "5.3"},
    "parent_header": {"msg_id": "p0"},
    "metadata": {},
    "content": {"comm_id": "c1", "data": {"method": "update", "state": {"value": 12},
                                          "buffer_paths": []}},
}
PARTS = ("header", "parent_header", "metadata", "content")


def test_frames_we_send_are_what_jupyter_server_reads():
    channel, parts = deserialize_msg_from_ws_v1(encode("shell", {**MSG, "buffers": [b"\x00\x01"]}))
    assert channel == "shell"
    assert [json.loads(p) for p in parts[:4]] == [MSG[k] for k in PARTS]
    assert parts[4:] == [b"\x00\x01"]


def test_frames_jupyter_server_sends_are_what_we_read():
    parts = [json.dumps(MSG[k]).encode() for k in PARTS]
    msg = decode(serialize_msg_to_ws_v1([*parts, b"PNG..."], "iopub"))
    assert {k: msg[k] for k in MSG} == MSG
    assert (msg["channel"], msg["msg_type"], msg["buffers"]) == ("iopub", "comm_msg", [b"PNG..."])


def test_wait_until_returns_what_came_true():
    calls = iter([None, 0, "ready"])
    assert wait_until(lambda: next(calls), 10, every=0.01) == "ready"


def test_wait_until_says_what_did_not_come_and_why():
    with pytest.raises(TimeoutError, match=r"^the pool filling: not within 0 s:\nlog tail$"):
        wait_until(lambda: False, 0, what="the pool filling", details=lambda: "log tail")


def test_wait_until_ends_at_once_when_the_condition_raises():
    def exited():
        raise RuntimeError("the server exited")

    with pytest.raises(RuntimeError, match="exited"):
        wait_until(exited, 60)


# a server that starts a process outside its own tree (as the hub's students' servers end up
# when the hub dies first), then serves
ESCAPING_SERVER = textwrap.dedent("""
    import http.server, subprocess, sys
    subprocess.run(["sh", "-c", "sleep 600 & echo $! > " + sys.argv[2]], check=True)
    http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])),
                           http.server.SimpleHTTPRequestHandler).serve_forever()
""")


def test_a_server_is_stopped_with_a_process_that_left_its_tree(tmp_path):
    port, pid_file = free_port(), tmp_path / "escaped.pid"
    server = Server([sys.executable, "-c", ESCAPING_SERVER, str(port), str(pid_file)],
                    cwd=tmp_path, log_path=tmp_path / "server.log", port=port, grace=5)
    try:
        server.wait_ready(30)
        escaped = int(pid_file.read_text())
        assert escaped not in family(server.proc.pid), "the sleep is still the server's child"
        assert escaped in {p.pid for p in server.processes()}
    finally:
        server.stop()
    assert server.proc.returncode is not None
    wait_until(lambda: not _running(escaped), 10, what="the escaped process ended")


def _running(pid: int) -> bool:
    try:
        return psutil.Process(pid).status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def _run_with_our_check(pytester, monkeypatch, tests: str):
    """A pytest run of ``tests`` in a subprocess, with tests/conftest.py's run hooks."""
    monkeypatch.setenv("PYTHONPATH", str(ROOT))
    pytester.makeconftest("from tests.conftest import (pytest_sessionfinish, "
                          "pytest_sessionstart, pytest_terminal_summary)\n")
    pytester.makepyfile(test_inner="import subprocess\n\n" + textwrap.dedent(tests))
    return pytester.runpytest_subprocess("-p", "no:cacheprovider")


def test_a_run_that_leaves_a_process_running_fails_and_names_it(pytester, monkeypatch):
    result = _run_with_our_check(pytester, monkeypatch, """
        def test_cleans_up():
            subprocess.run(["sleep", "0.1"], check=True)

        def test_leaves_a_server_running():
            subprocess.Popen(["sleep", "600"], start_new_session=True)
    """)
    result.assert_outcomes(passed=2)
    assert result.ret == pytest.ExitCode.TESTS_FAILED
    out = result.stdout.str()
    assert "1 process(es) started by the tests were still running at the end" in out
    (pid,) = re.findall(r"^(\d+): sleep 600$", out, re.M)
    wait_until(lambda: not _running(int(pid)), 10, what="the leaked process ended")


def test_a_clean_run_passes(pytester, monkeypatch):
    result = _run_with_our_check(pytester, monkeypatch, """
        def test_waits_for_its_child():
            subprocess.run(["sleep", "0.1"], check=True)
    """)
    assert result.ret == pytest.ExitCode.OK
    assert "still running at the end" not in result.stdout.str()


def test_the_driver_imports_nothing_of_the_tests_or_the_bench():
    for path in (ROOT / "driver").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = ([a.name for a in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            for name in names:
                assert name.split(".")[0] not in {"tests", "bench", "widgets"}, (path, name)


def test_warm_parents_are_found_by_the_server_they_were_started_for():
    import os
    import subprocess
    import sys

    from driver.processes import warm_parents_of

    # a stand-in with a warm parent's command line, for this process
    fake = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                             "forkkernel.parent", "--server-pid", str(os.getpid())])
    try:
        from driver.wait import wait_until
        wait_until(lambda: fake.pid in [p.pid for p in warm_parents_of({os.getpid()})], 10,
                   what="the stand-in found")
        assert fake.pid not in [p.pid for p in warm_parents_of({fake.pid})]
    finally:
        fake.kill()
        fake.wait()
