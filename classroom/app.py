"""Voila for a classroom: a seat check in front of every dashboard, a token, and the student URL.

``python -m classroom dashboards/ [voila options] [--max_kernels=30]`` is Voila 0.5 with three
changes, each small:

- its settings come from ``voila.json`` and then ``classroom/voila-classroom.json`` (preheated
  pool for the explorer, lesson-length culling, the seat-counting kernel manager); the command
  line still wins;
- the notebook page handler reserves a seat before Voila starts a kernel or takes one from the
  pool, and answers "The class is full" (HTTP 503) when there is none;
- a token is generated unless one is given, and the full address for students is printed;
- the teacher's page (``classroom.teacher``: the class's answers, live) at ``teacher``, behind
  a teacher's token of its own (``--teacher_token``, ``$LSTM_TEACHER_TOKEN``, or generated),
  whose address is printed beside the students';
- on Linux its kernels are forked from a warm parent that has imported torch and the widgets
  once (``forkkernel``, docs/fork-kernels.md): the provisioner every kernelspec without one of
  its own gets, on this server only; ``--fork_kernels=False`` launches them the usual way.
"""

from __future__ import annotations

import os
import socket
import sys
from pathlib import Path
from typing import ClassVar
from urllib.parse import quote

import tornado.ioloop
import tornado.web
from traitlets import Bool, Unicode, default
from voila.app import Voila
from voila.tornado.handler import TornadoVoilaHandler

from forkkernel import DEFAULT_PRELOAD, PROVISIONER_NAME
from forkkernel.client import ForkUnavailableError, fork_supported, warm_parent

from .seats import ClassroomKernelManager
from .teacher import TeacherDesk, make_token, teacher_handlers

__all__ = ["ClassroomVoila", "ClassroomVoilaHandler", "class_full_page"]

HERE = Path(__file__).resolve().parent
RETRY_AFTER_S = 60


def class_full_page(max_kernels: int) -> str:
    """The page a student over the cap sees; it tries again by itself every minute."""
    open_now = "1 dashboard is" if max_kernels == 1 else f"{max_kernels} dashboards are"
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="refresh" content="{RETRY_AFTER_S}">
<title>The class is full</title>
<style>
  body {{ font-family: system-ui, sans-serif; max-width: 36em; margin: 4em auto;
         padding: 0 1em; line-height: 1.5; color: #222; }}
  h1 {{ font-size: 1.6em; }}
</style>
</head>
<body class="class-full">
<h1>The class is full</h1>
<p>The class is full: {open_now} open on this server, the most it runs at once.</p>
<p>Ask your teacher, or try again in a minute: this page tries again by itself every
minute.</p>
<p><a href="">Try again now</a></p>
</body>
</html>
"""


class ClassroomVoilaHandler(TornadoVoilaHandler):
    """Voila's notebook page, behind a seat check."""

    @tornado.web.authenticated
    async def get(self, path=None):
        seats: ClassroomKernelManager = self.kernel_manager
        if not seats.reserve_seat():
            self.log.warning("The class is full (%d dashboards): a page request was turned "
                             "away", seats.max_kernels)
            self.set_status(503)
            self.set_header("Retry-After", str(RETRY_AFTER_S))
            self.set_header("Cache-Control", "no-store")
            self.finish(class_full_page(seats.max_kernels))
            return
        reserved = True
        try:
            # Voila gets the kernel (started, or taken from the pool) before the first snippet
            async for snippet in self.get_generator(path=path):
                if reserved:  # the page has its kernel now, and that kernel counts itself
                    seats.release_reservation()
                    reserved = False
                self.write(snippet)
                self.flush()
        finally:
            if reserved:
                seats.release_reservation()


def answers_place() -> str:
    """Where the kernels' answer stores write, in words (a PostgreSQL password hidden)."""
    url = os.environ.get("LSTM_ANSWERS_URL")
    if url:
        from sqlalchemy.engine import make_url

        return make_url(url).render_as_string(hide_password=True)
    from widgets.store.answer_db import default_path

    return str(default_path())


def _reachable_host(ip: str) -> str:
    """The address students type: this machine's LAN address when listening on all."""
    if ip not in ("", "0.0.0.0", "::"):
        return ip
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # no packet is sent: this only picks the interface
            return s.getsockname()[0]
    except OSError:
        return socket.gethostname()


class ClassroomVoila(Voila):
    """Voila with a seat check, classroom settings and a printed student address."""

    description = Unicode("python -m classroom [OPTIONS] DIRECTORY\n\n"
                          "Voila for a classroom: a kernel cap, a token, a preheated pool.")
    aliases: ClassVar[dict] = {**Voila.aliases,
                               "max_kernels": "ClassroomKernelManager.max_kernels",
                               "teacher_token": "ClassroomVoila.teacher_token",
                               "fork_kernels": "ClassroomVoila.fork_kernels"}
    classes: ClassVar[list] = [*Voila.classes, ClassroomKernelManager]

    student_notebook = Unicode(
        "3_lstm_explorer.ipynb", config=True,
        help="The dashboard whose address is printed for students (relative to the served "
             "directory).",
    )

    teacher_token = Unicode(
        config=True,
        help="The token of the teacher's page (the class's answers); never the students'. "
             "Default: $LSTM_TEACHER_TOKEN, else one made up at each start.",
    )

    fork_kernels = Bool(
        True, config=True,
        help="Fork the kernels from a warm parent that has imported torch, ipywidgets, bqplot "
             "and the widgets once (Linux; elsewhere, or if the parent cannot start, they are "
             "launched the usual way and the log says why). False: always the usual way.",
    )

    @default("teacher_token")
    def _teacher_token_default(self):
        return os.environ.get("LSTM_TEACHER_TOKEN") or make_token()

    @default("auto_token")
    def _auto_token_default(self):
        return True  # a classroom server listens on the network: never without a token

    @default("open_browser")
    def _open_browser_default(self):
        return False  # the server is often a machine nobody sits at

    def load_config_file(self, filename, path=None):
        super().load_config_file(filename, path=path)
        if filename == "voila":  # over voila.json, under the command line
            super().load_config_file("voila-classroom", path=str(HERE))

    forking: bool | None = None  # whether its kernels are forked; None: not chosen yet

    def choose_kernel_launcher(self) -> bool:
        """Make forked kernels this server's default where they can work; whether it did.

        Through ``KernelProvisionerFactory.default_provisioner_name``, which every kernelspec
        without a provisioner of its own gets (``python3`` has none): the notebooks, their
        kernelspec and the pages stay as they are, and only this server forks.
        """
        if self.forking is not None:
            return self.forking  # chosen already (start, then init_settings)
        self.forking = False
        if not self.fork_kernels:
            self.log.info("Kernels are launched the usual way (--fork_kernels=False).")
            return False
        reason = fork_supported()
        if reason:
            self.log.warning("Kernels are launched the usual way: %s.", reason)
            return False
        self.config.KernelProvisionerFactory.default_provisioner_name = PROVISIONER_NAME
        self.forking = True
        self.log.info("Kernels are forked from a warm parent that imports torch and the "
                      "widgets once (--fork_kernels=False launches them the usual way).")
        return True

    def init_settings(self):
        self.choose_kernel_launcher()  # before the first kernel asks the provisioner factory
        manager = self.voila_configuration.multi_kernel_manager_class
        if not issubclass(manager, ClassroomKernelManager):
            raise ValueError(f"VoilaConfiguration.multi_kernel_manager_class is {manager}; "
                             "the classroom needs classroom.seats.ClassroomKernelManager "
                             "or a subclass, which counts the seats.")
        return super().init_settings()

    def init_handlers(self):
        class_token = self.identity_provider.token
        if class_token and self.teacher_token == class_token:
            raise ValueError("The teacher's token is the students' class token: give the "
                             "teacher's page a token of its own (--teacher_token), or none "
                             "to have one made up.")
        self.teacher_desk = TeacherDesk(self.teacher_token)
        voila = [(route[0], ClassroomVoilaHandler, *route[2:])
                 if route[1] is TornadoVoilaHandler else route
                 for route in super().init_handlers()]
        return teacher_handlers(self.base_url.rstrip("/") + "/teacher",
                                self.teacher_desk) + voila

    def _address(self) -> str:
        if self.custom_display_url:
            return self.custom_display_url.rstrip("/") + "/"
        return f"http://{_reachable_host(self.ip)}:{self.port}{self.base_url}"

    def teacher_url(self) -> str:
        return f"{self._address()}teacher?token={quote(self.teacher_token)}"

    def student_url(self) -> str:
        url = self._address()
        if not self.notebook_path and os.path.isfile(os.path.join(self.root_dir,
                                                                  self.student_notebook)):
            url += "voila/render/" + quote(self.student_notebook)
        token = self.identity_provider.token
        return url + (f"?token={quote(token)}" if token else "")

    def _announce(self) -> None:
        cap = self.kernel_manager.max_kernels
        pool = self.kernel_manager.pool_size  # the pool as the seats allow, not as configured
        print(f"\nClassroom: at most {cap or 'any number of'} dashboards at once, {pool} kernel(s) "
              f"kept warm, idle kernels of lost tabs culled after "
              f"{self.kernel_manager.cull_idle_timeout} s.\nStudents open:\n\n    "
              f"{self.student_url()}\n\nThe teacher's page (the class's answers, live; keep "
              f"this address to yourself):\n\n    {self.teacher_url()}\n\nAnswers are kept "
              f"in {answers_place()}.\n", flush=True)

    def start_the_warm_parent(self) -> None:
        """Start the warm parent before the server listens, not with the first student: the
        one the kernels of the notebooks' kernelspec (``python3``, its ``python`` this
        interpreter) get. So the pool's first kernel starts at once, as a launched one does,
        and a student arriving in the server's first seconds finds the pool ready to hand out
        (Voila starts a kernel of its own for a page that comes before the pool has read its
        notebook). If it cannot start, the log says so once here, and each kernel falls back.
        """
        parent = warm_parent(sys.executable, DEFAULT_PRELOAD)
        try:
            ping = parent.ping()  # 1 to 3 s of imports
        except ForkUnavailableError as error:
            self.log.warning("The warm parent could not start (%s): kernels are launched the "
                             "usual way until it can.", error)
        else:
            self.log.info("The warm parent %d is ready to fork kernels (%s).", ping["pid"],
                          ", ".join(ping["preloaded"]))

    def start(self):
        # runs once the loop is going, when the port is known
        tornado.ioloop.IOLoop.current().add_callback(self._announce)
        if self.choose_kernel_launcher():
            self.start_the_warm_parent()
        super().start()

