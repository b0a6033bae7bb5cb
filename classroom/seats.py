"""A kernel manager that knows how many dashboards students hold, so a full class can say so.

Voila 0.5 starts a kernel for every page request and has no cap. Each explorer kernel costs
about 300 MB and a share of the CPU, so a classroom server admits at most ``max_kernels``
students at once. A student holds a *seat* from the moment the page request is admitted: first
as a reservation (no kernel yet), then as a kernel handed out to them, until that kernel is shut
down (the tab's unload beacon, idle culling, or the server stopping).

Warm kernels in Voila's preheated pool are nobody's yet and hold no seat; a student takes one
if there is one. Voila refills its pool after every take; here a warm kernel starts only while
students' and warm kernels together leave room under ``max_kernels``, so a pool as large as the
class can be warmed before the lesson without another kernel starting while students arrive,
and the explorer never runs more than ``max_kernels`` kernels (about 300 MB each). Warm kernels
start ``warm_at_once`` at a time: each takes a core for seconds (importing torch), and a lesson's
end frees every seat at once. Dashboards kept out of the pool start a kernel per page, within
the same seats.
"""

from __future__ import annotations

import asyncio

from jupyter_server.services.kernels.kernelmanager import AsyncMappingKernelManager
from traitlets import Integer

__all__ = ["ClassroomKernelManager"]


class ClassroomKernelManager(AsyncMappingKernelManager):
    """``AsyncMappingKernelManager`` that counts seats; Voila's pool subclasses it when preheating.

    Configure it with ``VoilaConfiguration.multi_kernel_manager_class`` (classroom/
    voila-classroom.json does). The page handler asks :meth:`reserve_seat` before a kernel is
    started or taken from the pool, and calls :meth:`release_reservation` once the page has its
    kernel (the kernel then counts itself) or the request failed.
    """

    max_kernels = Integer(
        0, min=0, config=True,
        help="Most dashboards students may hold at once (one kernel each), and most kernels "
             "students and the warm pool hold together; 0 means no cap.",
    )

    warm_at_once = Integer(
        1, min=1, config=True,
        help="Most warm kernels starting at the same time, so that refilling the pool never "
             "takes the CPU from students.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._started: set[str] = set()  # kernels whose start has finished
        self._reserved = 0  # admitted page requests that have no kernel yet
        self._warming = 0  # warm kernels let through and still starting
        self._stopping = False

    async def start_kernel(self, **kwargs) -> str:
        warm = kwargs.get("env", {}).get("VOILA_PREHEAT") == "True"  # Voila's pool filling
        if warm:
            await self._room_to_warm()
            self._warming += 1
        try:
            kernel_id = await super().start_kernel(**kwargs)
        finally:
            self._warming -= warm
        # recorded only once started: a pool kernel still starting is nobody's seat, and a
        # student's kernel still starting is covered by that student's reservation
        self._started.add(kernel_id)
        return kernel_id

    async def _room_to_warm(self) -> None:
        """Wait until one more warm kernel fits under the cap and may start now."""
        while not self._stopping:
            under_cap = not self.max_kernels or (
                self.seats_taken() + len(self._warm()) + self._warming < self.max_kernels)
            if under_cap and self._warming < self.warm_at_once:
                return
            await asyncio.sleep(1.0)  # seats free on beacons, culling and dead kernels alike
        raise RuntimeError("the server is stopping: no more warm kernels")

    async def shutdown_all(self, now: bool = False) -> None:
        self._stopping = True  # Voila awaits its pool's tasks after this: none may wait on
        await super().shutdown_all(now=now)

    def _warm(self) -> set[str]:
        """Running kernels waiting in Voila's preheated pool (none without preheating)."""
        # voila.voila_kernel_manager keeps its pool as {notebook: [Task -> {"kernel_id": ...}]}
        warm = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    warm.add(task.result()["kernel_id"])
        return warm & set(self.list_kernel_ids())

    def seated_kernels(self) -> set[str]:
        """Running kernels that belong to a student's page."""
        self._started &= set(self.list_kernel_ids())  # forget kernels shut down or dead
        return self._started - self._warm()

    def seats_taken(self) -> int:
        return len(self.seated_kernels()) + self._reserved

    def reserve_seat(self) -> bool:
        """Hold a seat for a page request; False when the class is full."""
        if self.max_kernels and self.seats_taken() >= self.max_kernels:
            return False
        self._reserved += 1
        return True

    def release_reservation(self) -> None:
        self._reserved = max(0, self._reserved - 1)
