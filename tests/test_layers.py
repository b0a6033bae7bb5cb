"""The package's floors are folders, and every rule between them holds.

From the bottom up: ``maths`` (torch and numpy), ``store`` (the disk), ``codegen`` (the code
behind a view), ``state`` (traitlets models and the training run), ``views`` (components that
draw arrays), ``dashboards`` (the pages). A floor imports only the floors below it. The rules
are read twice: from the source (every import, at any depth of a module, relative or not) and
in a fresh interpreter (what importing a floor really loads), so nothing this test process
imported can hide a stray import, and a changed torch thread count is seen as a caller would.
"""

import ast
import json
import os
import subprocess
import sys

import pytest

from driver.servers import ROOT

PACKAGE = ROOT / "widgets"
# each floor, and the floors of ``widgets`` its modules may import
FLOORS = {
    "maths": {"maths"},
    "store": {"maths", "store"},
    "codegen": {"maths", "codegen"},
    "state": {"maths", "store", "state"},
    "views": {"maths", "codegen", "views"},
    "dashboards": {"maths", "store", "codegen", "state", "views", "dashboards"},
}
# the libraries beyond the standard library each floor may import
LIBRARIES = {
    # pandas reads a learner's CSV file (series_csv), imported only when one is read
    "maths": {"torch", "numpy", "pandas"},
    # sqlalchemy: the answer store (SQLite, or PostgreSQL through the driver it names)
    "store": {"torch", "numpy", "filelock", "platformdirs", "sqlalchemy"},
    "codegen": {"nbformat"},
    # the question bank: files read with the safe loader, checked against a JSON Schema
    "state": {"torch", "numpy", "traitlets", "yaml", "jsonschema"},
    "views": {"torch", "numpy", "traitlets", "ipywidgets", "bqplot", "bqplot_image_gl", "PIL",
              "pygments", "IPython"},
}
WIDGET_LIBRARIES = ["ipywidgets", "bqplot", "bqplot_image_gl", "IPython", "ipykernel"]
MAX_LINES = 350  # a module a newcomer reads in one sitting


def _modules(floor: str) -> list[str]:
    """Dotted names under ``widgets`` of the floor's modules, e.g. ``maths.lstm``."""
    return sorted(f"{floor}.{p.stem}" if p.stem != "__init__" else floor
                  for p in (PACKAGE / floor).glob("*.py"))


def _imports(path) -> set[str]:
    """Every module ``path`` imports, as absolute dotted names (relative ones resolved)."""
    package = path.relative_to(ROOT).parent.parts  # ('widgets', 'views')
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package[: len(package) - node.level + 1]
                found.add(".".join([*base, *([node.module] if node.module else [])]))
            else:
                found.add(node.module)
    return found


def test_every_module_of_the_package_lives_on_a_floor():
    loose = [p.name for p in PACKAGE.glob("*.py") if p.name != "__init__.py"]
    assert loose == [], "modules outside a floor's folder"
    folders = {p.name for p in PACKAGE.iterdir() if p.is_dir() and p.name != "__pycache__"}
    assert folders == set(FLOORS)


@pytest.mark.parametrize("floor", FLOORS)
def test_a_floor_imports_only_the_floors_below_it(floor):
    for path in (PACKAGE / floor).glob("*.py"):
        for name in _imports(path):
            parts = name.split(".")
            if parts[0] == "widgets" and len(parts) > 1:
                assert parts[1] in FLOORS[floor], f"{floor}/{path.name} imports {name}"
            else:
                assert parts[0] != "widgets", f"{floor}/{path.name} imports the package root"


@pytest.mark.parametrize("floor", LIBRARIES)
def test_a_floor_imports_only_its_libraries(floor):
    allowed = LIBRARIES[floor] | set(sys.stdlib_module_names) | {"__future__", "widgets"}
    for path in (PACKAGE / floor).glob("*.py"):
        for name in _imports(path):
            assert name.split(".")[0] in allowed, f"{floor}/{path.name} imports {name}"


def test_no_module_is_long():
    long = {str(p.relative_to(PACKAGE)): n for p in PACKAGE.rglob("*.py")
            if (n := len(p.read_text().splitlines())) > MAX_LINES}
    assert long == {}, f"modules over {MAX_LINES} lines: split them where their parts part"


def _fresh(code: str, **env: str) -> dict:
    """Run ``code`` in a new interpreter at the repository's root; it prints one JSON value."""
    clean = {k: v for k, v in os.environ.items()
             if k not in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCH_NUM_THREADS")}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env={**clean, **env},
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def _loaded_by(modules: list[str]) -> str:
    """Code that imports ``modules`` in turn and prints, for each, the widget libraries and the
    package's floors loaded so far, and torch's thread count (set to 2 before the first)."""
    return (
        "import importlib, json, sys, torch\n"
        "torch.set_num_threads(2)\n"
        "seen = {}\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module('widgets.' + m)\n"
        f"    libraries = [w for w in {WIDGET_LIBRARIES!r} if w in sys.modules]\n"
        "    floors = sorted({n.split('.')[1] for n in sys.modules\n"
        "                     if n.startswith('widgets.') and n.count('.') >= 1})\n"
        "    seen[m] = [libraries, floors, torch.get_num_threads()]\n"
        "print(json.dumps(seen))"
    )


@pytest.mark.parametrize(("floor", "below"), [
    ("maths", ["maths"]),
    ("store", ["maths", "store"]),
    ("codegen", ["codegen", "maths"]),
    ("state", ["maths", "state", "store"]),
])
def test_the_floors_under_the_views_load_no_widget_library_and_leave_torch_alone(floor, below):
    modules = _modules(floor)
    seen = _fresh(_loaded_by(modules))
    for module in modules:
        libraries, floors, threads = seen[module]
        assert libraries == [], f"importing widgets.{module} loads {libraries}"
        assert set(floors) <= set(below), f"importing widgets.{module} loads {floors}"
        assert threads == 2


def test_the_views_load_no_state_model_and_no_store():
    seen = _fresh(_loaded_by(_modules("views")))
    for module, (_libraries, floors, _threads) in seen.items():
        assert not {"state", "store", "dashboards"} & set(floors), \
            f"importing widgets.{module} loads {floors}"


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
