"""The repository's own promises: clean notebooks, one dependency list, sane serving defaults."""

import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "dashboards").glob("*.ipynb")) + sorted((ROOT / "bench").glob("*.ipynb"))
# conda-forge names where they differ from PyPI's
CONDA_NAMES = {"torch": "pytorch-cpu"}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_committed_without_outputs(path):
    nb = json.loads(path.read_text())
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert not cell.get("outputs"), f"{path.name}: a cell has outputs; clear them"
            assert cell.get("execution_count") is None, f"{path.name}: execution counts"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebooks_are_thin(path):
    """Under Voila every output is the UI: a few short cells, the logic lives in widgets/."""
    code = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    assert len(code) <= 4
    assert sum(len("".join(c["source"]).splitlines()) for c in code) <= 20


def test_voila_s_start_page_lists_the_dashboards_in_lesson_order():
    """Voila's start page sorts a folder by name (``sorted(..., key=name)`` in
    voila/tornado/treehandler.py; its file browser sorts by name too), so the names carry the
    lesson's order: the nav bar's, each led by its lesson's number."""
    from widgets.views.nav import PAGES

    names = [p.name for p in (ROOT / "dashboards").glob("*.ipynb")]
    assert sorted(names) == [page for page, _ in PAGES]
    # read as numbers too (JupyterLab's browser sorts "10_" after "9_"), and the nav's number
    assert sorted(names, key=lambda n: int(n.split("_")[0])) == sorted(names)
    for page, title in PAGES:
        assert page.split("_")[0] == title.split(" · ")[0], (page, title)


def _split(requirement: str) -> tuple[str, str]:
    name, spec = re.match(r"^\s*([A-Za-z0-9_.\-]+)\s*(.*)$", requirement).groups()
    return name.lower().replace("_", "-"), spec.replace(" ", "")


def test_environment_yml_matches_pyproject():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {n: s for n, s in map(_split, project["dependencies"])}
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    conda = {}
    for dep in env["dependencies"]:
        if isinstance(dep, str) and not dep.startswith(("python", "pip")):
            name, spec = _split(dep)
            conda[name] = spec
    expected = {CONDA_NAMES.get(n, n): s for n, s in pip.items()}
    assert conda == expected
    assert "conda-forge" in env["channels"]


def test_torch_is_pinned_to_the_cpu_wheel():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    assert "torch==2.13.0" in project["dependencies"]


def test_voila_serving_defaults():
    config = json.loads((ROOT / "voila.json").read_text())
    voila = config["VoilaConfiguration"]
    assert voila["show_tracebacks"] is False
    assert voila["strip_sources"] is True
    # v1 protocol only, no tracebacks on the wire (tests/e2e/test_security.py)
    assert config["Voila"]["kernel_websocket_connection_class"] == \
        "dashboard_server.DashboardConnection"
    culling = config["MappingKernelManager"]
    assert 0 < culling["cull_idle_timeout"] <= 3600 and culling["cull_interval"] > 0


def test_makefile_serves_on_localhost_by_default():
    makefile = (ROOT / "Makefile").read_text()
    assert re.search(r"^HOST \?= 127\.0\.0\.1$", makefile, re.M)
    assert "--Voila.ip=$(HOST)" in makefile


def test_jupyterlab_sends_kernel_frames_at_once():
    """`make lab`'s server, Voila's previews inside it included, turns Nagle's algorithm off."""
    lab = re.search(r"^lab:.*?(?=^\S)", (ROOT / "Makefile").read_text(), re.M | re.S).group()
    assert "--ServerApp.kernel_websocket_connection_class=dashboard_server.NoDelayConnection" \
        in lab


def _preset_pages():
    from widgets import LSTMExplorerModel, MLPModel, SequenceModel, TrainingModel
    from widgets.maths import lstm as lstm_math
    from widgets.maths import mlp as mlp_math
    from widgets.maths import sequence as seq_math
    from widgets.maths import training

    pages = [("3_lstm_explorer.ipynb", LSTMExplorerModel, lstm_math.LIMITS, lstm_math.SYMBOLS),
             ("1_mlp.ipynb", MLPModel, mlp_math.LIMITS, mlp_math.SYMBOLS),
             ("2_sequence_data.ipynb", SequenceModel, seq_math.LIMITS, seq_math.SYMBOLS),
             ("4_training.ipynb", TrainingModel, training.LIMITS, training.SYMBOLS)]
    return [pytest.param(*page, id=page[0]) for page in pages]


@pytest.mark.parametrize(("notebook", "model_cls", "limits", "symbols"), _preset_pages())
def test_every_dashboard_reads_presets_and_the_docs_list_them(notebook, model_cls, limits,
                                                               symbols):
    cells = json.loads((ROOT / "dashboards" / notebook).read_text())["cells"]
    code = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    # built first, the query applied after: with Voila's preheated kernels only the apply waits
    assert code.index("dashboard = ") < code.index("dashboard.apply_preset(query_string())")
    row = next(line for line in (ROOT / "docs" / "presets.md").read_text().splitlines()
               if line.startswith(f"| `{notebook}` |"))
    for name in (*model_cls.SETTINGS, *model_cls.INDEX_LABELS,
                 *getattr(model_cls, "VIEW_CHOICES", {})):
        assert f"`{name}`" in row, f"docs/presets.md misses {name} for {notebook}"
    for name, (lo, hi) in limits.items():
        symbol = "" if symbols[name] == name else symbols[name] + " "
        shown = f"{lo}-{hi}" if isinstance(lo, int) else f"{lo:g}-{hi:g}"  # 0.0001-1
        assert f"`{name}` {symbol}{shown}" in row, f"docs/presets.md: {name}'s range, {notebook}"


def _layout_paths() -> list[str]:
    """The paths in the first column of the README's Layout table."""
    readme = (ROOT / "README.md").read_text()
    table = readme.split("## Layout", 1)[1]
    rows = [line for line in table.splitlines() if line.startswith("| `")]
    return [p for row in rows for p in re.findall(r"`([^`]+)`", row.split("|")[1])]


def test_the_readme_layout_matches_the_tree():
    paths = _layout_paths()
    for path in paths:
        assert list(ROOT.glob(path.rstrip("/"))), f"README's Layout names {path}, not in the tree"
    tracked = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True,
                             check=True).stdout.split()
    folders = {p.split("/")[0] for p in tracked} | {
        str(Path(p).parent) + "/" for p in tracked if p.startswith("widgets/")}
    listed = {p.rstrip("/") for p in paths}
    unlisted = sorted(f for f in folders - {"README.md", ".gitignore"}
                      if f.rstrip("/") not in listed)
    assert not unlisted, f"README's Layout does not say what these hold: {unlisted}"
