"""The presenter mode without a browser: ``present=k`` in a link, one section at a time, the
bar's buttons and box driven by the messages the page sends, and what a bad link or a forced
message gets. The browser half (keys, axe-core) is tests/e2e/test_presenter.py."""

from __future__ import annotations

import pytest

from tests.widget_state import by_class, classes
from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, TrainingExplorer, TrainingModel
from widgets.maths.limits import parse_preset
from widgets.maths.lstm import LIMITS, SYMBOLS
from widgets.state.presets import presenter_section, state_query
from widgets.store.model_cache import ModelCache
from widgets.views.presenter import HIDDEN_CLASS, PRESENT_CLASS, SCRIPT

INTRO = "This link asked for something out of reach: "
# what must stay on screen in every section: the page's settings (and the run's buttons)
SETTINGS = {
    "1_mlp": ["n_d", "n_x", "seed", "n1", "n2"],
    "2_sequence_data": ["dataset", "n_s", "seq_len", "n_x", "batch_size", "hidden_size", "seed"],
    "3_lstm_explorer": ["n_x", "hidden_size", "seq_len", "batch_size", "sample", "seed",
                        "num_layers", "bidirectional", "proj_size", "h0"],
    "4_training": ["task", "cell", "hidden_size", "seq_len", "lr", "epochs", "batch_size",
                   "seed"],
}
# the controls a section needs besides them: (section title, ctl- classes)
NEEDS = {
    "1_mlp": [],
    "2_sequence_data": [(title, ["batch", "position", "element"]) for title in (
        "The notation, with these numbers", "The dataset tensor",
        "Batched or not, batch first or not", "Many-to-one")],
    "3_lstm_explorer": [("Weights and biases", ["layer", "direction"]),
                        ("Step by step", ["layer", "direction", "step", "unit"]),
                        ("What nn.LSTM returns", ["outputs"])],
    "4_training": [("What it learned", ["phase", "sample", "step", "unit", "scale"]),
                   ("Memory", ["phase", "sample"]),
                   ("Why the LSTM: three cells, one memory", ["sample"])],
}


def build(name: str, tmp_path, preset: str | None = None):
    if name == "4_training":
        model = TrainingModel(cache=ModelCache(tmp_path / "models"))
        return TrainingExplorer(model, preset=preset)
    cls = {"1_mlp": MLPExplorer, "2_sequence_data": SequenceExplorer,
           "3_lstm_explorer": LSTMExplorer}[name]
    return cls(preset=preset)


def walk(widget, hidden=False):
    """Every widget under ``widget``, and whether the presenter hides it (itself or a box
    around it carries the hidden class, under a root that presents)."""
    hidden = hidden or HIDDEN_CLASS in classes(widget)
    yield widget, hidden
    for child in getattr(widget, "children", ()):
        yield from walk(child, hidden)


def shown_ctls(page) -> set[str]:
    """The ``ctl-`` classes of the controls on screen."""
    return {c[4:] for w, hidden in walk(page) if not hidden for c in classes(w)
            if c.startswith("ctl-")}


def click(button) -> None:
    """What the page sends when the button is pressed."""
    button._handle_msg({"content": {"data": {"method": "custom",
                                             "content": {"event": "click"}}}, "buffers": []})


def send(control, state: dict) -> None:
    """An update message from the page, as the websocket brings it."""
    control._handle_msg({"content": {"data": {"method": "update", "state": state,
                                              "buffer_paths": []}}, "buffers": []})


@pytest.mark.parametrize("name", list(SETTINGS))
def test_the_link_turns_it_on_and_every_section_shows_alone_with_what_it_needs(name, tmp_path):
    page = build(name, tmp_path, "present=1")
    sections = page.presenter.sections
    assert page.presenting == 1 and PRESENT_CLASS in classes(page)
    assert page.presenter.layout.display is None  # the bar is on the page
    assert len(sections) >= 6 and sections[-2][0] == "Questions"
    everything = {id(w) for _title, ws in sections for w in ws}
    for k, (title, widgets) in enumerate(sections, 1):
        click(page.presenter.next) if k > 1 else None
        assert page.presenting == k
        assert page.presenter.where.value == (f"<h2>Section {k} of {len(sections)}: "
                                              f"{title}</h2>")
        on_screen = {id(w) for w, hidden in walk(page) if not hidden}
        mine = {id(w) for w in widgets}
        assert mine <= on_screen, title
        assert not (everything - mine) & on_screen, f"{title}: another section shows too"
        # the settings and what this section needs are on screen; its own figures too
        needed = SETTINGS[name] + [c for t, ctls in NEEDS[name] if t == title for c in ctls]
        assert set(needed) <= shown_ctls(page), (title, set(needed) - shown_ctls(page))
    # every section shows something of its own, and every figure is in a section
    assert all(ws for _t, ws in sections)
    figures = [w for w, _h in walk(page) if "bqplot" in type(w).__module__
               and type(w).__name__ == "Figure"]
    click(page.presenter.next)  # past the last: stays
    assert page.presenting == len(sections)
    hidden = {id(w) for w, h in walk(page) if h}
    assert all(id(f) in hidden for f in figures)  # the last section is the code: no figure


def test_without_present_the_page_is_whole_and_the_bar_away(tmp_path):
    page = build("3_lstm_explorer", tmp_path, "hidden_size=4")
    assert page.presenting == 0 and PRESENT_CLASS not in classes(page)
    assert page.presenter.layout.display == "none" and page.presenter.where.value == ""
    assert not any(hidden for _w, hidden in walk(page))
    assert "present" not in page.link.query and "?present" not in page.nav.value
    click(page.presenter.next)  # a forced press while it is away does nothing
    assert page.presenting == 0


def test_next_and_previous_move_and_stop_at_the_ends_and_the_link_follows(tmp_path):
    page = build("1_mlp", tmp_path, "n_x=3&present=1")
    last = len(page.presenter.sections)
    click(page.presenter.previous)
    assert page.presenting == 1  # already the first
    for k in range(2, last + 1):
        click(page.presenter.next)
        assert page.presenting == k and page.link.query.endswith(f"&present={k}")
        assert page.presenter.jump.value == k  # the box says where it is
    click(page.presenter.next)
    click(page.presenter.next)
    assert page.presenting == last
    click(page.presenter.previous)
    assert page.presenting == last - 1
    assert page.presenter.title == page.presenter.sections[last - 2][0]
    # the code and the class's answers never carry the presenter mode
    assert "present" not in page.query and page.query == state_query(page.model)
    assert page.recipe().link == page.query
    assert "present" not in page.code.script
    # the link reopens the projector's view
    again = MLPExplorer(preset=page.link.query)
    assert again.presenting == last - 1 and again.query == page.query and again.message == ""
    # and the page links take the mode on to the next page, at its first section
    assert "href='3_lstm_explorer.ipynb?present=1'" in page.nav.value


def test_the_box_jumps_and_a_forced_section_is_refused_and_the_page_works_on(tmp_path):
    page = build("3_lstm_explorer", tmp_path, "present=2")
    jump, last = page.presenter.jump, len(page.presenter.sections)
    send(jump, {"value": 4})
    assert page.presenting == 4 and page.presenter.title == "What nn.LSTM returns"
    for bad, message in [
        (99, f"section must be from 1 to {last}; 99 was refused."),
        (0, f"section must be from 1 to {last}; 0 was refused."),
        (-1, f"section must be from 1 to {last}; -1 was refused."),
        ("3", f"section must be a whole number from 1 to {last}; '3' was refused."),
        (2.5, f"section must be a whole number from 1 to {last}; 2.5 was refused."),
    ]:
        send(jump, {"value": bad})
        assert page.message == message and page.presenting == 4, bad
    send(jump, {"max": 10**6, "value": 10**6})
    assert "may only move the value" in page.message and jump.max == last
    assert page.presenting == 4
    # the page goes on: a size rebuilds, the bar moves
    page.controls["hidden_size"].set_state({"value": 6})
    assert page.model.hidden_size == 6 and page.message == ""
    click(page.presenter.next)
    assert page.presenting == 5
    # the kernel refuses a section out of range too, with a sentence
    with pytest.raises(Exception, match=f"section must be from 0 .* to {last}; got 7"):
        page.present(7)
    # off: the whole page again, and the box takes nothing
    page.present(0)
    assert not any(hidden for _w, hidden in walk(page)) and PRESENT_CLASS not in classes(page)
    send(jump, {"value": 2})
    assert page.presenting == 0 and "switched off" in page.message


@pytest.mark.parametrize(("query", "section", "problem"), [
    ("present=1", 1, ""),
    ("present=0", 0, ""),
    ("present=6", 6, ""),
    ("present=3&present=5", 5, ""),  # the last wins, as for every parameter
    ("present=banana", 0, "present='banana' is not a whole number; it was ignored."),
    ("present=", 0, "present='' is not a whole number; it was ignored."),
    ("present=2.5", 0, "present='2.5' is not a whole number; it was ignored."),
    ("present=99", 6, "present=99 is past the last of this page's 6 sections; showing "
                      "section 6."),
    ("present=" + "9" * 400, 6, "present=999999999999999999999999… is past the last of this "
                                "page's 6 sections; showing section 6."),
    ("present=-2", 0, "present=-2 is not a section (1 to 6, or 0 for the whole page); "
                      "showing the whole page."),
    ("n_x=99&present=yes", 0, "n_X=99 is outside 1 to 64; using 64. present='yes' is not a "
                              "whole number; it was ignored."),
])
def test_bad_present_values_are_said_and_give_the_whole_page(query, section, problem,
                                                             tmp_path):
    page = build("3_lstm_explorer", tmp_path, query)
    assert page.presenting == section
    assert page.message == (INTRO + problem if problem else "")
    assert (PRESENT_CLASS in classes(page)) == bool(section)
    # the same through a preheated kernel: built first, the link applied after
    warm = LSTMExplorer()
    warm.apply_preset(query)
    assert warm.presenting == section and warm.message == page.message


def test_a_preheated_page_follows_the_link_it_is_given(tmp_path):
    page = build("2_sequence_data", tmp_path)
    page.apply_preset("?dataset=reviews&present=5")
    assert page.model.dataset == "reviews" and page.presenting == 5
    assert page.presenter.title == "Many-to-one"
    assert page.padding.shown  # the reviews' padding, in the read-out's section
    page.apply_preset("?dataset=signals&present=5")
    # the signals have none: its own display, which the presenter leaves alone
    assert not page.padding.shown and page.presenting == 5
    page.apply_preset("?dataset=signals")  # a link without present: the whole page
    assert page.presenting == 0 and "?present" not in page.nav.value


def test_a_section_comes_back_as_it_was_left(tmp_path):
    page = build("3_lstm_explorer", tmp_path, "present=4")
    page.outputs_toggle.value = True  # open "output and (h_n, c_n)"
    box = page.outputs_box.children
    figure = page.weights
    click(page.presenter.previous)
    click(page.presenter.previous)
    assert page.presenting == 2 and HIDDEN_CLASS in classes(page.outputs_toggle)
    page.controls["hidden_size"].value = 5  # moved while hidden: it follows
    click(page.presenter.next)
    click(page.presenter.next)
    assert page.outputs_toggle.value and page.outputs_box.children == box
    assert page.weights is figure and page.outputs.controls  # nothing rebuilt or closed
    assert all(w.comm is not None for w, _h in walk(page))
    assert by_class(page, "outputs-view") is page.outputs


def test_the_title_is_announced_and_the_page_script_comes_along(monkeypatch, tmp_path):
    page = build("1_mlp", tmp_path, "present=2")
    where = page.presenter.where
    assert "live-status" in classes(where)  # the page script makes it a polite status
    assert where.value == "<h2>Section 2 of 6: The data flowing through</h2>"
    assert "ctl-section" in classes(page.presenter.jump)
    assert page.presenter.next.description == "Next" and "Page Down" in page.presenter.next.tooltip
    assert page.presenter.previous.description == "Previous"
    assert "Page Up" in page.presenter.previous.tooltip
    shown = []
    monkeypatch.setattr("IPython.display.display",
                        lambda obj, raw=False: shown.append((obj, raw)))
    page._ipython_display_()
    scripts = shown[0][0].data
    assert scripts.count(SCRIPT) == 1 and f"<script>{SCRIPT}</script>" in scripts
    assert "</script>" not in SCRIPT
    for needle in ("window.lstmPresenterInstalled", "PageDown", "PageUp", ".presenter-next",
                   ".presenter-previous", "[role='slider']", ".lstm-present"):
        assert needle in SCRIPT, needle


def test_the_settings_reader_leaves_present_to_the_page():
    found = parse_preset("hidden_size=8&present=2", LIMITS, SYMBOLS)
    assert found.values == {"hidden_size": 8} and found.problems == []
    assert presenter_section("?hidden_size=8&present=2", 6) == (2, [])
    assert presenter_section("hidden_size=8", 6) == (0, [])
    assert presenter_section(None, 6) == (0, [])
    too_many = "&".join(f"x{k}=1" for k in range(60)) + "&present=2"
    assert presenter_section(too_many, 6) == (0, [])  # the settings' reader says why
