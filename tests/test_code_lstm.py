"""The explorer's code, run in a fresh interpreter, gives the numbers the explorer shows."""

import random
import re

import numpy as np
import pytest

from tests.generated_code import run_all
from widgets import LSTMExplorer
from widgets.codegen.lstm import lstm_recipe
from widgets.maths.lstm import GATES, LIMITS

NAMES = ["lstm", "x", "output", "h_n", "h", "c", "c_prev", "gates", "n_params"]
DECIMAL = re.compile(r"-?\d+\.\d{3}\b")


def _settings(count: int) -> list[dict]:
    """The defaults, the smallest sizes, a long sequence, then random ones (seeded)."""
    rng = random.Random(15)
    chosen = [{}, {name: lo for name, (lo, _) in LIMITS.items()},
              {"n_x": 64, "hidden_size": 40, "seq_len": 200, "batch_size": 16, "seed": 123,
               "step": 200, "unit": 39, "sample": 15}]
    while len(chosen) < count:
        sizes = {"n_x": rng.randint(1, 64), "hidden_size": rng.randint(1, 64),
                 "seq_len": rng.randint(1, 120), "batch_size": rng.randint(1, 16),
                 "seed": rng.randint(0, 10**6)}
        sizes.update(step=rng.randint(1, sizes["seq_len"]),
                     unit=rng.randint(0, sizes["hidden_size"] - 1),
                     sample=rng.randint(0, sizes["batch_size"] - 1))
        chosen.append(sizes)
    return chosen


@pytest.fixture(scope="module")
def runs():
    pages = []
    for settings in _settings(9):
        page = LSTMExplorer()
        sizes = {k: v for k, v in settings.items() if k in LIMITS}
        page.model.configure(**sizes)
        for name in ("sample", "step", "unit"):
            if name in settings:
                setattr(page.model, name, settings[name])
        pages.append(page)
    jobs = [(lstm_recipe(p.model.config, sample=p.model.sample, step=p.model.step,
                         unit=p.model.unit, link=p.query).code, NAMES) for p in pages]
    return list(zip(pages, run_all(jobs), strict=True))


def test_the_code_builds_the_module_and_the_batch_the_page_shows(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        for name, p in m.lstm.named_parameters():
            np.testing.assert_array_equal(dict(v["lstm"].named_parameters())[name].detach(),
                                          p.detach(), err_msg=name)
        np.testing.assert_array_equal(v["x"].numpy(), m.trace.x)
        np.testing.assert_array_equal(v["output"].numpy(), m.trace.output)
        count = sum(t.numel() for t in m.lstm.parameters())
        assert v["n_params"] == count
        assert f"the module counts <b>{count:,}</b>" in page.checks.value


def test_the_recurrence_by_hand_reaches_the_page_s_states_at_step_e(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        t, e = m.trace, m.step
        np.testing.assert_allclose(v["h"].numpy(), t.h[:, e], atol=1e-6, err_msg=page.query)
        np.testing.assert_allclose(v["c"].numpy(), t.c[:, e], atol=1e-6)
        np.testing.assert_allclose(v["c_prev"].numpy(), t.c[:, e - 1], atol=1e-6)
        for k, gate in enumerate(GATES):
            np.testing.assert_allclose(v["gates"][gate].numpy(), t.gates[:, e - 1, k],
                                       atol=1e-6, err_msg=gate)
        assert f"output[:, -1, :] equals h_n[-1]: {t.last_equals_h_n}" in ran.lines


def test_the_printed_equations_are_the_page_s_equations(runs):
    """Every number of unit j's six equations, printed by the code and shown by the page."""
    for page, ran in runs:
        m = page.model
        e, j = m.step, m.unit
        printed = [line for line in ran.lines
                   if re.match(rf"[ifgoch]_{e}\[{j}\] = ", line)]
        assert [line[0] for line in printed] == list("ifgoch")
        page_text = re.sub(r"<[^>]+>", " ", page.steps.unit_equations.value)
        shown = [float(n) for n in DECIMAL.findall(page_text)]
        ours = [float(n) for line in printed for n in DECIMAL.findall(line)]
        assert len(shown) == len(ours) == 4 * 6 + 2 * 4, page.query
        # the page sums the four terms in float64, the code in float32: the last digit may round
        # the other way, never more
        np.testing.assert_allclose(ours, shown, atol=1.1e-3, rtol=0, err_msg=page.query)


def test_the_code_s_header_names_the_view(runs):
    page, _ = runs[0]
    script = lstm_recipe(page.model.config, link=page.query).script
    assert f"# The dashboard's view: {page.query}" in script
