"""Markup in text never reaches the page as markup: a hostile string through every text path.

A link's raw value, a token, a dataset's words, a task's unit, a title, a table cell, a badge,
a banner, a hover read-out: each is sent the same string, and the HTML the page would receive
must hold it escaped (``&lt;img``) and never as a tag (``<img``).
"""

import dataclasses
from urllib.parse import urlencode

import ipywidgets as ipw
import numpy as np
import pytest

import widgets.maths.sequence as sequence
import widgets.state.sequence_model as sequence_model
from widgets.dashboards.lstm_explorer import LSTMExplorer
from widgets.dashboards.mlp_explorer import MLPExplorer, dot_text
from widgets.dashboards.sequence_explorer import SequenceExplorer
from widgets.dashboards.training_dashboard import TrainingExplorer
from widgets.dashboards.training_text import announcement, results_table, status_line
from widgets.views.colorbar import ColorBar
from widgets.views.controls import MessageBanner
from widgets.views.heatmap import MatrixHeatmap
from widgets.views.learning_curves import PredictionsChart
from widgets.views.markup import Markup, as_html
from widgets.views.memory_view import MemoryView
from widgets.views.state_chart import StateChart
from widgets.views.style import badge
from widgets.views.text_alternative import FigureText, html_table

HOSTILE = "<img src=x onerror=alert(1)>&<b>"
ESCAPED = "&lt;img src=x onerror=alert(1)&gt;&amp;&lt;b&gt;"
DASHBOARDS = [MLPExplorer, SequenceExplorer, LSTMExplorer, TrainingExplorer]


def html_values(widget: ipw.Widget) -> list[str]:
    """Every HTML value under ``widget``, as the page receives them."""
    found, todo = [], [widget]
    while todo:
        w = todo.pop()
        if isinstance(w, (ipw.HTML, ipw.HTMLMath)):
            found.append(w.get_state("value")["value"])
        todo.extend(getattr(w, "children", ()))
    return found


def assert_safe(*pages: str, whole: bool = True) -> None:
    """No raw tag anywhere; the escaped form somewhere (the whole string, or its start when a
    sentence shortens it)."""
    page = "\n".join(pages)
    assert "<img" not in page and "&<b>" not in page
    assert (ESCAPED if whole else "&lt;img src=x") in page


# --- the views: text in, escaped HTML out ------------------------------------------------------
def test_html_table_escapes_cells_headers_and_caption_but_keeps_markup():
    table = html_table(HOSTILE, [HOSTILE, Markup("<code>h_n</code>")], [(HOSTILE, 1.5)])
    assert table.count(ESCAPED) == 3
    assert "<code>h_n</code>" in table and "+1.5000" in table
    assert_safe(table)


def test_badge_figure_text_and_banner_escape_their_text():
    assert_safe(badge("ok", HOSTILE))
    assert "<code>x</code>" in badge("bad", Markup("<code>x</code>"))
    alt = FigureText(HOSTILE)
    assert_safe(alt.get_state("value")["value"])
    assert alt.text == HOSTILE  # the plain sentence stays what it is
    banner = MessageBanner()
    banner.show(HOSTILE, level="error")
    assert_safe(banner.get_state("value")["value"])
    assert banner.text == HOSTILE


def test_as_html_writes_markup_as_it_is_and_escapes_the_rest():
    assert as_html(HOSTILE) == ESCAPED
    assert as_html(Markup("<b>x</b>")) == "<b>x</b>"
    assert as_html(3) == "3"


def test_titles_captions_and_hover_read_outs_escape_their_text():
    heat = MatrixHeatmap(bands=(HOSTILE, "f"), colorbar=True)
    heat.show(np.arange(8, dtype=np.float32).reshape(4, 2), title=HOSTILE, vmin=0, vmax=8)
    heat.colorbar.set_range(0, 8, caption=HOSTILE)
    heat.hover(0.0, 0.0)  # row 0: the hostile band's name in the read-out
    assert_safe(*html_values(heat), heat.describe(0, 0))
    assert "gate &lt;img" in heat.describe(0, 0)
    assert_safe(ColorBar(caption=HOSTILE)._caption.get_state("value")["value"])
    chart = StateChart(name=HOSTILE)
    chart.show(np.zeros((3, 4), np.float32), 0, 1)
    assert_safe(*html_values(chart))
    predictions = PredictionsChart()
    predictions.show(np.zeros(3), np.ones(3), order="index", x_label=HOSTILE, y_label=HOSTILE,
                     title=HOSTILE)
    assert_safe(*html_values(predictions))
    memory = MemoryView()
    memory.show(np.ones((2, 3), np.float32), np.ones(3), None, title=HOSTILE, summary=HOSTILE)
    assert_safe(*html_values(memory))
    assert_safe(dot_text(HOSTILE, 0, 0, HOSTILE, "A", "b", [(1.0, 2.0)], 0.5, 2.5))


def test_a_title_of_ours_keeps_its_markup():
    heat = MatrixHeatmap()
    heat.show(np.zeros((2, 2), np.float32), title=Markup("<b>X</b> (2 × 2)"), vmin=-1, vmax=1)
    assert heat.title == "<b>X</b> (2 × 2)"


# --- the dashboards: a link, a dataset, a task -------------------------------------------------
@pytest.mark.parametrize("dashboard", DASHBOARDS, ids=lambda d: d.__name__)
def test_a_link_s_raw_values_are_echoed_escaped(dashboard):
    """The banner echoes an unknown parameter's name and a bad value as written."""
    setting = next(iter(dashboard.PRESET["limits"]))
    query = "?" + urlencode({HOSTILE: "1", setting: HOSTILE})
    page = dashboard(preset=query)
    banner = page.banner.get_state("value")["value"]
    assert_safe(banner, whole=False)
    assert banner.count("&lt;img") == 2  # the name and the value, each shortened
    assert_safe(*html_values(page), whole=False)
    assert HOSTILE[:20] in page.message  # what the learner was told, as plain text
    assert "&lt;" not in page.message


def test_tokens_element_names_and_the_data_s_words_are_escaped(monkeypatch):
    """A review whose words are markup, a data card and a source sentence of markup: the
    tokens table, the padding section, the notes and the numbers tables all escape them."""
    monkeypatch.setattr(sequence, "REVIEWS", ((HOSTILE + " fine film", 1),
                                              ("a dull film", 0)) * 4)
    monkeypatch.setattr(sequence, "tokenize", lambda text: [HOSTILE, *text.split()[4:]])
    card = sequence.DatasetCard(HOSTILE, HOSTILE, HOSTILE, "tokens", {"n_s": HOSTILE})
    monkeypatch.setitem(sequence.CARDS, "reviews", card)
    made = sequence_model.make_dataset

    def with_source(*args, **kwargs):
        return dataclasses.replace(made(*args, **kwargs), source=HOSTILE + " and `nn.LSTM`")

    monkeypatch.setattr(sequence_model, "make_dataset", with_source)
    page = SequenceExplorer(preset="?dataset=reviews&seq_len=6")
    page.numbers.toggle.value = True  # the tables with every element named by its token
    assert page.model.data.reviews.tokens[0][0] == HOSTILE
    pages = html_values(page)
    assert_safe(*pages)
    assert any("<code>nn.LSTM</code>" in p for p in pages)  # the source's code span stays
    assert any("<span class='tok'>" + ESCAPED in p for p in pages)  # the token chips
    assert sum(p.count(ESCAPED) for p in pages) >= 10


def test_the_training_page_escapes_the_task_s_words(monkeypatch):
    page = TrainingExplorer()
    data = dataclasses.replace(page.model.data, unit=HOSTILE, metric=HOSTILE,
                               score_name=HOSTILE)
    progress = dataclasses.replace(page.model.progress, message=HOSTILE, valid=(0.5,),
                                   train=(0.6,))
    assert_safe(status_line(progress, data))
    assert_safe(announcement(progress, data))
    assert_safe(results_table(data, page.model.answers, False))
    page.banner.show(f"Could not switch the task (ValueError: {HOSTILE}).", level="error")
    assert_safe(*html_values(page))
