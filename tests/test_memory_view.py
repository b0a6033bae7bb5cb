"""The memory views say what they draw: the marked steps, the channel, the last column, and
when no unit keeps anything."""

from types import SimpleNamespace

import numpy as np

from widgets.dashboards.training_text import memory_summary
from widgets.views.memory_view import MemoryView


def test_the_marked_steps_are_drawn_on_both_charts_and_said():
    view = MemoryView()
    survival = np.random.default_rng(0).uniform(0, 1, (4, 10))
    dep = np.linspace(0.1, 1.0, 10)
    view.show(survival, dep, None, title="t", summary="", marked=(3, 7), channel="the number")
    assert view._marked.visible
    np.testing.assert_array_equal(view._marked.x, [[3, 3], [7, 7]])
    assert view.survival._highlights.visible  # the marked columns, boxed
    assert "of the number" in view._dependence_title.value
    assert "the marked steps e = 3, 7" in view._dependence_title.value
    assert view.alt.text.endswith("The marked steps: e = 3, 7.")
    assert not view._initial.display_legend  # no legend box over a peak: the title names them
    view.show(survival, dep, None, title="t", summary="")
    assert not view._marked.visible and not view.survival._highlights.visible
    assert "marked" not in view._dependence_title.value
    assert "The last column is always 1" in view.children[0].value


def test_no_unit_keeping_anything_is_said_so():
    data = SimpleNamespace(unit="", truth=np.array([1.0]))
    m = SimpleNamespace(data=data, sample=0, prediction=lambda: 0.5)
    nothing = np.full((3, 5), 1e-9)
    assert "no unit keeps even a thousandth" in memory_summary(m, nothing)
    some = nothing.copy()
    some[2, 0] = 0.42
    assert "unit 2 keeps the most to the end: 0.420" in memory_summary(m, some)
