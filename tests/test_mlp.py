"""The MLP maths and dashboard: nn.Linear's (out, in) weights, y = x A^T + b, batch = loop."""

import re

import numpy as np
import pytest
import torch

from widgets import MLPExplorer
from widgets.maths.mlp import MLPConfig, build_mlp, compare, dot_product, make_X, trace_mlp
from widgets.views.colors import nice_bound


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
    np.testing.assert_array_equal(h["A1"].values, mlp.model.net[0].weight.numpy())


def test_checks_are_reported_honestly(mlp):
    text = mlp.checks.value
    t = mlp.model.trace
    for check in (t.layer1_by_hand, t.batch_vs_loop):
        if check.equal:
            assert "<code>torch.equal</code> is True" in text
        else:
            assert "not bit-identical" in text and f"{check.max_abs_diff:.1e}" in text


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
