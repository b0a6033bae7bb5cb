"""What a screen reader needs, checked on the widget trees without a browser.

Every control has a name that says what it sets, every bqplot figure has a text alternative
beside it, the page script comes with every dashboard, and the numbers panel follows the
state. The browser half (axe-core, the keyboard) is tests/e2e/test_accessibility.py.
"""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw
import pytest

from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, TrainingExplorer
from widgets.dashboards.accessibility import SCRIPT, accessibility_script
from widgets.views.outputs_text import outputs_tables
from widgets.views.text_alternative import FigureText, html_table, plain, value_range

DASHBOARDS = [MLPExplorer, SequenceExplorer, LSTMExplorer, TrainingExplorer]


def walk(widget, parents=()):
    """Every widget under ``widget`` with its chain of parents (nearest last)."""
    yield widget, parents
    for child in getattr(widget, "children", ()):
        yield from walk(child, (*parents, widget))


@pytest.fixture(scope="module", params=DASHBOARDS, ids=lambda cls: cls.__name__)
def page(request):
    return request.param()


def test_every_control_says_what_it_sets(page):
    controls = [w for w, _ in walk(page)
                if isinstance(w, (ipw.IntSlider, ipw.FloatLogSlider, ipw.Play, ipw.IntText,
                                  ipw.BoundedIntText, ipw.ToggleButtons, ipw.ToggleButton,
                                  ipw.Button, ipw.Dropdown))]
    assert len(controls) >= 6
    for control in controls:
        # a slider's symbol ("H") is its label; its tooltip is what a screen reader says
        name = control.tooltip or control.description
        assert (name and len(name) >= 4) or isinstance(control, ipw.Button), control
        if isinstance(control, (ipw.IntSlider, ipw.FloatLogSlider)):
            assert control.tooltip and control.tooltip != control.description, control
        if isinstance(control, ipw.Play):  # icon buttons: the script names them from this
            assert control.tooltip == "steps"
        if isinstance(control, ipw.Button):
            assert control.description or control.tooltip, control


def test_every_figure_has_a_text_alternative_beside_it(page):
    figures = [(w, parents) for w, parents in walk(page) if isinstance(w, bq.Figure)]
    assert figures
    for figure, parents in figures:
        near = [c for p in parents[-2:] for c in p.children if isinstance(c, FigureText)]
        assert near, f"a figure ({figure._dom_classes}) without a FigureText beside it"
        assert all(alt.text and alt.value.startswith("<p>") for alt in near), \
            [alt.text for alt in near]


def test_no_figure_pops_up_bqplot_s_toolbar(page):
    """bqplot's pan and reset toolbar would pop up over the heatmaps on hover: none shows it."""
    figures = [w for w, _parents in walk(page) if isinstance(w, bq.Figure)]
    assert figures and not any(f.display_toolbar for f in figures)


def test_the_page_script_comes_with_the_dashboard(monkeypatch, page):
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    page._ipython_display_()
    (script, _), (bundle, raw) = shown
    assert SCRIPT in script.data and script.data.startswith("<script>")
    assert raw and bundle["application/vnd.jupyter.widget-view+json"]["model_id"] == \
        page.model_id


def test_the_page_script_names_what_ipywidgets_leaves_unnamed():
    # the classes it reads are the ones ipywidgets 8 draws, and it installs itself once
    for needle in ("window.lstmAccessibilityInstalled", ".noUi-handle", ".widget-play",
                   "aria-label", "aria-pressed", "aria-hidden", ".live-alert", ".live-status",
                   "MutationObserver"):
        assert needle in SCRIPT, needle
    assert "</script>" not in SCRIPT  # it travels inside a script element
    assert accessibility_script().data.count("<script>") == 1


def test_the_numbers_panel_computes_only_while_open_and_follows_the_step():
    page = LSTMExplorer()
    assert page.numbers.view.value == "" and page.numbers.view.layout.display == "none"
    page.numbers.toggle.value = True
    assert page.numbers.toggle.description == "Hide the numbers"
    t, s = page.model.cell, page.model.sample
    page.model.step = 4
    view = page.numbers.view.value
    assert "<caption>Step e = 4: the gates, cell state and hidden state of every unit" in view
    # unit 2's h_4, as the table writes it, from the live trace
    assert f"<td>{float(t.h[s, 4, 2]):+.4f}</td></tr><tr><th scope='row'>3</th>" in view
    assert f"<td>{float(t.gates[s, 3, 1, 0]):+.4f}</td>" in view  # f_4 of unit 0
    # the step's tables (n_X inputs, H units), then output and (h_n, c_n)'s
    def rows(html: str) -> int:
        return html.count("<th scope='row'>")

    outputs = rows(outputs_tables(page.model.trace, s))
    assert rows(view) == page.model.n_x + page.model.hidden_size + outputs
    assert "h_n[0, 0, 7] at position 11" in view  # output's twin of h_n, named
    page.model.hidden_size = 12
    outputs = rows(outputs_tables(page.model.trace, s))
    assert rows(page.numbers.view.value) == page.model.n_x + 12 + outputs
    page.numbers.toggle.value = False
    before = page.numbers.view.value
    page.model.step = 2  # closed: nothing is computed or sent
    assert page.numbers.view.value == before


def test_the_numbers_panel_reports_a_failure_and_carries_on():
    page = LSTMExplorer()
    page.numbers_html = lambda: 1 / 0
    page.numbers.toggle.value = True
    assert "could not be written (ZeroDivisionError" in page.numbers.view.value
    assert "role='alert'" in page.numbers.view.value


def test_tables_and_summaries_are_plain_text_of_the_numbers():
    table = html_table("x <1>", ["k", "v"], [(0, 0.5), (1, -1.25)], digits=2)
    assert "<caption>x &lt;1&gt;</caption>" in table
    assert "<th scope='col'>k</th>" in table and "<th scope='row'>1</th><td>-1.25</td>" in table
    assert plain("<b>W</b> (4H &times; H)") == "W (4H × H)"
    assert value_range([0.123, -2.0, float("nan")]) == "from -2.00 to 0.12"
    assert value_range([]) == "no values"


def test_badges_and_the_banner_are_announced():
    page = LSTMExplorer()
    assert "live-alert" in page.banner._dom_classes
    assert "live-status" in page.checks._dom_classes
    # a verdict is said in words and marked by a shape, not by its colour alone
    assert "✓ </span>manual recurrence matches nn.LSTM" in page.checks.value
