"""Run a recipe's code as a learner would: in a fresh interpreter, outside this repository.

``run_all`` starts one interpreter per recipe, two at a time (the machine's cores), with the
working directory in a temporary folder and no path to this package, so the code can only
use what it imports itself. Each run leaves behind the names the test asks for, saved with
``torch.save``, its printed lines, and the top-level packages it loaded.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import tempfile
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import torch

# what a recipe may import: torch, numpy and the standard library's plainest modules
ALLOWED_IMPORTS = {"torch", "numpy", "csv", "importlib", "re", "math", "copy", "pathlib"}
# and what must never load while it runs: this project, or a widget library
NEVER_LOADED = {"widgets", "ipywidgets"}


@dataclass(frozen=True)
class Ran:
    stdout: str
    values: dict
    packages: set[str]

    @property
    def lines(self) -> list[str]:
        return self.stdout.splitlines()


# CPython 3.11's parser keeps a recursion counter that threads parsing at once can corrupt
# ("AST constructor recursion depth mismatch"); run_all parses from two threads
_PARSING = threading.Lock()


def imports_of(code: str) -> set[str]:
    """The top-level packages ``code`` imports."""
    found = set()
    with _PARSING:
        tree = ast.parse(code)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {a.name.split(".")[0] for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "a recipe imports nothing relative"
            found.add(node.module.split(".")[0])
    return found


def _epilogue(names: list[str], path: Path) -> str:
    return (
        "\n\nimport sys as _sys\n"
        f"torch.save({{_n: globals()[_n] for _n in {names!r}}}, {str(path)!r})\n"
        "print('#packages', ' '.join(sorted({_m.split('.')[0] for _m in _sys.modules})))\n"
    )


def run(code: str, names: list[str], timeout: float = 240, files: dict[str, bytes] | None = None,
        allowed: set[str] = ALLOWED_IMPORTS) -> Ran:
    """Run ``code`` in a fresh interpreter and bring back ``names`` from its globals; it may
    import only ``allowed`` and must never load ``NEVER_LOADED``. ``files`` (name -> bytes)
    are put in its working folder first, as a learner keeps a data file by the notebook."""
    assert imports_of(code) <= allowed, imports_of(code) - allowed
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTHONSTARTUP")}
    with tempfile.TemporaryDirectory() as folder:
        for name, data in (files or {}).items():
            (Path(folder) / name).write_bytes(data)
        dump = Path(folder) / "values.pt"
        out = subprocess.run([sys.executable, "-I", "-c", code + _epilogue(names, dump)],
                             cwd=folder, env=env, capture_output=True, text=True,
                             timeout=timeout)
        assert out.returncode == 0, f"the generated code failed:\n{out.stderr[-3000:]}"
        values = torch.load(dump, weights_only=False)
    lines = out.stdout.splitlines()
    packages = set(lines[-1].split()[1:])
    assert not packages & NEVER_LOADED, f"the generated code loaded {packages & NEVER_LOADED}"
    return Ran("\n".join(lines[:-1]), values, packages)


def run_all(jobs: list[tuple[str, list[str]]], workers: int = 2, **options) -> list[Ran]:
    """``run`` for each (code, names) with ``options``, ``workers`` interpreters at a time, in
    order."""
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: run(*job, **options), jobs))
