"""Whatever the page sends, the widgets answer with a sentence or ignore it; nothing raises.

Messages are handed to the widgets exactly as the kernel hands them a comm message from the
websocket; the e2e security tests send the same over a real kernel websocket.
"""

import json
import math

import numpy as np
import pytest

from tests.widget_state import by_class
from widgets import LSTMExplorer, MatrixHeatmap


def _comm_msg(widget, data) -> None:
    """What ipykernel does with a comm_msg: parse it (NaN and Infinity included) and hand it on."""
    widget._handle_msg({"content": {"data": json.loads(json.dumps(data))}, "buffers": []})


def _update(widget, state) -> None:
    _comm_msg(widget, {"method": "update", "state": state, "buffer_paths": []})


@pytest.fixture(scope="module")
def explorer():
    return LSTMExplorer()


@pytest.mark.parametrize("state", [None, [1, 2], "12", 12])
def test_an_update_that_is_not_a_set_of_values_is_refused(explorer, state):
    before = explorer.model.trace
    _update(explorer.controls["hidden_size"], state)
    assert explorer.message == ("H: the page sent an update that is not a set of values; "
                                "it was refused.")
    assert explorer.model.trace is before


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"value": 10**30}, "Play must be from 1 to 12; 10" + "0" * 29 + " was refused."),
        ({"value": "3"}, "Play must be a whole number from 1 to 12; '3' was refused."),
        ({"playing": "yes"}, "Play: playing must be true or false; 'yes' was refused."),
        ({"interval": 0}, "Play: the page may only move the value, not interval."),
        ({"max": 10**9, "value": 10**9}, "Play: the page may only move the value, not max."),
    ],
)
def test_play_takes_only_what_its_buttons_send(explorer, state, expected):
    play = explorer.steps.play
    _update(play, state)
    assert explorer.message == expected
    assert (play.min, play.max) == (1, explorer.model.seq_len)
    assert play.interval == explorer.steps.speed.value  # only the speed sets it


def _interval_on_page(play) -> int:
    return play.get_state("interval")["interval"]


def test_play_opens_at_a_pace_a_learner_can_follow():
    play = by_class(LSTMExplorer(), "ctl-play")
    assert 1 <= 1000 / _interval_on_page(play) <= 2  # one or two steps a second


def test_the_speed_sets_plays_interval_from_slow_to_the_old_fast_rate(explorer):
    speed, play = by_class(explorer, "ctl-speed"), by_class(explorer, "ctl-play")
    default = _interval_on_page(play)
    seen = {}
    for index, (label, _ms) in enumerate(speed.options):
        _update(speed, {"index": index})  # a button pressed in the page
        seen[label] = _interval_on_page(play)
    assert seen["fast"] == 40  # 25 steps a second: the rate the benchmark measures
    assert max(seen.values()) > default  # a teacher can slow it down further
    assert len(set(seen.values())) == len(seen) and default in seen.values()
    _update(speed, {"index": list(seen.values()).index(default)})
    assert _interval_on_page(play) == default


def test_the_training_dashboards_play_has_the_speed_too(tmp_path):
    from widgets import TrainingExplorer, TrainingModel
    from widgets.store.model_cache import ModelCache

    page = TrainingExplorer(TrainingModel(cache=ModelCache(tmp_path / "models")))
    speed, play = by_class(page, "ctl-speed"), by_class(page, "ctl-play")
    _update(speed, {"index": len(speed.options) - 1})
    assert _interval_on_page(play) == 40
    _update(speed, {"index": 9})
    assert page.message == "speed: choose one of the 4 options; 9 was refused."
    assert _interval_on_page(play) == 40


@pytest.mark.parametrize(
    ("state", "expected"),
    [
        ({"index": 4}, "speed: choose one of the 4 options; 4 was refused."),
        ({"index": -1}, "speed: choose one of the 4 options; -1 was refused."),
        ({"index": "3"}, "speed: choose one of the 4 options; '3' was refused."),
        ({"index": True}, "speed: choose one of the 4 options; True was refused."),
        ({"_options_labels": ["0"]}, "speed: the page may only move the value, not "
                                     "_options_labels."),
    ],
)
def test_the_speed_takes_only_one_of_its_buttons(explorer, state, expected):
    speed, play = explorer.steps.speed, explorer.steps.play
    before = (speed.index, play.interval)
    _update(speed, state)
    assert explorer.message == expected
    assert (speed.index, play.interval) == before


def test_play_still_plays(explorer):
    play = explorer.steps.play
    _update(play, {"playing": True, "repeat": True})
    _update(play, {"value": 5})
    assert play.playing and play.repeat and play.value == 5


@pytest.mark.parametrize(
    "content",
    [
        {"event": "mousemove", "domain": {"x": math.nan, "y": 1.0}},
        {"event": "mousemove", "domain": {"x": 2.0, "y": math.inf}},
        {"event": "mousemove", "domain": {"x": -math.inf, "y": 1e308}},
        {"event": "mousemove", "domain": {"x": 1e308, "y": 1e308}},
        {"event": "mousemove", "domain": {"x": True, "y": "3"}},
        {"event": "mousemove", "domain": [1, 2]},
        {"event": "mousemove"},
        "mousemove",
        None,
        [],
    ],
)
def test_hover_messages_from_the_page_cannot_raise(explorer, content):
    heatmap = MatrixHeatmap(x_label="k", y_label="row")
    heatmap.show(np.arange(12, dtype=np.float32).reshape(3, 4), title="m", vmin=0, vmax=11)
    content = json.loads(json.dumps(content))  # as parsed by the kernel: NaN is a float
    # the handler itself (ipywidgets' dispatcher would catch and print an exception)
    for view in (heatmap, explorer.weights, explorer.steps.strips):
        view.hover_readout.receive(content)
        assert not view.hover_readout.cursor.visible
    # and a sane hover still reads a cell
    heatmap.hover_readout.receive({"event": "mousemove", "domain": {"x": 1, "y": 2}})
    assert heatmap.hover_readout.cursor.visible
