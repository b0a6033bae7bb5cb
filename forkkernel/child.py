"""What a forked child does to become a kernel of its own.

After ``os.fork()`` the child is a copy of the warm parent: its signal handlers, its blocked
signals, its sockets, its environment, its random generators. ``become_kernel`` undoes each:

- a session and process group of its own (``setsid``), as the usual launcher gives a kernel,
  so an interrupt or a kill reaches the kernel and whatever it started, and nothing else;
- the command line the usual launcher would have given it (``setproctitle``), so ``ps``, an
  operator and the test drivers see a kernel and its connection file, not the warm parent;
- the default signal handlers and an empty signal mask, SIGINT ignored as ipykernel ignores it
  (it handles an interrupt only while it executes);
- the parent's listening socket, its selector and the request's connection closed (through
  their objects, so no stale object closes a number the kernel has reused since);
- the environment, working folder and arguments the server asked for;
- every random generator re-seeded from the OS (Python's, numpy's, torch's), so no two
  students draw the same numbers;
- what the preloaded modules do at import only inside a kernel (ipywidgets' comm targets),
  done once the kernel exists;
- a watch on the server: the kernel exits when the server does, as ipykernel's parent poller
  makes a launched kernel do. It watches the server, not the warm parent, so a parent that dies
  leaves its kernels running.

Then it runs ipykernel's ``IPKernelApp`` on the connection file the server wrote, runs the
exit handlers a kernel runs, and leaves with ``os._exit``: it must never return into the
parent's loop.
"""

from __future__ import annotations

import atexit
import os
import random
import signal
import sys
import threading
import traceback

from forkkernel.wire import readable

__all__ = ["become_kernel", "kernel_title", "reseed"]

RESET_SIGNALS = (signal.SIGCHLD, signal.SIGTERM, signal.SIGHUP, signal.SIGPIPE, signal.SIGQUIT)


def reseed() -> None:
    """Fresh OS entropy for every random generator this process has imported."""
    random.seed()
    numpy = sys.modules.get("numpy")
    if numpy is not None:
        numpy.random.seed()  # the legacy global generator; default_rng() draws fresh anyway
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.seed()


def kernel_title(argv: list[str], room: int) -> str:
    """The usual launcher's command line for ipykernel arguments ``argv``, in ``room`` bytes.

    ``python -m ipykernel_launcher -f /path/kernel-ID.json``, as ``ps`` shows a launched kernel;
    where that is longer than the warm parent's command line (all a title may take without
    overwriting the environment /proc shows), the files' names without their folders.
    """
    title = " ".join([sys.executable, "-m", "ipykernel_launcher", *argv])
    if len(title.encode()) <= room:
        return title
    return " ".join(["ipykernel_launcher", *(os.path.basename(arg) for arg in argv)])[:room]


def name_the_process(argv: list[str]) -> None:
    """Take the usual launcher's command line (before the environment is replaced: the
    parent's ``SPT_NOENV`` keeps /proc/PID/environ, and so the server's mark, intact)."""
    try:
        from setproctitle import setproctitle
    except ImportError:
        print("forkkernel: setproctitle is not installed; this kernel keeps the warm parent's "
              "command line", file=sys.__stderr__)
        return
    with open("/proc/self/cmdline", "rb") as cmdline:
        room = len(cmdline.read()) - 1
    setproctitle(kernel_title(argv, room))


def register_comm_targets() -> None:
    """What a preloaded module does at import when it finds a kernel, done now there is one.

    ipywidgets registers its comm targets (``jupyter.widget``, and ``jupyter.widget.control``,
    through which a page fetches every widget's state at once) at import, and only inside
    IPython: the warm parent imported it with no kernel around, so the kernel must do it.
    """
    ipywidgets = sys.modules.get("ipywidgets")
    if ipywidgets is not None:
        ipywidgets.register_comm_target()


def watch_server(server_pidfd: int) -> None:
    """Exit when the server behind ``server_pidfd`` does (a daemon thread of the kernel)."""

    def wait() -> None:
        readable(server_pidfd, None)
        print("forkkernel: the server has exited, so does this kernel", file=sys.__stderr__)
        os._exit(1)

    threading.Thread(target=wait, name="forkkernel-server-watch", daemon=True).start()


def become_kernel(request: dict, *, closing: list, server_pidfd: int) -> None:
    """Turn this freshly forked child into the kernel ``request`` asks for; never returns."""
    code = 1
    try:
        for signum in RESET_SIGNALS:
            signal.signal(signum, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # as ipykernel sets it: early ^C is harmless
        signal.pthread_sigmask(signal.SIG_SETMASK, set())
        os.setsid()
        for thing in closing:
            thing.close()
        argv = [str(arg) for arg in request.get("argv", [])]
        name_the_process(argv)
        os.environ.clear()
        os.environ.update(request.get("env") or {})
        if request.get("cwd"):
            os.chdir(request["cwd"])
        reseed()
        watch_server(server_pidfd)
        sys.argv = ["ipykernel_launcher", *argv]

        from ipykernel.kernelapp import IPKernelApp

        # parent_handle 1: ipykernel polls no parent (the watch above follows the server)
        app = IPKernelApp.instance(parent_handle=1)
        app.initialize(argv)
        register_comm_targets()
        app.start()
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:
        traceback.print_exc()
    finally:
        try:
            atexit._run_exitfuncs()  # what an exiting kernel runs (IPython saves its history)
            sys.stdout.flush()
            sys.stderr.flush()
        finally:
            os._exit(code)
