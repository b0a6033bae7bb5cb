"""``ForkProvisioner``: jupyter_client's local provisioner, but the kernel is forked, not spawned.

Everything before the launch is the ``LocalProvisioner``'s: the kernel manager picks the ports
and the key and writes the connection file, and the kernelspec's command is formatted as usual.
Then, instead of ``Popen(cmd)``, the warm parent (``forkkernel.client``) forks a child that runs
ipykernel on that connection file. The kernel is the parent's child, not the server's, so it is
followed through a pidfd: polled by whether the pidfd is readable, signalled by
``pidfd_send_signal`` (then its process group, as the local provisioner signals the group), its
exit code asked of the parent that reaped it.

When forking cannot work (not Linux, a kernelspec whose command is not ipykernel's launcher, a
parent that will not start) the kernel is launched exactly as ``LocalProvisioner`` does, and
the server's log says why.

Named ``fork-provisioner`` (the ``jupyter_client.kernel_provisioners`` entry point); a
kernelspec picks it with ``"metadata": {"kernel_provisioner": {"provisioner_name":
"fork-provisioner", "config": {"preload": [...]}}}`` (``forkkernel.kernelspec``).
"""

from __future__ import annotations

import asyncio
import os
import signal
from typing import Any

from jupyter_client.connect import KernelConnectionInfo
from jupyter_client.provisioning import LocalProvisioner
from traitlets import List, Unicode

from forkkernel import DEFAULT_PRELOAD
from forkkernel.client import ForkUnavailableError, WarmParent, fork_supported, warm_parent
from forkkernel.wire import readable

__all__ = ["ForkProvisioner", "kernel_arguments"]

LAUNCHERS = ("ipykernel_launcher", "ipykernel")


def kernel_arguments(cmd: list[str]) -> list[str] | None:
    """ipykernel's arguments in ``cmd`` (``python -m ipykernel_launcher ARGS``), else None."""
    if len(cmd) >= 3 and cmd[1] == "-m" and cmd[2] in LAUNCHERS:
        return list(cmd[3:])
    return None


class ForkProvisioner(LocalProvisioner):
    """Starts each kernel as a fork of a warm parent that has imported the heavy modules.

    Traits
    ------
    preload : list of str
        Modules the warm parent imports before it forks (default: numpy, torch, ipywidgets,
        bqplot and this project's ``widgets``). A kernelspec's provisioner ``config`` sets it.
    """

    preload = List(Unicode(), default_value=list(DEFAULT_PRELOAD), config=True,
                   help="Modules the warm parent imports before forking kernels.")

    forked = False  # True while the kernel is a fork, False when launched the usual way
    pidfd: int | None = None
    exit_code: int | None = None
    forked_by: WarmParent | None = None  # its warm parent, which knows its exit code

    @property
    def has_process(self) -> bool:
        return self.pidfd is not None if self.forked else super().has_process

    async def launch_kernel(self, cmd: list[str], **kwargs: Any) -> KernelConnectionInfo:
        argv = kernel_arguments(cmd)
        reason = fork_supported() or (None if argv is not None else
                                      f"the kernel command is not ipykernel's: {cmd[:3]}")
        if reason is None:
            parent = warm_parent(cmd[0], tuple(self.preload))
            try:
                pid, pidfd = await asyncio.to_thread(parent.fork, argv, kwargs.get("env") or {},
                                                     kwargs.get("cwd"))
            except ForkUnavailableError as error:
                reason = str(error)
            else:
                self.forked, self.pid, self.pgid, self.pidfd = True, pid, pid, pidfd
                self.forked_by = parent
                self.exit_code = None
                self.cwd = kwargs.get("cwd") or os.getcwd()
                self.log.info("Kernel %s forked from the warm parent %s as %d",
                              self.kernel_id, parent.pid, pid)
                return self.connection_info
        self.log.warning("Kernel %s launched the usual way: %s", self.kernel_id, reason)
        self.forked = False
        return await super().launch_kernel(cmd, **kwargs)

    async def poll(self) -> int | None:
        if not self.forked:
            return await super().poll()
        if self.pidfd is None:
            return self.exit_code if self.exit_code is not None else 0
        if not readable(self.pidfd, 0):  # a pidfd is readable once its process has exited
            return None
        if self.exit_code is None:
            status = None
            if self.forked_by is not None:
                status = await asyncio.to_thread(self.forked_by.exit_status, self.pid)
            # unknown when its parent died since: say it was killed
            self.exit_code = status if status is not None else -signal.SIGKILL
        return self.exit_code

    async def wait(self) -> int | None:
        if not self.forked:
            return await super().wait()
        while (code := await self.poll()) is None:
            await asyncio.sleep(0.1)
        self._close_pidfd()
        return code

    async def send_signal(self, signum: int) -> None:
        if not self.forked:
            return await super().send_signal(signum)
        if self.pidfd is None:
            return None
        # the pidfd reaches this kernel and never a process that reused its pid
        try:
            signal.pidfd_send_signal(self.pidfd, signum)
        except ProcessLookupError:
            pass  # it has exited (a crash the restarter is restarting); its group may not have
        try:
            os.killpg(self.pgid, signum)  # and whatever it started, as the usual launcher does
        except OSError:
            pass
        return None

    async def kill(self, restart: bool = False) -> None:
        if not self.forked:
            return await super().kill(restart=restart)
        await self.send_signal(signal.SIGKILL)
        return None

    async def terminate(self, restart: bool = False) -> None:
        if not self.forked:
            return await super().terminate(restart=restart)
        await self.send_signal(signal.SIGTERM)
        return None

    async def cleanup(self, restart: bool = False) -> None:
        self._close_pidfd()
        await super().cleanup(restart=restart)

    def _close_pidfd(self) -> None:
        if self.pidfd is not None:
            os.close(self.pidfd)
            self.pidfd = None

    async def get_provisioner_info(self) -> dict:
        info = await super().get_provisioner_info()
        info["forked"] = self.forked
        return info

    async def load_provisioner_info(self, provisioner_info: dict) -> None:
        await super().load_provisioner_info(provisioner_info)
        self.forked = bool(provisioner_info.get("forked"))
        if self.forked and self.pid:
            try:
                self.pidfd = os.pidfd_open(self.pid)
            except OSError:  # gone meanwhile
                self.pidfd = None
