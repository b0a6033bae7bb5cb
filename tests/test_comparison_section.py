"""The training page's comparison section, headless: every number it shows is the live models'."""

from __future__ import annotations

import asyncio

import numpy as np
import pytest
import torch
from traitlets import TraitError

from tests.background import first, on_a_loop
from widgets.dashboards.comparison_section import ComparisonSection
from widgets.maths.memory import input_dependence, state_dependence
from widgets.state.training_model import TrainingModel
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache
from widgets.views.controls import MessageBanner

QUICK = dict(task="adding", seq_len=10, epochs=3, hidden_size=4)  # seconds, not minutes
BY_BATCHES = Pace(seconds=None, batches=20)


@pytest.fixture
def page(tmp_path):
    return TrainingModel(cache=ModelCache(tmp_path), **QUICK)


def section_of(page) -> ComparisonSection:
    return ComparisonSection(page, MessageBanner(), pace=BY_BATCHES)


def test_untrained_it_builds_nothing_and_says_so(page):
    s = section_of(page)
    assert s.model.comparison is None  # no three models at each move of a slider
    assert "Not compared yet." in s.status.value
    assert all(len(c) == 0 for c in s.curves.curves.values())
    assert s.results.value == "" and s.verdict.value == ""
    assert "nothing trained yet" in s.state_chart.alt.text and not s.state_chart.lines
    assert "validation MSE at most 0.01" in s.intro.value and "n_E = 10" in s.intro.value
    assert not s.buttons["compare"].disabled and s.buttons["compare-stop"].disabled


def test_a_comparison_shows_the_three_live_runs(page):
    s = section_of(page)
    s.compare()  # no kernel loop here: to its end now
    c = s.model.comparison
    assert s.model.status == "trained" and c.done
    assert s.buttons["compare"].disabled  # compared: Reset to run it again
    for cell, t in c.trainers.items():
        np.testing.assert_array_equal(s.curves.curves[cell], np.float32(t.history.valid))
        row = f"<th scope='row'>{ {'lstm': 'LSTM', 'gru': 'GRU', 'rnn': 'plain RNN'}[cell] }</th>"
        assert row in s.results.value
        assert f"<td>{t.history.valid[-1]:.3g}</td>" in s.results.value
    assert s.verdict.value == f"<p><b>{s.model.progress.verdict}</b></p>"
    assert s.model.progress.verdict  # one sentence that reads the finished run
    # the memory charts: autograd on each trained model, for the page's validation sequence
    x = c.data.X_valid[page.sample]
    for cell, t in c.trainers.items():
        state, diff = state_dependence(t.model, x)
        assert diff < 1e-5
        np.testing.assert_allclose(s.state_chart.lines[(cell, "trained")], state)
        np.testing.assert_allclose(s.input_chart.lines[(cell, "trained")],
                                   input_dependence(t.model, x, channel=0))
        assert (cell, "initial") in s.state_chart.lines
    assert "plain RNN" in s.state_chart.alt.text and "log scale" in s.state_chart.alt.text
    # what the gated cells keep: the LSTM's forget gates, the GRU's update gates, trained
    from widgets.maths.cells import trace_cell
    from widgets.maths.lstm import trace_lstm
    from widgets.maths.memory import forget_survival, update_survival

    lstm, gru = c.trainers["lstm"].model.lstm, c.trainers["gru"].model.gru
    np.testing.assert_allclose(s.survival["lstm"].values, np.float32(
        forget_survival(trace_lstm(lstm, x[None]).gates[0, :, 1])))
    np.testing.assert_allclose(s.survival["gru"].values, np.float32(
        update_survival(trace_cell(gru, x[None]).gates["z"][0])))
    assert "z<sub>e+1</sub>" in s.survival["gru"].title
    # another validation sequence: the memory is read again, for it
    page.sample = 7
    np.testing.assert_allclose(s.state_chart.lines[("lstm", "trained")],
                               state_dependence(c.trainers["lstm"].model,
                                                c.data.X_valid[7])[0])
    assert "validation sequence 7" in s.state_chart._title.value


def test_new_settings_make_a_new_comparison_and_reset_undoes_a_run(page):
    s = section_of(page)
    s.compare()
    page.configure(seed=3)
    assert s.model.status == "untrained" and s.model.comparison is None
    assert s.model.config.seed == 3 and s.results.value == ""
    assert all(len(c) == 0 for c in s.curves.curves.values())
    s.compare()
    assert s.model.comparison.config.seed == 3
    s.run.reset()
    assert s.model.status == "untrained" and not s.buttons["compare"].disabled


def test_in_the_background_it_publishes_slices_and_stop_is_honoured(page):
    s = section_of(page)

    async def scenario():
        s.run.run(asyncio.get_running_loop())
        assert s.run.running and s.model.status == "training"
        await first(s.model, "progress", lambda p: p.done >= 40)
        s.run.stop()
        await s.run.job

    on_a_loop(scenario())
    p = s.model.progress
    assert p.status == "stopped" and 40 <= p.done < p.total
    assert "Stopped." in s.status.value and not s.buttons["compare"].disabled
    assert s.announcer.value == "<p>Stopped.</p>"

    async def go_on():
        s.run.run(asyncio.get_running_loop())  # Compare again: it goes on from there
        await s.run.job

    on_a_loop(go_on())
    assert s.model.status == "trained" and s.model.progress.done == s.model.progress.total


def test_the_link_carries_the_comparison_and_a_link_with_it_runs_it(tmp_path):
    from widgets import TrainingExplorer

    d = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path)),
                         preset="task=adding&seq_len=10&epochs=2&hidden_size=4")
    assert "compare" not in d.query  # off: left out, the link as it was
    d.comparison.compare()  # no kernel loop: to its end now
    assert d.model.compare == "on" and d.query.endswith("&compare=on")
    assert d.comparison.model.status == "trained"
    # the comparison's code joins the page's code once it has run
    assert "compared = {}" in d.recipe().script
    opened = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path)), preset=d.query)
    assert opened.banner.text == "" and opened.comparison.model.status == "trained"
    assert opened.query == d.query
    opened.comparison.reset()
    assert opened.model.compare == "off" and "compare" not in opened.query
    assert "compared = {}" not in opened.recipe().script
    # a new size is a new comparison, asked for again
    d.controls["hidden_size"].value = 5
    assert d.model.compare == "off" and d.comparison.model.status == "untrained"
    with pytest.raises(TraitError, match="compare must be one of off, on"):
        d.model.compare = "maybe"
    assert d.model.compare == "off"


def test_a_second_kernel_takes_the_comparison_from_the_model_cache(tmp_path):
    """A class on the same link trains each cell once: the second page's cells are the
    first's races, from the cache, with their curves, weights and times."""
    first_page = TrainingModel(cache=ModelCache(tmp_path), **QUICK)
    first_section = section_of(first_page)
    first_section.compare()
    one = first_section.model.comparison
    second_page = TrainingModel(cache=ModelCache(tmp_path), **QUICK)
    second = section_of(second_page)
    second.compare()
    two = second.model.comparison
    assert second.model.status == "trained"
    for cell, t in two.trainers.items():
        mine = one.trainers[cell]
        assert t.message.startswith("Taken from the model cache"), t.message
        assert t.batches_done == mine.batches_done  # the bar counts them as done
        assert t.history.valid == mine.history.valid and t.seconds == mine.seconds
        assert t.solved_epoch == mine.solved_epoch
        for name, p in t.model.state_dict().items():
            assert torch.equal(p, mine.model.state_dict()[name]), (cell, name)
    for cell, curve in first_section.curves.curves.items():
        np.testing.assert_array_equal(second.curves.curves[cell], curve)


def test_show_the_numbers_has_the_comparisons_tables(tmp_path):
    from widgets import TrainingExplorer

    d = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path)),
                         preset="task=adding&seq_len=10&epochs=2&hidden_size=4")
    d.numbers.toggle.value = True
    assert "Not compared yet" in d.numbers.view.value
    d.comparison.compare()
    view = d.numbers.view.value
    c = d.comparison.model.comparison
    assert "Validation MSE per epoch of each cell" in view
    lstm = c.trainers["lstm"].history.valid
    assert f"<td>{lstm[0]:+.4f}</td>" in view  # the live curve, epoch 1
    state = d.comparison.model.memory("rnn", "trained", d.model.sample).state
    assert f"<td>{state[0]:.3e}</td>" in view and "‖dŷ/ds_e‖" in view


def test_a_failed_comparison_is_told_on_the_banner_and_the_page_goes_on(page, monkeypatch):
    banner = MessageBanner()
    s = ComparisonSection(page, banner, pace=BY_BATCHES)

    def broken(*_args, **_kwargs):
        raise RuntimeError("out of memory")

    async def scenario():
        s.run.run(asyncio.get_running_loop())
        monkeypatch.setattr(s.model.comparison, "run", broken)
        await s.run.job

    on_a_loop(scenario())
    assert s.model.status == "stopped"
    assert "The comparison failed (RuntimeError: out of memory)" in banner.value
    assert not s.buttons["compare"].disabled and s.buttons["compare-stop"].disabled
    s.reset()  # Reset and try again: it answers
    assert s.model.status == "untrained"
