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


def test_the_survival_heatmap_counts_steps_from_one_as_the_dependence_chart_does():
    """One convention on the page: the marked step e = 7 is column 6 of the survival matrix,
    and both its tick and its read-out say e = 7, as the chart below it does."""
    view = MemoryView()
    survival = np.random.default_rng(1).uniform(0, 1, (4, 10))
    view.show(survival, np.linspace(0.1, 1.0, 10), None, title="t", summary="", marked=(7,),
              channel="the number")
    hm = view.survival
    assert hm._x_axis.label == "step e"
    labels = hm._x_axis.tick_labels
    assert labels["0"] == "1" and all(int(v) == int(k) + 1 for k, v in labels.items())
    assert hm.describe(2, 6) == f"row 2, step e 7 (column 6): <b>{survival[2, 6]:+.4f}</b>"
    xs = np.asarray(hm._highlights.x).ravel()
    assert (xs.min(), xs.max()) == (5.5, 6.5)  # the box round column 6: step 7
    np.testing.assert_array_equal(np.ravel(view._marked.x), [7, 7])  # the chart's step 7
