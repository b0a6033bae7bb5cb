"""A kernelspec that names the fork provisioner: ipykernel's usual command, forked when it can be.

Its ``argv`` is the usual launcher's, so wherever forking is unavailable the provisioner runs
exactly that command; its metadata names ``fork-provisioner`` and the modules to preload.

    python -m forkkernel install --prefix .venv --name python3-fork
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from forkkernel import DEFAULT_PRELOAD, PROVISIONER_NAME

__all__ = ["kernel_json", "write_kernelspec"]


def kernel_json(python: str | None = None, preload: tuple[str, ...] = DEFAULT_PRELOAD,
                display_name: str = "Python 3 (forked from a warm parent)") -> dict:
    """The kernel.json of a Python kernel started by the fork provisioner."""
    return {
        "argv": [python or sys.executable, "-m", "ipykernel_launcher", "-f",
                 "{connection_file}"],
        "display_name": display_name,
        "language": "python",
        "interrupt_mode": "signal",
        "metadata": {
            "debugger": True,
            "kernel_provisioner": {"provisioner_name": PROVISIONER_NAME,
                                   "config": {"preload": list(preload)}},
        },
    }


def write_kernelspec(kernels_dir: Path, name: str = "python3-fork", **kwargs) -> Path:
    """Write ``kernels_dir/name/kernel.json`` (``kwargs`` as for ``kernel_json``); its folder."""
    folder = Path(kernels_dir) / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(kernel_json(**kwargs), indent=1) + "\n")
    return folder
