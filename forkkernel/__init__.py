"""Kernels forked from a warm parent: a jupyter_client kernel provisioner (Linux).

A parent process imports torch, numpy, ipywidgets, bqplot and ``widgets`` once; each kernel is a
fork of it, ready in a fraction of a second and sharing the parent's pages until it writes to
them. Server-side, like ``classroom/``: nothing in ``widgets/`` imports it. Design, risks and
figures: docs/fork-kernels.md.

- ``provisioner.ForkProvisioner``: the provisioner (entry point ``fork-provisioner``);
- ``client.WarmParent``: the server's handle on the parent; ``parent``: the parent process;
  ``child``: what a fork does to become a kernel; ``wire``: their JSON-over-Unix-socket talk;
- ``kernelspec``: a kernelspec that names the provisioner (``python -m forkkernel install``).

Importing this package imports no POSIX-only module, so it loads on Windows and macOS, where
the provisioner launches kernels the usual way.
"""

__all__ = ["DEFAULT_PRELOAD", "PROVISIONER_NAME"]

# the entry point's name, which a kernelspec's metadata names
PROVISIONER_NAME = "fork-provisioner"
# what a dashboard kernel imports anyway; the parent always adds ipykernel's app
DEFAULT_PRELOAD = ("numpy", "torch", "ipywidgets", "bqplot", "widgets")
