"""The MLP maths and dashboard: nn.Linear's (out, in) weights, y = x A^T + b, batch = loop."""

import re

import ipywidgets as ipw
import numpy as np
import pytest
import torch

from widgets import MLPExplorer
from widgets.maths.mlp import MLPConfig, build_mlp, compare, dot_product, make_X, trace_mlp
from widgets.views.colors import nice_bound
from widgets.views.hover import HINT


@pytest.mark.parametrize(("n_d", "n_x", "n1", "n2"), [(15, 5, 8, 1), (1, 1, 1, 1), (64, 32, 32, 8),
                                                      (7, 3, 2, 5)])
def test_layers_are_x_at_transpose_plus_b(n_d, n_x, n1, n2):
    net = build_mlp(n_x, n1, n2, seed=3)
    X = make_X(n_d, n_x, seed=3)
    assert net[0].weight.shape == (n1, n_x) and net[0].bias.shape == (n1,)
    assert net[1].weight.shape == (n2, n1) and net[1].bias.shape == (n2,)
    t = trace_mlp(net, X)
    assert t.a1.shape == (n_d, n1) and t.y.shape == (n_d, n2)
    by_hand = X.numpy() @ t.A1.T + t.b1
    np.testing.assert_allclose(t.a1, by_hand, atol=1e-5)
    np.testing.assert_allclose(t.y, t.a1 @ t.A2.T + t.b2, atol=1e-5)
    for check in (t.layer1_by_hand, t.layer2_by_hand, t.batch_vs_loop):
        assert check.close and check.max_abs_diff < 1e-5


def test_compare_tells_equal_from_close():
    a = torch.tensor([1.0, 2.0])
    assert compare(a, a.clone()).equal
    nudged = compare(a, a + 1e-7)
    assert not nudged.equal and nudged.close and nudged.max_abs_diff > 0
    assert not compare(a, a + 1).close


def test_hover_dot_product_reproduces_the_cell():
    t = trace_mlp(build_mlp(5, 8, 1, 0), make_X(15, 5, 0))
    terms, total = dot_product(t.X[4], t.A1[6], float(t.b1[6]))
    assert len(terms) == 5
    assert total == pytest.approx(float(t.a1[4, 6]), abs=1e-6)


def test_seeded_and_global_rng_untouched():
    torch.manual_seed(0)
    expected = torch.rand(2)
    torch.manual_seed(0)
    a, b = build_mlp(4, 3, 2, 9), build_mlp(4, 3, 2, 9)
    assert torch.equal(torch.rand(2), expected)
    assert torch.equal(a[0].weight, b[0].weight)
    assert torch.equal(make_X(3, 4, 1), make_X(3, 4, 1))
    X = make_X(50, 4, 1)
    assert float(X.min()) >= 0 and float(X.max()) < 1


def test_config_bounds():
    with pytest.raises(ValueError, match="n\\[2\\] must be from 1 to 8"):
        MLPConfig(n2=9)


def test_nice_bound():
    assert nice_bound(np.array([0.73])) == 1.0
    assert nice_bound(np.array([-1.3, 0.2])) == 2.0
    assert nice_bound(np.array([0.22])) == 0.25
    assert nice_bound(np.array([0.0])) == 0.01


@pytest.fixture
def mlp():
    return MLPExplorer()


def test_titles_and_shape_table_follow_the_sliders(mlp):
    h = mlp.heatmaps
    assert h["A1"].title == "<b>A[1]</b> layer1.weight (n[1] × n_X) = (8 × 5)"
    mlp.controls["n_x"].value = 7
    mlp.controls["n1"].value = 3
    mlp.controls["n_d"].value = 20
    assert h["A1"].title == "<b>A[1]</b> layer1.weight (n[1] × n_X) = (3 × 7)"
    assert h["A2"].title == "<b>A[2]</b> layer2.weight (n[2] × n[1]) = (1 × 3)"
    assert h["X"].title == "<b>X</b> (n_D × n_X) = (20 × 7)"
    assert h["a1"].values.shape == (20, 3)
    table = mlp.shape_table.value
    assert "<code>nn.Linear(7, 3)</code>" in table
    assert "(*, H_in) = (20, 7)" in table and "(*, H_out) = (20, 3)" in table
    assert "(out_features, in_features) = (3, 7)" in table
    headers = re.findall(r"<th scope='col'>(.*?)</th>", table)
    assert all(headers) and "bias" in headers, headers  # every column says what it holds
    assert "<caption>The shapes of each layer: its module" in table
    assert "<th scope='row'>layer1</th>" in table and "<th scope='row'>layer2</th>" in table
    assert "<td>bias (3)</td>" in table and "<td>bias (1)</td>" in table
    assert "W<sup>[2]</sup>: (n<sup>[2]</sup>, n<sup>[1]</sup>) = (1, 3)" in table
    # every n[l] the table uses is defined, n[0] too (the learner found it used, not said)
    assert "W<sup>[1]</sup>: (n<sup>[1]</sup>, n<sup>[0]</sup>) = (3, 7)" in table
    assert ("the input counts as layer 0: n<sup>[0]</sup> = n_X = 7, n<sup>[1]</sup> = 3, "
            "n<sup>[2]</sup> = 1.") in table
    np.testing.assert_array_equal(h["A1"].values, mlp.model.net[0].weight.numpy())


def test_checks_are_reported_honestly(mlp):
    text = mlp.checks.value
    t = mlp.model.trace
    for check in (t.layer1_by_hand, t.batch_vs_loop):
        if check.equal:
            assert "<code>torch.equal</code> is True" in text
        else:  # a finding, marked ≈ in a neutral badge, not the orange "!" of a warning
            assert "not bit-identical" in text and f"{check.max_abs_diff:.1e}" in text
            assert "badge-note" in text and "badge-warn" not in text


def test_rounding_alone_is_a_note_not_a_warning():
    from widgets.dashboards.mlp_explorer import _verdict
    from widgets.maths.mlp import Check

    rounding = _verdict(Check(equal=False, close=True, max_abs_diff=3e-8), "layer")
    assert "badge-note" in rounding and "≈" in rounding and "float32 rounding" in rounding
    assert "badge-bad" in _verdict(Check(equal=False, close=False, max_abs_diff=0.5), "layer")


def test_hover_on_y_shows_its_dot_product(mlp):
    mlp.heatmaps["y"].hover(0, 3)
    readout = mlp.heatmaps["y"].hover_readout.readout.value
    t = mlp.model.trace
    assert readout.startswith("y[3, 0] = a[1][3,:]·A[2][0,:] + b[2][0] = ")
    assert readout.count("×") == mlp.model.n1
    assert readout.endswith(f"<b>{t.y[3, 0]:.4f}</b>")


def test_forced_value_is_refused(mlp):
    mlp.controls["n2"].set_state({"value": 10**6})
    assert mlp.banner.text == "n[2] must be from 1 to 8; 1000000 was refused."
    assert mlp.model.n2 == 1


def _readout(mlp) -> str:
    return mlp.heatmaps["a1"].hover_readout.readout.value


def test_a_rebuild_reads_the_hovered_cell_again_from_the_new_network(mlp):
    """Issue 26: after a hover on a[1], n_X = 8 and n[1] = 7 left the old 5-term sum on screen."""
    mlp.heatmaps["a1"].hover(2, 3)  # a[1][3, 2]
    before = _readout(mlp)
    assert before.count("×") == 5
    mlp.model.n_x = 8
    mlp.model.n1 = 7
    t = mlp.model.trace
    after = _readout(mlp)
    assert after != before
    assert after.startswith("a[1][3, 2] = X[3,:]·A[1][2,:] + b[1][2] = ")
    assert after.count("×") == 8
    assert after.endswith(f"<b>{t.a1[3, 2]:.4f}</b>")
    mlp.model.seed = 5  # same shapes, new numbers: read again too
    assert _readout(mlp).endswith(f"<b>{mlp.model.trace.a1[3, 2]:.4f}</b>")
    assert mlp.model.trace.a1[3, 2] != t.a1[3, 2]


def test_a_rebuild_without_the_hovered_cell_goes_back_to_the_hint(mlp):
    mlp.heatmaps["y"].hover(0, 14)  # y[14, 0]
    assert _readout(mlp).startswith("y[14, 0]")
    mlp.model.n_d = 10
    assert _readout(mlp) == HINT
    mlp.model.n_d = 15  # the cell is back, but nothing points at it: the hint stays
    assert _readout(mlp) == HINT


def test_the_data_row_shares_one_read_out_of_fixed_height_under_the_row(mlp):
    """A long dot product must neither widen a heatmap (pushing y onto a new row, out from
    under the mouse) nor grow the page: one read-out for X, a[1] and y, under their row."""
    readouts = {name: mlp.heatmaps[name].hover_readout.readout for name in ("X", "a1", "y")}
    line = readouts["a1"]
    assert all(r is line for r in readouts.values())
    assert all(line not in hm.children for hm in mlp.heatmaps.values())
    row = next(c for c in mlp.children if isinstance(c, ipw.HBox) and mlp.heatmaps["a1"] in
               c.children)
    assert mlp.children[mlp.children.index(row) + 1] is line
    assert line.layout.height and line.layout.min_height == line.layout.max_height == (
        line.layout.height)
    assert line.layout.overflow == "hidden"  # clipped: no scroll box that no key can reach
    mlp.model.n_x = 32
    mlp.heatmaps["a1"].hover(0, 0)
    assert line.value.count("×") == 32
    assert line.layout.height == line.layout.max_height  # the text changed, the area did not
