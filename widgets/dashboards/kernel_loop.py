"""The loop of the Jupyter kernel the page runs in: where a training run may work in the
background while the kernel goes on answering the page."""

from __future__ import annotations

import asyncio

__all__ = ["kernel_loop"]


def kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop of the Jupyter kernel we are in (Voila, JupyterLab), else None.

    Only a kernel's loop keeps turning after the handler that asks returns; another running
    loop (a test runner's, Playwright's) may never run a task given to it.
    """
    from IPython import get_ipython

    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None
