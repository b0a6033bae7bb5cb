"""Kernels forked from a warm parent (forkkernel/), through jupyter_client as a server uses them.

Real processes throughout: a real warm parent that imports torch, numpy, ipywidgets, bqplot and
``widgets``, real forks, real ipykernels reached by jupyter_client's AsyncKernelManager through
a kernelspec that names the provisioner, and a real client on their ZeroMQ channels. Every
kernel a test starts is killed with its process group when the test ends, and the parents
when the module ends (tests/conftest.py fails the run if anything outlives it).
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import re
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import psutil
import pytest
from jupyter_client import AsyncKernelManager
from jupyter_client.kernelspec import KernelSpecManager

from driver.processes import RUN_MARK, kernel_with, kernels_and_parents, marked
from driver.wait import wait_until
from forkkernel import DEFAULT_PRELOAD, PROVISIONER_NAME
from forkkernel.child import kernel_title
from forkkernel.client import WarmParent, _stop_all, fork_supported, warm_parent
from forkkernel.kernelspec import write_kernelspec

pytestmark = pytest.mark.skipif(fork_supported() is not None,
                                reason=f"forked kernels: {fork_supported()}")

KERNEL = "forked"
PYTHON = sys.executable
DRAW = ("import random, numpy, torch\n"
        "print(random.random(), numpy.random.rand(), torch.rand(1).item())")


def run(coro, timeout: float = 240):
    """Run ``coro`` on a fresh event loop, as a server would, within ``timeout`` seconds."""
    return asyncio.run(asyncio.wait_for(coro, timeout))


def the_parent(preload: tuple[str, ...] = DEFAULT_PRELOAD) -> WarmParent:
    return warm_parent(PYTHON, preload)


def pidfds() -> int:
    """How many pidfds this process (the server) holds."""
    count = 0
    for fd in os.listdir("/proc/self/fd"):
        try:
            count += os.readlink(f"/proc/self/fd/{fd}") == "anon_inode:[pidfd]"
        except OSError:  # the listing's own fd
            pass
    return count


def zombies_under(*pids: int) -> list[int]:
    """Children of ``pids`` that have exited and not been reaped."""
    found = []
    for pid in pids:
        try:
            found += [child.pid for child in psutil.Process(pid).children()
                      if child.status() == psutil.STATUS_ZOMBIE]
        except psutil.Error:
            continue
    return found


def exited_or_zombie(pid: int) -> bool:
    """Whether ``pid`` has exited, reaped or not (an orphan waits for PID 1 to reap it)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def gone(pid: int) -> bool:
    """Whether ``pid`` has exited and been reaped (not a zombie)."""
    return not psutil.pid_exists(pid)


@pytest.fixture(scope="module")
def kernel_dirs(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kernels")
    write_kernelspec(folder, KERNEL, python=PYTHON)
    yield folder
    _stop_all()  # the module's parents; their kernels are each test's to end


class Kernels:
    """Starts kernels by the kernelspec's name, as a server does, and ends them all."""

    def __init__(self, kernel_dirs: Path):
        self.specs = KernelSpecManager(kernel_dirs=[str(kernel_dirs)])
        self.started: list[AsyncKernelManager] = []

    async def start(self, name: str = KERNEL, **options):
        km = AsyncKernelManager(kernel_name=name, kernel_spec_manager=self.specs, **options)
        self.started.append(km)
        await km.start_kernel()
        kc = km.client()
        kc.start_channels()
        await kc.wait_for_ready(timeout=120)
        return km, kc

    def end(self) -> None:
        for km in self.started:
            provisioner = km.provisioner
            if provisioner is None or not provisioner.pid:
                continue
            try:  # the pidfd, if still open, is surely this kernel; then its group
                if provisioner.pidfd is not None:
                    signal.pidfd_send_signal(provisioner.pidfd, signal.SIGKILL)
                os.killpg(provisioner.pid, signal.SIGKILL)
            except OSError:
                pass
            run(km.cleanup_resources(), timeout=30)


@pytest.fixture
def kernels(kernel_dirs):
    started = Kernels(kernel_dirs)
    yield started
    started.end()


async def output_of(kc, code: str) -> str:
    """What ``code`` prints when executed in the kernel; fails on an error reply."""
    printed: list[str] = []

    def hook(msg):
        if msg["msg_type"] == "stream":
            printed.append(msg["content"]["text"])
        elif msg["msg_type"] == "execute_result":
            printed.append(msg["content"]["data"]["text/plain"])

    reply = await kc.execute_interactive(code, timeout=60, output_hook=hook)
    assert reply["content"]["status"] == "ok", reply["content"]
    return "".join(printed).strip()


def test_the_kernelspec_names_the_provisioner(kernel_dirs):
    spec = KernelSpecManager(kernel_dirs=[str(kernel_dirs)]).get_kernel_spec(KERNEL)
    assert spec.metadata["kernel_provisioner"]["provisioner_name"] == PROVISIONER_NAME
    assert spec.argv[:3] == [PYTHON, "-m", "ipykernel_launcher"]  # the fallback's command
    assert json.loads((kernel_dirs / KERNEL / "kernel.json").read_text())["language"] == "python"


def test_a_forked_kernel_answers_and_executes(kernels):
    async def scenario():
        km, kc = await kernels.start()
        try:
            assert km.provisioner.forked
            info = await kc.kernel_info(reply=True, timeout=30)
            assert info["content"]["status"] == "ok"
            assert info["content"]["implementation"] == "ipython"
            assert await output_of(kc, "6 * 7") == "42"
            # ipywidgets, imported by the parent outside any kernel, has its comm targets: a
            # page fetches every widget's state at once through the control one
            targets = await output_of(kc, "import comm; print(sorted(comm.get_comm_manager()"
                                          ".targets))")
            assert "'jupyter.widget'" in targets and "'jupyter.widget.control'" in targets
            # the kernel's own view: its pid, its session, the connection file it was given
            pid, sid, connection_file = json.loads(await output_of(
                kc, "import os, json, ipykernel.kernelapp as k\n"
                    "print(json.dumps([os.getpid(), os.getsid(0),"
                    " k.IPKernelApp.instance().connection_file]))"))
            return km, pid, sid, connection_file
        finally:
            kc.stop_channels()

    km, pid, sid, connection_file = run(scenario())
    assert pid == km.provisioner.pid
    assert sid == pid  # a session of its own, as the usual launcher gives a kernel
    assert connection_file == km.connection_file
    assert psutil.Process(pid).ppid() == the_parent().pid  # forked, not spawned by the server


def test_a_forked_kernel_is_found_as_a_launched_one_is(kernels, tmp_path):
    """Its command line is the usual launcher's, connection file included (setproctitle), so
    the drivers' kernel_pid finds it; /proc's environment is untouched, so the run's mark (and
    a server's) still finds it; the warm parent is told apart from the kernels."""
    kernel_id = str(uuid.uuid4())  # a server names the file after the kernel's id
    connection_file = str(tmp_path / f"kernel-{kernel_id}.json")

    async def scenario():
        km, kc = await kernels.start(connection_file=connection_file)
        kc.stop_channels()
        return km

    km = run(scenario())
    pid, parent = km.provisioner.pid, the_parent().pid
    cmdline = " ".join(psutil.Process(pid).cmdline()).strip()
    assert cmdline == f"{PYTHON} -m ipykernel_launcher -f {connection_file}"
    under_us, parents = kernels_and_parents(os.getpid())
    assert kernel_with(under_us, kernel_id) == pid
    assert parents == [parent] and pid in under_us and parent not in under_us
    assert "forkkernel.parent" in psutil.Process(parent).cmdline()
    assert pid in {p.pid for p in marked(RUN_MARK, os.environ[RUN_MARK])}


def test_a_title_too_long_for_the_parents_command_line_keeps_the_file_name():
    argv = ["-f", "/a/very/long/runtime/folder/kernel-0123.json"]
    assert kernel_title(argv, 500) == f"{PYTHON} -m ipykernel_launcher -f {argv[1]}"
    assert kernel_title(argv, 40) == "ipykernel_launcher -f kernel-0123.json"


def test_the_parent_runs_one_thread_and_preloads_the_dashboards_imports(kernels):
    async def scenario():
        _km, kc = await kernels.start()
        kc.stop_channels()

    run(scenario())
    ping = the_parent().ping()
    assert ping["threads"] == 1  # nothing but the main thread before it forks
    assert ping["preloaded"] == [*DEFAULT_PRELOAD, "ipykernel.kernelapp"]
    assert ping["failed"] == {}


def test_two_forked_kernels_draw_different_random_numbers(kernels):
    async def scenario():
        draws = []
        for _ in range(2):
            _km, kc = await kernels.start()
            try:
                draws.append([float(x) for x in (await output_of(kc, DRAW)).split()])
            finally:
                kc.stop_channels()
        return draws

    first, second = run(scenario())
    for name, a, b in zip(("random", "numpy", "torch"), first, second, strict=True):
        assert a != b, f"two forked kernels drew the same {name} number {a}"


def test_poll_interrupt_restart_and_kill(kernels):
    async def scenario():
        km, kc = await kernels.start()
        try:
            assert await km.provisioner.poll() is None
            msg_id = kc.execute("import time; time.sleep(120)")
            while True:  # the kernel has started executing it
                msg = await kc.get_iopub_msg(timeout=60)
                if (msg["parent_header"].get("msg_id") == msg_id
                        and msg["msg_type"] == "execute_input"):
                    break
            await km.interrupt_kernel()
            reply = await kc.get_shell_msg(timeout=60)
            assert reply["parent_header"]["msg_id"] == msg_id
            assert reply["content"]["status"] == "error"
            assert reply["content"]["ename"] == "KeyboardInterrupt"
            assert await km.is_alive()
            assert await output_of(kc, "'still here'") == "'still here'"

            first = km.provisioner.pid
            await km.restart_kernel(now=True)
            assert km.provisioner.forked and km.provisioner.pid != first
            await kc.wait_for_ready(timeout=120)
            assert await output_of(kc, "1 + 1") == "2"

            second = km.provisioner.pid
            await km.provisioner.kill()
            code = await km.provisioner.wait()
            assert code == -signal.SIGKILL  # as the parent that reaped it saw it
            assert not await km.is_alive()
            return first, second
        finally:
            kc.stop_channels()

    first, second = run(scenario())
    wait_until(lambda: gone(first) and gone(second), 30, what="the old kernels reaped")
    assert zombies_under(the_parent().pid, os.getpid()) == []


def test_killing_a_kernel_leaves_the_parent_and_the_other_kernels(kernels):
    async def scenario():
        (km_a, kc_a), (_km_b, kc_b) = await kernels.start(), await kernels.start()
        try:
            parent = the_parent().pid
            os.kill(km_a.provisioner.pid, signal.SIGKILL)  # a crash, not a shutdown
            while await km_a.is_alive():
                await asyncio.sleep(0.1)
            assert await km_a.provisioner.poll() == -signal.SIGKILL
            assert await output_of(kc_b, "'b answers'") == "'b answers'"
            _km_c, kc_c = await kernels.start()
            kc_c.stop_channels()
            assert the_parent().pid == parent
            return km_a.provisioner.pid, parent
        finally:
            kc_a.stop_channels()
            kc_b.stop_channels()

    killed, parent = run(scenario())
    wait_until(lambda: gone(killed), 30, what="the killed kernel reaped")
    assert zombies_under(parent, os.getpid()) == []


def test_killing_the_parent_leaves_its_kernels_and_a_new_one_takes_over(kernels):
    async def scenario():
        km_a, kc_a = await kernels.start()
        try:
            old = the_parent().pid
            os.kill(old, signal.SIGKILL)
            wait_until(lambda: psutil.Process(km_a.provisioner.pid).ppid() != old, 30,
                       what="the orphaned kernel reparented")
            assert await km_a.is_alive()
            assert await output_of(kc_a, "'a answers'") == "'a answers'"
            km_b, kc_b = await kernels.start()
            kc_b.stop_channels()
            assert km_b.provisioner.forked
            new = the_parent().pid
            assert new != old
            assert psutil.Process(km_b.provisioner.pid).ppid() == new
            assert await output_of(kc_a, "'a still answers'") == "'a still answers'"
            return old
        finally:
            kc_a.stop_channels()

    old = run(scenario())
    assert gone(old)  # the server reaped the parent it had started
    assert zombies_under(os.getpid()) == []


def forks_leave_nothing_behind(kernels, n: int) -> None:
    """Start and shut down ``n`` forked kernels; the parent's fds and the server's pidfds, the
    connection files and the processes all end where they began."""
    parent = the_parent()

    async def scenario():
        km, kc = await kernels.start()  # the parent up, and one kernel's worth of warm-up
        kc.stop_channels()
        await km.shutdown_kernel(now=True)
        before = (len(os.listdir(f"/proc/{parent.pid}/fd")), pidfds())
        files = []
        for _ in range(n):
            km, kc = await kernels.start()
            files.append(km.connection_file)
            kc.stop_channels()
            await km.shutdown_kernel(now=True)
        return before, files

    before, files = run(scenario(), timeout=30 + 5 * n)
    kernels.started.clear()  # each shut down already
    after = (len(os.listdir(f"/proc/{parent.pid}/fd")), pidfds())
    assert after == before, f"(parent fds, server pidfds) went from {before} to {after}"
    assert [f for f in files if Path(f).exists()] == []
    wait_until(lambda: the_parent().ping()["children"] == [], 30,
               what="every forked kernel reaped")
    assert zombies_under(parent.pid, os.getpid()) == []


def test_fifty_forks_leak_no_fds_files_or_processes(kernels):
    forks_leave_nothing_behind(kernels, 50)


@pytest.mark.skipif(not os.environ.get("LSTM_SOAK"),
                    reason="a soak test of about 6 minutes: LSTM_SOAK=1 runs it")
@pytest.mark.timeout(3600)
def test_five_hundred_forks_leak_no_fds_files_or_processes(kernels):
    forks_leave_nothing_behind(kernels, 500)


def test_a_parent_that_cannot_start_falls_back_to_the_usual_launcher(kernels, kernel_dirs,
                                                                    tmp_path, monkeypatch,
                                                                    caplog):
    # a preloaded module that kills the parent while it imports: it never gets ready
    (tmp_path / "dies_on_import.py").write_text("import os\nos._exit(3)\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    write_kernelspec(kernel_dirs, "dies", python=PYTHON, preload=("dies_on_import",))

    async def scenario():
        km, kc = await kernels.start("dies")
        try:
            assert not km.provisioner.forked
            assert await output_of(kc, "6 * 7") == "42"
            return km.provisioner.pid
        finally:
            kc.stop_channels()

    with caplog.at_level(logging.WARNING):
        pid = run(scenario())
    assert "launched the usual way: the warm parent exited with 3" in caplog.text
    assert psutil.Process(pid).ppid() == os.getpid()  # spawned by the server itself
    # the next kernel does not wait for another parent to fail: it is launched at once
    caplog.clear()
    with caplog.at_level(logging.WARNING):
        second = run(scenario())
    assert warm_parent(PYTHON, ("dies_on_import",)).starts == 1
    assert re.search(r"launched the usual way: the warm parent exited with 3 when last "
                     r"started, \d+ s ago \(the next try in \d+ s\)", caplog.text)
    assert psutil.Process(second).ppid() == os.getpid()


def test_without_linux_the_package_imports_and_says_why():
    # no POSIX-only module (fcntl, resource) and no pidfd on the way in; the check names what
    # is missing, and on another OS the OS
    code = ("import os, sys\n"
            "sys.modules['fcntl'] = sys.modules['resource'] = None\n"
            "del os.pidfd_open\n"
            "import forkkernel.provisioner, forkkernel.client as c\n"
            "print(c.fork_supported())\n"
            "sys.platform = 'darwin'\n"
            "print(c.fork_supported())\n")
    out = subprocess.run([PYTHON, "-c", code], capture_output=True, text=True, timeout=120,
                         check=True).stdout
    assert out.splitlines() == ["this Python has no os.pidfd_open",
                                "forked kernels need Linux, not darwin"]


def test_an_edit_of_preloaded_code_reaches_the_next_kernel(kernels, kernel_dirs, tmp_path,
                                                           monkeypatch):
    """As with launched kernels, which import afresh: `make serve` while a developer edits
    widgets/. The parent that imported the old code is replaced before the next fork; the
    kernel forked before the edit keeps running."""
    module = tmp_path / "edited_lesson.py"
    module.write_text("VALUE = 1\n")
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))  # the parent's
    monkeypatch.syspath_prepend(str(tmp_path))  # the server's, which finds the files
    write_kernelspec(kernel_dirs, "edited", python=PYTHON, preload=("edited_lesson",))
    parent = warm_parent(PYTHON, ("edited_lesson",))
    read = "import sys; print(sys.modules['edited_lesson'].VALUE)"  # preloaded, not imported

    async def value():
        km, kc = await kernels.start("edited")
        try:
            assert km.provisioner.forked
            return await output_of(kc, read), km.provisioner.pid
        finally:
            kc.stop_channels()

    (before, first), old = run(value()), parent.pid
    assert before == "1" and parent.sources == [str(module)]
    run(value())  # nothing edited: the same parent forks again
    assert parent.pid == old
    module.write_text("VALUE = 2\n")
    os.utime(module, ns=(parent.imported + 10**9, parent.imported + 10**9))  # a later mtime
    after, _ = run(value())
    assert after == "2" and parent.pid != old
    assert psutil.Process(first).is_running()  # the kernel forked before the edit lives on


def test_a_kernel_is_polled_when_the_server_holds_over_a_thousand_fds(kernels):
    """A server with a hundred kernels holds more than 1,024 fds (ZeroMQ sockets, pidfds):
    ``select`` refused the pidfds numbered past it, and every poll of those kernels failed
    (found by ``make loadtest N=100``). Here the kernel's pidfd is moved past 1,024."""
    import fcntl

    async def scenario():
        km, kc = await kernels.start()
        kc.stop_channels()
        provisioner = km.provisioner
        high = fcntl.fcntl(provisioner.pidfd, fcntl.F_DUPFD_CLOEXEC, 1500)
        os.close(provisioner.pidfd)
        provisioner.pidfd = high
        assert await provisioner.poll() is None
        assert await km.is_alive()
        await provisioner.kill()
        return await provisioner.wait()

    assert run(scenario()) == -signal.SIGKILL


def test_a_parent_whose_server_is_gone_before_it_starts_exits_at_once(tmp_path):
    """It watches its server from its first moment: a pid that is not its parent's (the server
    exited and the number went to another process, as pids wrap) is not watched, and the
    parent does not import or listen."""
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        began = time.monotonic()
        done = subprocess.run(
            [PYTHON, "-m", "forkkernel.parent", "--socket", str(tmp_path / "p.sock"),
             "--server-pid", str(other.pid), "--preload", "torch"],
            capture_output=True, text=True, timeout=60)
        assert done.returncode == 0
        assert f"the server {other.pid} is gone before the parent started" in done.stderr
        assert "preloaded" not in done.stderr and not (tmp_path / "p.sock").exists()
        assert time.monotonic() - began < 30 and other.poll() is None  # torch never imported
    finally:
        other.kill()
        other.wait()


def test_a_parent_whose_server_exits_while_it_imports_stops_importing(tmp_path):
    """A server stopped while its parent imports (seconds on a busy machine) does not leave
    the parent importing on: it looks before each module (four here, two seconds each)."""
    for name in "abcd":
        (tmp_path / f"slow_{name}.py").write_text("import time\ntime.sleep(2)\n")
    server = tmp_path / "server.py"
    server.write_text(
        "import os, subprocess, sys, time\n"
        f"p = subprocess.Popen([{PYTHON!r}, '-m', 'forkkernel.parent', '--socket', "
        f"{str(tmp_path / 'p.sock')!r}, '--server-pid', str(os.getpid()), '--preload', "
        "'slow_a,slow_b,slow_c,slow_d'], stderr=open(sys.argv[1], 'w'))\n"
        "print(p.pid, flush=True)\n"
        "time.sleep(1)\n")  # and exits while the parent imports slow_a
    log = tmp_path / "parent.log"
    done = subprocess.run([sys.executable, str(server), str(log)], capture_output=True,
                          text=True, timeout=60, check=True,
                          env={**os.environ, "PYTHONPATH": f"{tmp_path}:{Path.cwd()}"})
    parent = int(done.stdout.split()[0])
    exited = time.monotonic()
    wait_until(lambda: exited_or_zombie(parent), 30, what="the parent exiting")
    assert time.monotonic() - exited < 6  # after slow_a or slow_b: all four would be 7 s
    text = log.read_text()
    assert "exited while the parent imported; so does the parent" in text, text
    assert "preloaded in" not in text and not (tmp_path / "p.sock").exists()
