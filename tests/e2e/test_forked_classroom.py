"""The classroom's forked kernels (forkkernel/) when things go wrong, over the real websocket.

A classroom server as ``make classroom`` starts it on Linux, with culling after a few seconds
of a tab's silence. One student's kernel crashes: the warm parent and the other students carry
on, and the next student still gets a fork. One student vanishes (socket closed, no unload
beacon): culling ends the kernel, the parent reaps it, and its memory is given back.
"""

from __future__ import annotations

import os
import secrets
import signal

import psutil
import pytest

from driver.kernel_client import KernelClient
from driver.processes import family, kernel_memory
from driver.wait import wait_until
from forkkernel.client import fork_supported

from .conftest import ROOT, VoilaServer, assert_forked
from .test_robustness import _assert_alive_and_usable

pytestmark = [pytest.mark.e2e,
              pytest.mark.skipif(fork_supported() is not None,
                                 reason=f"forked kernels: {fork_supported()}")]
EXPLORER = "3_lstm_explorer.ipynb"
CULL_S = 6


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    server = VoilaServer(ROOT, tmp_path_factory.mktemp("forked") / "classroom.log",
                         module="classroom", token=secrets.token_hex(12),
                         extra_args=["--max_kernels=6", "--pool_size=0",
                                     f"--MappingKernelManager.cull_idle_timeout={CULL_S}",
                                     "--MappingKernelManager.cull_interval=1"])
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _student(server: VoilaServer) -> KernelClient:
    client = KernelClient(server.url, EXPLORER, token=server.token)
    client.load_widgets()
    assert_forked(server, client.kernel_id)
    return client


def _reaped(pid: int) -> bool:
    """Gone, and not a zombie waiting for its parent."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_DEAD
    except psutil.NoSuchProcess:
        return True


def _restarted(server: VoilaServer, kernel_id: str, old_pid: int) -> bool:
    try:
        return server.kernel_pid(kernel_id) != old_pid
    except LookupError:
        return False


def test_a_crashed_kernel_leaves_the_parent_and_the_other_students(classroom):
    with _student(classroom) as a, _student(classroom) as b:
        (parent,) = classroom.warm_parent_pids()
        # started with the server, not with the first student
        assert f"The warm parent {parent} is ready to fork kernels" in classroom.log(50_000)
        crashed = classroom.kernel_pid(a.kernel_id)
        os.kill(crashed, signal.SIGKILL)  # a segfault, an out-of-memory kill
        wait_until(lambda: _reaped(crashed), 30, what="the crashed kernel reaped")
        _assert_alive_and_usable(b, "ctl-hidden_size")  # the neighbour did not notice
        # the server's restarter gives the crashed page a new kernel, as for a launched one
        # (the page then asks the student to reload)
        wait_until(lambda: _restarted(classroom, a.kernel_id, crashed), 60,
                   what="the crashed kernel restarted", details=classroom.log)
        assert_forked(classroom, a.kernel_id)
        with KernelClient(classroom.url, kernel_id=a.kernel_id, token=classroom.token) as again:
            assert again.request("kernel_info_request", {})["content"]["status"] == "ok"
        assert "Traceback" not in classroom.log(50_000)
        assert classroom.warm_parent_pids() == [parent]
        with _student(classroom) as c:  # the next student: a fork of the same parent
            assert psutil.Process(classroom.kernel_pid(c.kernel_id)).ppid() == parent
            _assert_alive_and_usable(c, "ctl-seq_len")
        assert [p.pid for p in psutil.Process(parent).children()
                if p.status() == psutil.STATUS_ZOMBIE] == []
    assert classroom.proc.poll() is None


def test_culling_ends_a_vanished_students_kernel_and_frees_its_memory(classroom):
    # the last test's kernels culled first: only this test's may change the memory below
    wait_until(lambda: classroom.kernel_pids() == [], CULL_S + 60, every=1,
               what="the earlier students' kernels culled")
    with _student(classroom) as stays:
        gone = _student(classroom)
        pid = classroom.kernel_pid(gone.kernel_id)
        (parent,) = classroom.warm_parent_pids()
        own = psutil.Process(pid).memory_full_info().uss / 2**20  # its private pages
        _, before = kernel_memory(family(classroom.proc.pid))
        gone.close()  # the lid shut: socket closed, no beacon
        wait_until(lambda: not classroom.kernel_alive(gone.kernel_id), CULL_S + 60, every=1,
                   what="the vanished student's kernel culled")
        wait_until(lambda: _reaped(pid), 30, what="the culled kernel reaped")
        assert pid not in [p.pid for p in psutil.Process(parent).children()]
        # PSS sums to the memory the processes use: the culled kernel's own pages are gone,
        # its share of the parent's passes to the others
        _, after = kernel_memory(family(classroom.proc.pid))
        assert before - after > own / 2, (before, after, own)
        culled = f"Culling 'idle' kernel 'python3' ({gone.kernel_id})"
        assert culled in classroom.log_path.read_text()
        _assert_alive_and_usable(stays, "ctl-hidden_size")  # connected: not culled
