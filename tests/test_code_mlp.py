"""The MLP dashboard's code, run in a fresh interpreter, gives what the dashboard shows."""

import random

import numpy as np
import pytest

from tests.generated_code import run_all
from widgets import MLPExplorer
from widgets.codegen.mlp import mlp_recipe
from widgets.maths.mlp import LIMITS

NAMES = ["layer1", "layer2", "X", "a1", "y", "y_loop", "checks"]


def _settings(count: int) -> list[dict]:
    """The defaults, the smallest and largest sizes, then random ones (fixed by a seed)."""
    rng = random.Random(15)
    chosen = [{}, {name: lo for name, (lo, _) in LIMITS.items()},
              {name: hi for name, (_, hi) in LIMITS.items()}]
    while len(chosen) < count:
        chosen.append({name: rng.randint(lo, min(hi, 40)) if name != "seed"
                       else rng.randint(0, 10**6) for name, (lo, hi) in LIMITS.items()})
    return chosen


@pytest.fixture(scope="module")
def runs():
    pages = []
    for settings in _settings(8):
        page = MLPExplorer()
        page.model.configure(**settings)
        pages.append(page)
    ran = run_all([(mlp_recipe(p.model.config, p.query).code, NAMES) for p in pages])
    return list(zip(pages, ran, strict=True))


def test_the_code_builds_the_weights_and_the_data_the_page_shows(runs):
    for page, ran in runs:
        t, v = page.model.trace, ran.values
        np.testing.assert_array_equal(v["layer1"].weight.detach().numpy(), t.A1)
        np.testing.assert_array_equal(v["layer1"].bias.detach().numpy(), t.b1)
        np.testing.assert_array_equal(v["layer2"].weight.detach().numpy(), t.A2)
        np.testing.assert_array_equal(v["layer2"].bias.detach().numpy(), t.b2)
        np.testing.assert_array_equal(v["X"].numpy(), t.X)
        np.testing.assert_array_equal(v["a1"].numpy(), t.a1)
        np.testing.assert_array_equal(v["y"].numpy(), t.y)


def test_the_code_prints_the_checks_the_page_shows(runs):
    for page, ran in runs:
        t, checks = page.model.trace, ran.values["checks"]
        for key, check in (("layer1", t.layer1_by_hand), ("layer2", t.layer2_by_hand),
                           ("batch", t.batch_vs_loop)):
            equal, close, diff = checks[key]
            assert (equal, close) == (check.equal, check.close), (page.query, key)
            assert diff == pytest.approx(check.max_abs_diff, abs=1e-12)
        # the page's badges say the same as the printed lines
        badges = page.checks.value
        printed = [line for line in ran.lines if "torch.equal" in line]
        assert len(printed) == 3
        for line, check in zip(printed, (t.layer1_by_hand, t.layer2_by_hand, t.batch_vs_loop),
                               strict=True):
            assert f"torch.equal {check.equal}" in line
        assert badges.count("torch.equal</code> is True") == sum(
            c.equal for c in (t.layer1_by_hand, t.layer2_by_hand, t.batch_vs_loop))


def test_the_code_prints_the_shapes_of_the_shape_table(runs):
    for page, ran in runs:
        m = page.model
        assert f"layer1.weight ({m.n1}, {m.n_x}) bias ({m.n1},)" in ran.lines
        assert f"layer2.weight ({m.n2}, {m.n1}) bias ({m.n2},)" in ran.lines
        assert f"X ({m.n_d}, {m.n_x})" in ran.lines
        assert f"y ({m.n_d}, {m.n2})" in ran.lines
        assert f"nn.Linear({m.n_x}, {m.n1})" in page.shape_table.value


def test_the_hover_cell_is_the_one_printed(runs):
    page, ran = runs[0]
    line = next(line for line in ran.lines if line.startswith("a1[0, 0]"))
    assert line.endswith(f"= {page.model.trace.a1[0, 0]:.4f}")
