"""The "Show the code" panel: collapsed and idle at first, live when open, a notebook to take.

The code's truth is tested in tests/test_code_*.py; here, the panel around it.
"""

import base64
import html
import re

import nbformat
import pytest
from nbclient import NotebookClient

from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, TrainingExplorer

PAGES = {"mlp": MLPExplorer, "sequence_data": SequenceExplorer, "lstm_explorer": LSTMExplorer,
         "training": TrainingExplorer}


def _pre_text(value: str) -> str:
    """The code as the browser shows it (and as Copy takes it): the <pre>'s text."""
    pre = re.search(r"<pre class='code-text'[^>]*>(.*)</pre>", value, re.S).group(1)
    return html.unescape(re.sub(r"<[^>]+>", "", pre))


def _notebook(value: str) -> nbformat.NotebookNode:
    """The notebook behind the Download link."""
    data = re.search(r"href='data:application/x-ipynb\+json;base64,([^']+)'", value).group(1)
    return nbformat.reads(base64.b64decode(data).decode("utf-8"), as_version=4)


def test_the_panel_is_closed_and_idle_until_asked():
    page = LSTMExplorer()
    calls = []
    original = page.recipe
    page.recipe = lambda: calls.append(1) or original()
    assert page.code.toggle.description == "Show the code"
    assert page.code.view.layout.display == "none" and page.code.view.value == ""
    page.model.hidden_size = 9
    assert calls == [] and page.code.script == ""
    page.code.toggle.value = True
    assert calls == [1] and page.code.toggle.description == "Hide the code"
    assert page.code.view.layout.display is None


@pytest.mark.parametrize("name", PAGES)
def test_open_it_shows_the_code_of_the_view_and_follows_the_controls(name):
    page = PAGES[name]()
    page.code.toggle.value = True
    value = page.code.view.value
    assert _pre_text(value) == page.code.script == page.recipe().script
    assert f"# The dashboard's view: {page.query}" in page.code.script
    # a slider moves: the code follows
    name = "hidden_size" if name == "training" else "n_x"
    control = page.controls[name]
    control.value = control.value + 2
    assert f"{name} = {getattr(page.model, name)}  #" in _pre_text(page.code.view.value)
    assert page.code.script == page.recipe().script


def test_the_explorer_s_code_follows_the_step_and_the_unit():
    page = LSTMExplorer()
    page.code.toggle.value = True
    page.model.step, page.model.unit = 5, 3
    assert "s, e, j = 0, 5, 3" in _pre_text(page.code.view.value)


def test_the_same_state_sends_nothing_new():
    page = LSTMExplorer()
    page.code.toggle.value = True
    sent = []
    page.code.view.observe(sent.append, names="value")
    page.code.refresh()
    page.model.step = page.model.step  # no change
    assert sent == []


def test_closed_again_it_stops_following():
    page = MLPExplorer()
    page.code.toggle.value = True
    before = page.code.view.value
    page.code.toggle.value = False
    page.model.n1 = 3
    assert page.code.view.value == before and page.code.view.layout.display == "none"
    page.code.toggle.value = True
    assert "n1 = 3  #" in page.code.script


def test_copy_and_download_are_named_controls():
    page = MLPExplorer()
    page.code.toggle.value = True
    value = page.code.view.value
    assert "<button type='button' class='code-copy'" in value and ">Copy the code</button>" in value
    # the page script (share.js) copies the panel's <pre> and says how many lines
    assert "data-copy='.code-panel'" in value and "<pre class='code-text' data-copy-text" in value
    assert f"data-copied='Copied {page.code.recipe.lines} lines to the clipboard.'" in value
    assert page.code.recipe.lines == len(_pre_text(value).splitlines())
    assert "download='1_mlp.ipynb'" in value and "Download notebook (1_mlp.ipynb)" in value
    assert "role='status' aria-live='polite' data-copy-status" in value
    assert "aria-label='Code: The feed-forward network" in value


@pytest.mark.parametrize("name", PAGES)
def test_the_downloaded_notebook_has_no_outputs_and_runs_top_to_bottom(name, tmp_path):
    page = PAGES[name]()
    page.code.toggle.value = True
    nb = _notebook(page.code.view.value)
    nbformat.validate(nb)
    code_cells = [c for c in nb.cells if c.cell_type == "code"]
    markdown = [c for c in nb.cells if c.cell_type == "markdown"]
    assert all(c.outputs == [] and c.execution_count is None for c in code_cells)
    assert len(markdown) == len(code_cells) + 1  # the intro, then one explanation a cell
    assert "".join(c.source + "\n\n" for c in code_cells).strip() == page.recipe().code.strip()
    NotebookClient(nb, timeout=180, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()
    printed = "".join(o.get("text", "") for c in code_cells for o in c.outputs)
    assert "Error" not in printed and printed.strip()


def test_a_recipe_that_fails_says_so_and_the_dashboard_goes_on():
    page = MLPExplorer()

    def broken():
        raise ValueError("no such layer")

    page.recipe = broken
    page.code.toggle.value = True
    assert "could not be written (ValueError: no such layer)" in page.code.view.value
    assert page.code.script == ""
    page.model.n1 = 4  # the dashboard still answers
    assert page.model.trace.A1.shape == (4, 5)


def test_the_training_code_says_where_it_and_the_page_part_ways(tmp_path):
    from widgets.state.training_model import TrainingModel
    from widgets.store.model_cache import ModelCache

    page = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path)),
                            preset="task=adding&seq_len=10&epochs=1")
    page.code.toggle.value = True
    assert "# Note: The page has not trained yet; this code trains all 1 epochs" in \
        page.code.script
    page.train()
    assert page.model.status == "trained"
    assert "# Note:" not in page.code.script and "phase = 'trained'" in page.code.script


def test_a_forged_toggle_is_refused_and_the_banner_says_so():
    page = MLPExplorer()
    page.code.toggle.set_state({"value": 7})
    assert not page.code.is_open and page.code.view.value == ""
    assert page.message == "Show the code: the page may only send true or false; 7 was refused."
    page.code.toggle.set_state({"value": True})
    assert page.code.is_open and page.code.script
