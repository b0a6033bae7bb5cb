"""The classroom server's settings and seat arithmetic, without starting a kernel.

The app is initialised as ``make classroom`` would run it (config files and all), and its
kernel manager built; Voila's pool tasks are cancelled before they start a kernel. The server
itself, with kernels and Chromium, is in tests/e2e/test_classroom.py and tests/test_loadtest.py.
"""

import asyncio

import pytest

from classroom import ClassroomKernelManager, ClassroomVoila, class_full_page
from classroom.teacher import TeacherDesk
from driver.kernel_session import run
from driver.servers import ROOT
from forkkernel.client import fork_supported

CLASS = "class-token-the-students-have"


def _classroom(*args: str) -> ClassroomVoila:
    app = ClassroomVoila()
    app.initialize([str(ROOT / "dashboards"), "--port=8999", *args])
    return app


def _kernel_manager(*args: str):
    """The app and its kernel manager; Voila's pool tasks cancelled before any kernel starts."""
    app = _classroom(*args)  # in the main thread: Voila sets a signal handler

    async def build():
        app.init_settings()  # Voila's pool schedules its kernels on the running loop
        tasks = [t for pool in app.kernel_manager._pools.values() for t in pool]
        for task in tasks:
            # not yet started: close the kernel start it wraps (voila's wait_before(delay, aw))
            task.get_coro().cr_frame.f_locals["aw"].close()
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    run(build())
    return app, app.kernel_manager


def test_only_the_explorer_is_preheated_and_the_pool_fits_the_seats():
    _, km = _kernel_manager("--max_kernels=3", "--pool_size=5")
    assert {name: len(pool) for name, pool in km._pools.items()} == {"3_lstm_explorer.ipynb": 3}
    assert km.kernel_pools_config["default"]["pool_size"] == 3


def test_the_classroom_settings_apply_over_voila_json():
    app, km = _kernel_manager()
    assert isinstance(km, ClassroomKernelManager)
    assert km.max_kernels == 30 and km.warm_at_once == 1
    assert km.cull_idle_timeout == 300 and km.cull_connected is False
    assert app.voila_configuration.preheat_kernel is True
    assert app.voila_configuration.show_tracebacks is False  # from voila.json
    token = app.identity_provider.token
    assert len(token) >= 32, "a classroom server must not run without a token"
    assert app.student_url().endswith(f":8999/voila/render/3_lstm_explorer.ipynb?token={token}")


def test_the_default_classroom_warms_a_kernel_for_every_seat(capsys):
    """What `make classroom` promises (30 seats, 30 warm), read off the pool Voila schedules."""
    app, km = _kernel_manager()
    assert km.max_kernels == 30
    assert {name: len(pool) for name, pool in km._pools.items()} == {"3_lstm_explorer.ipynb": 30}
    assert km.pool_size == 30
    app._announce()
    assert "at most 30 dashboards at once, 30 kernel(s) kept warm" in capsys.readouterr().out


def test_the_command_line_wins():
    app, km = _kernel_manager("--max_kernels=7", "--token=lesson-4b",
                              "--MappingKernelManager.cull_idle_timeout=60")
    assert km.max_kernels == 7 and km.cull_idle_timeout == 60
    assert app.student_url().endswith("?token=lesson-4b")


def test_a_kernel_manager_that_cannot_count_seats_is_refused():
    app = _classroom("--VoilaConfiguration.multi_kernel_manager_class="
                     "jupyter_server.services.kernels.kernelmanager.AsyncMappingKernelManager")
    with pytest.raises(ValueError, match="ClassroomKernelManager"):
        app.init_settings()


def test_seats_are_reserved_until_the_class_is_full():
    km = ClassroomKernelManager(max_kernels=2)
    assert km.reserve_seat() and km.reserve_seat()
    assert km.seats_taken() == 2
    assert not km.reserve_seat(), "a third student got in with two seats"
    km.release_reservation()
    assert km.reserve_seat()
    assert ClassroomKernelManager(max_kernels=0).reserve_seat(), "0 means no cap"


def test_the_full_page_says_what_to_do():
    page = class_full_page(30)
    assert "The class is full: 30 dashboards are open on this server" in page
    assert "Ask your teacher, or try again in a minute" in page
    assert 'http-equiv="refresh" content="60"' in page
    assert "1 dashboard is open" in class_full_page(1)


def test_the_classroom_prints_the_teachers_address_with_a_token_of_its_own(capsys,
                                                                           monkeypatch):
    monkeypatch.delenv("LSTM_TEACHER_TOKEN", raising=False)
    monkeypatch.delenv("LSTM_ANSWERS_URL", raising=False)
    monkeypatch.setenv("LSTM_ANSWERS_DB", "/srv/class/answers.sqlite3")
    app, _ = _kernel_manager(f"--token={CLASS}")
    assert len(app.teacher_token) >= 32 and app.teacher_token != CLASS
    routes = [route[0] for route in app.init_handlers()]
    assert "/teacher" in routes and "/teacher/class.json" in routes
    app._announce()
    out = capsys.readouterr().out
    assert f":8999/voila/render/3_lstm_explorer.ipynb?token={CLASS}" in out
    assert f":8999/teacher?token={app.teacher_token}" in out
    assert "Answers are kept in /srv/class/answers.sqlite3." in out
    monkeypatch.setenv("LSTM_ANSWERS_URL", "postgresql+psycopg://course:s3cret@db/answers")
    app._announce()
    assert "postgresql+psycopg://course:***@db/answers" in capsys.readouterr().out


def test_the_teachers_token_may_not_be_the_class_token(monkeypatch):
    monkeypatch.setenv("LSTM_TEACHER_TOKEN", CLASS)
    app, _ = _kernel_manager(f"--token={CLASS}")
    assert app.teacher_token == CLASS
    with pytest.raises(ValueError, match="a token of its own"):
        app.init_handlers()
    app = _classroom("--teacher_token=mine-alone")
    assert app.teacher_url().endswith("/teacher?token=mine-alone")
    with pytest.raises(ValueError, match="token of its own"):
        TeacherDesk("")


# --- forked kernels (forkkernel/): this server's default where they work ---------------------

def _provisioner_for_python3(app) -> str:
    """The provisioner a kernel of the notebooks' kernelspec (``python3``) gets on ``app``."""
    from jupyter_client.provisioning import KernelProvisionerFactory

    spec = app.kernel_spec_manager.get_kernel_spec("python3")
    assert "kernel_provisioner" not in spec.metadata  # so the server's default applies
    # a factory made as the kernel manager's own is, not the process-wide singleton
    return KernelProvisionerFactory(parent=app.kernel_manager).default_provisioner_name


def _said(capsys) -> str:
    """What the app logged (its handler writes to stderr)."""
    return capsys.readouterr().err


@pytest.mark.skipif(fork_supported() is not None, reason=f"{fork_supported()}")
def test_the_classroom_forks_its_kernels_by_default(capsys):
    app, _ = _kernel_manager()
    assert app.fork_kernels is True
    assert _provisioner_for_python3(app) == "fork-provisioner"
    assert "Kernels are forked from a warm parent" in _said(capsys)


def test_the_off_switch_launches_kernels_the_usual_way(capsys):
    app, _ = _kernel_manager("--fork_kernels=False")
    assert _provisioner_for_python3(app) == "local-provisioner"
    assert "Kernels are launched the usual way (--fork_kernels=False)." in _said(capsys)


def test_off_linux_the_classroom_says_why_and_launches_the_usual_way(monkeypatch, capsys):
    import classroom.app

    monkeypatch.setattr(classroom.app, "fork_supported",
                        lambda: "forked kernels need Linux, not darwin")
    app, _ = _kernel_manager()
    assert _provisioner_for_python3(app) == "local-provisioner"
    assert ("Kernels are launched the usual way: forked kernels need Linux, not darwin."
            in _said(capsys))
