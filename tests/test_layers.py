"""The package's floors are real: the maths and the state import no widget library.

Each check runs in a fresh interpreter, so nothing this test process imported can hide a
stray import, and a changed torch thread count is seen as the caller would see it.
"""

import ast
import json
import os
import subprocess
import sys

import pytest

from tests.harness import ROOT

MATHS = sorted(p.stem for p in (ROOT / "widgets" / "maths").glob("*.py") if p.stem != "__init__")
CODEGEN = ["codegen", *(f"codegen.{p.stem}" for p in sorted((ROOT / "widgets" / "codegen")
                                                             .glob("*.py"))
                        if p.stem != "__init__")]
STATE = ["settings_model", "explorer_model", "mlp_model", "sequence_model", "training_model"]
WIDGET_LIBRARIES = ["ipywidgets", "bqplot", "bqplot_image_gl", "IPython", "ipykernel"]


def _fresh(code: str, **env: str) -> dict:
    """Run ``code`` in a new interpreter at the repository's root; it prints one JSON value."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCH_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _imports(modules: list[str]) -> str:
    """Code that imports ``modules`` in turn and prints, for each, the widget libraries loaded
    so far and torch's thread count (set to 2 before the first import)."""
    return (
        "import importlib, json, sys, torch\n"
        "torch.set_num_threads(2)\n"
        "seen = {}\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('widgets.' + m)\n"
        f"    seen[m] = [[w for w in {WIDGET_LIBRARIES!r} if w in sys.modules],"
        " torch.get_num_threads()]\n"
        "print(json.dumps(seen))"
    )


def test_the_maths_floor_holds_what_the_issue_names():
    assert {"lstm", "mlp", "sequence", "limits", "presets", "corpus", "colors"} <= set(MATHS)


def test_the_maths_imports_no_widget_library_and_leaves_torch_alone():
    modules = ["maths", *(f"maths.{m}" for m in MATHS)]
    assert _fresh(_imports(modules)) == {m: [[], 2] for m in modules}


def test_the_state_models_import_no_widget_library():
    assert _fresh(_imports(STATE)) == {m: [[], 2] for m in STATE}


def test_the_code_generators_import_no_widget_library():
    assert len(CODEGEN) >= 5  # the recipe and one a dashboard
    assert _fresh(_imports(CODEGEN)) == {m: [[], 2] for m in CODEGEN}


def test_the_maths_imports_nothing_from_the_floors_above():
    for path in (ROOT / "widgets" / "maths").glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom):
                assert node.level <= 1, f"{path.name} reaches out of widgets.maths"
                assert node.level == 1 or not (node.module or "").startswith("widgets"), \
                    f"{path.name} imports {node.module}"
            elif isinstance(node, ast.Import):
                assert not any(a.name.startswith("widgets") for a in node.names), path.name


def test_from_widgets_import_still_gives_every_public_name():
    seen = _fresh("import json, widgets\n"
                  "missing = [n for n in widgets.__all__ if getattr(widgets, n, None) is None]\n"
                  "print(json.dumps({'missing': missing, 'dir': set(widgets.__all__) <= "
                  "set(dir(widgets))}))")
    assert seen == {"missing": [], "dir": True}
    with pytest.raises(AttributeError, match="no attribute 'Nope'"):
        import widgets

        widgets.Nope  # noqa: B018


@pytest.mark.parametrize(("env", "expected"), [({}, 1), ({"TORCH_NUM_THREADS": "2"}, 2),
                                                ({"TORCH_NUM_THREADS": "many"}, 1)])
def test_a_dashboard_runs_torch_on_one_thread_unless_told(env, expected):
    """Thirty kernels on two cores: building a dashboard (not importing it) sets the count."""
    seen = _fresh("import json, torch\n"
                  "torch.set_num_threads(3)\n"
                  "from widgets import LSTMExplorer\n"
                  "imported = torch.get_num_threads()\n"
                  "LSTMExplorer()\n"
                  "print(json.dumps([imported, torch.get_num_threads()]))", **env)
    assert seen == [3, expected]
