"""A kernel manager that knows how many dashboards students hold, so a full class can say so.

Voila 0.5 starts a kernel for every page request and has no cap. Each explorer kernel costs
about 300 MB and a share of the CPU, so a classroom server admits at most ``max_kernels``
students at once. A student holds a *seat* from the moment the page request is admitted: first
as a reservation (no kernel yet), then as a kernel handed out to them, until that kernel is shut
down (the tab's unload beacon, idle culling, or the server stopping).

Warm kernels in Voila's preheated pool are nobody's yet and hold no seat: memory is about
``(max_kernels + pool size per notebook) * 300 MB``.
"""

from __future__ import annotations

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
        help="Most dashboards students may hold at once (one kernel each); 0 means no cap. "
             "Warm kernels in the preheated pool come on top.",
    )

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self._started: set[str] = set()  # kernels whose start has finished
        self._reserved = 0  # admitted page requests that have no kernel yet

    async def start_kernel(self, **kwargs) -> str:
        kernel_id = await super().start_kernel(**kwargs)
        # recorded only once started: a pool kernel still starting is nobody's seat, and a
        # student's kernel still starting is covered by that student's reservation
        self._started.add(kernel_id)
        return kernel_id

    def _warm(self) -> set[str]:
        """Kernels waiting in Voila's preheated pool (none without preheating)."""
        # voila.voila_kernel_manager keeps its pool as {notebook: [Task -> {"kernel_id": ...}]}
        warm = set()
        for pool in getattr(self, "_pools", {}).values():
            for task in pool:
                if task.done() and not task.cancelled() and task.exception() is None:
                    warm.add(task.result()["kernel_id"])
        return warm

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
