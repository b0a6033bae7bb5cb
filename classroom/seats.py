"""A kernel manager that knows how many dashboards students hold, so a full class can say so.

Voila 0.5 starts a kernel for every page request and has no cap. Each explorer kernel costs
hundreds of MB (docs/classroom.md) and a share of the CPU, so a classroom server admits at
most ``max_kernels`` students at once. A student holds a *seat* from the moment the page
request is admitted: first as a reservation (no kernel yet), then as a kernel handed out to
them, until that kernel is shut down (the tab's unload beacon, idle culling, or the server
stopping).

Warm kernels in Voila's preheated pool are nobody's yet and hold no seat; a student takes one
if there is one. Voila refills its pool every time a kernel is taken from it; here the refill
only goes as far as the seats left, so students' and warm kernels together stay within
``max_kernels``, and a pool as large as the class, warmed before the lesson, starts nothing
while students arrive. Once the pool is empty, students get a kernel started for them (and so
do dashboards kept out of the pool). A seat freed refills the pool again, ready for the next
student or the next class. Warm kernels start ``warm_at_once`` at a time: each takes a core for
seconds to import torch.
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
        help="Most dashboards students may hold at once (one kernel each); the warm pool is "
             "refilled only within the seats left. 0 means no cap.",
    )
    warm_at_once = Integer(
        1, min=1, config=True,
        help="Most warm kernels starting at the same time, so that filling the pool never "
             "takes the CPU from students.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._started: set[str] = set()  # kernels whose start has finished
        self._reserved = 0  # admitted page requests that have no kernel yet
        self._warming = 0  # warm kernels starting now
        self._stopping = False
        self._pool_size: int | None = None  # the configured size of Voila's default pool
        self._fit_pool()  # before Voila's subclass fills its pool the first time

    async def start_kernel(self, **kwargs) -> str:
        warm = kwargs.get("env", {}).get("VOILA_PREHEAT") == "True"  # Voila's pool filling
        if warm:
            await self._turn_to_warm()
            self._warming += 1
        try:
            kernel_id = await super().start_kernel(**kwargs)
        finally:
            self._warming -= warm
        # recorded only once started: a pool kernel still starting is nobody's seat, and a
        # student's kernel still starting is covered by that student's reservation
        self._started.add(kernel_id)
        return kernel_id

    async def _turn_to_warm(self) -> None:
        while self._warming >= self.warm_at_once:
            if self._stopping:
                raise RuntimeError("the server is stopping: no more warm kernels")
            await asyncio.sleep(0.5)

    async def shutdown_kernel(self, kernel_id: str, *args, **kwargs) -> None:
        await super().shutdown_kernel(kernel_id, *args, **kwargs)
        if not self._stopping and hasattr(self, "fill_if_needed"):  # preheating
            self._fit_pool()
            for notebook in list(self._pools):
                self.fill_if_needed(notebook_name=notebook)

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
        self._fit_pool()
        return True

    def release_reservation(self) -> None:
        self._reserved = max(0, self._reserved - 1)

    @property
    def pool_size(self) -> int:
        """Warm kernels Voila keeps for each preheated dashboard now (0 without preheating)."""
        pools = getattr(self, "kernel_pools_config", None) or {}
        return pools.get("default", {}).get("pool_size", 0)

    def _fit_pool(self) -> None:
        """Size Voila's pool for its next refill (which follows a take) to the seats left."""
        pools = getattr(self, "kernel_pools_config", None)  # only with preheating
        if not pools or not self.max_kernels or "default" not in pools:
            return
        if self._pool_size is None:
            self._pool_size = pools["default"].get("pool_size", 0)
        room = max(self.max_kernels - self.seats_taken(), 0)
        self.kernel_pools_config = {**pools, "default": {**pools["default"],
                                                         "pool_size": min(self._pool_size, room)}}
