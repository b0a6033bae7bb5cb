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
# what a dashboard kernel imports anyway; the parent always adds ipykernel's app. The four
# pages' modules, not only ``widgets`` (whose names load lazily); jsonschema checks the question
# bank (read on a thread after the page is built); voila.utils is how a kernel of Voila's
# preheated pool waits for its student, and it imports the whole Jupyter server. Each of the
# three is half a core-second to 1.5 and tens of MB a kernel when not shared.
PAGES = tuple(f"widgets.dashboards.{page}" for page in
              ("mlp_explorer", "sequence_explorer", "lstm_explorer", "training_dashboard"))
DEFAULT_PRELOAD = ("numpy", "torch", "ipywidgets", "bqplot", "widgets", *PAGES, "jsonschema",
                   "voila.utils")
