"""The explorer's code, run in a fresh interpreter, gives the numbers the explorer shows: for
one layer at the defaults, and for stacks of layers, both directions, a projection and a
seeded initial state, at the layer, direction, step and unit the page looks at."""

import random
import re

import numpy as np
import pytest

from tests.generated_code import run_all
from widgets.codegen.lstm import lstm_recipe
from widgets.codegen.lstm_by_hand import is_stacked
from widgets.maths.lstm import GATES, LIMITS, parameter_count
from widgets.state.explorer_model import LSTMExplorerModel
from widgets.state.presets import state_query
from widgets.views.equations import unit_equations

NAMES = ["lstm", "x", "output", "h_n", "c_n", "h_0", "c_0", "h", "c", "c_prev", "gates", "z",
         "x_proj", "h_proj", "n_params"]
DECIMAL = re.compile(r"-?\d+\.\d{3}\b")
VIEW = ("sample", "layer", "direction", "step", "unit")
SIZES = ("n_x", "hidden_size", "seq_len", "batch_size", "seed")


def _settings() -> list[dict]:
    """The defaults, the smallest sizes, a long sequence, the stack's corners, then random
    ones (seeded): ten runs in all."""
    rng = random.Random(20)
    chosen = [
        {},
        # the smallest sizes, both directions: one element, so output[:, -1] is the backward
        # direction's final state too
        {**{name: LIMITS[name][0] for name in SIZES}, "bidirectional": 1, "direction": 1},
        {"n_x": 64, "hidden_size": 40, "seq_len": 200, "batch_size": 16, "seed": 123,
         "step": 200, "unit": 39, "sample": 15},
        {"num_layers": 3, "bidirectional": 1, "proj_size": 3, "h0": "seeded", "seed": 7,
         "layer": 2, "direction": 1, "step": 4, "unit": 6, "sample": 1},
        {"num_layers": 2, "proj_size": 5, "hidden_size": 9, "seq_len": 9, "layer": 1,
         "step": 6, "unit": 2},
        # a lower layer's backward cell after one step: nn.LSTM keeps that h nowhere
        {"num_layers": 2, "bidirectional": 1, "layer": 0, "direction": 1, "step": 1,
         "unit": 5},
        # the same at its last step: its final state is h_n[1]
        {"num_layers": 2, "bidirectional": 1, "layer": 0, "direction": 1, "step": 12,
         "unit": 5, "h0": "seeded"},
        {"h0": "seeded", "seed": 3, "step": 5, "unit": 7},
    ]
    while len(chosen) < 10:
        H = rng.randint(2, 24)
        sizes = {"n_x": rng.randint(1, 16), "hidden_size": H, "seq_len": rng.randint(1, 30),
                 "batch_size": rng.randint(1, 6), "seed": rng.randint(0, 10**6),
                 "num_layers": rng.randint(1, 3), "bidirectional": rng.randint(0, 1),
                 "proj_size": rng.choice([0, rng.randint(1, H - 1)]),
                 "h0": rng.choice(["zeros", "seeded"])}
        sizes.update(layer=rng.randint(0, sizes["num_layers"] - 1),
                     direction=rng.randint(0, sizes["bidirectional"]),
                     step=rng.randint(1, sizes["seq_len"]), unit=rng.randint(0, H - 1),
                     sample=rng.randint(0, sizes["batch_size"] - 1))
        chosen.append(sizes)
    return chosen


def _model(settings: dict) -> LSTMExplorerModel:
    m = LSTMExplorerModel(**{k: v for k, v in settings.items() if k not in VIEW})
    for name in VIEW:  # once the sizes are built, so each index is in range
        if name in settings:
            setattr(m, name, settings[name])
    return m


def _recipe(m: LSTMExplorerModel):
    return lstm_recipe(m.config, sample=m.sample, layer=m.layer, direction=m.direction,
                       step=m.step, unit=m.unit, link=state_query(m))


@pytest.fixture(scope="module")
def runs():
    models = [_model(s) for s in _settings()]
    jobs = [(_recipe(m).code, NAMES + (["m"] if m.proj_size else [])) for m in models]
    return list(zip(models, run_all(jobs), strict=True))


def test_the_code_builds_the_module_the_batch_and_the_initial_state_the_page_shows(runs):
    for m, ran in runs:
        v, t = ran.values, m.trace
        theirs = dict(v["lstm"].named_parameters())
        assert list(theirs) == [name for name, _ in m.lstm.named_parameters()]
        for name, p in m.lstm.named_parameters():
            np.testing.assert_array_equal(theirs[name].detach(), p.detach(), err_msg=name)
            assert f"{name} {tuple(p.shape)}" in ran.lines
        np.testing.assert_array_equal(v["x"].numpy(), t.x)
        for name in ("h_0", "c_0", "output", "h_n", "c_n"):
            np.testing.assert_array_equal(v[name].numpy(), getattr(t, name), err_msg=name)
        count = sum(p.numel() for p in m.lstm.parameters())
        assert v["n_params"] == count == parameter_count(m.n_x, m.hidden_size, m.num_layers,
                                                         m.bidirectional, m.proj_size)
        assert any(line.endswith(f"= {count}; the module counts {count}") for line in ran.lines)


def test_the_code_checks_each_equality_the_page_shows(runs):
    """Each claim of ``equalities`` printed with what torch.equal says; the one-cell code keeps
    the tutorial's single read-out, output[:, -1, :] against h_n[-1]."""
    for m, ran in runs:
        claims = m.trace.equalities
        if not is_stacked(m.config):
            assert f"output[:, -1, :] equals h_n[-1]: {claims[0].holds}" in ran.lines
            assert claims[0].holds
            continue
        for claim in claims:
            assert f"{claim.left} equals {claim.right}: {claim.holds}" in ran.lines, claim
            assert claim.as_claimed, claim


def test_the_recurrence_by_hand_reaches_the_page_s_states_at_step_k(runs):
    for m, ran in runs:
        v, cell, k = ran.values, m.cell, m.step
        w = m.cell_weights()
        where = state_query(m)
        np.testing.assert_allclose(v["h"].numpy(), cell.h[:, k], atol=1e-6, err_msg=where)
        np.testing.assert_allclose(v["c"].numpy(), cell.c[:, k], atol=1e-6, err_msg=where)
        np.testing.assert_allclose(v["c_prev"].numpy(), cell.c[:, k - 1], atol=1e-6)
        for n, gate in enumerate(GATES):
            np.testing.assert_allclose(v["gates"][gate].numpy(), cell.gates[:, k - 1, n],
                                       atol=1e-6, err_msg=gate)
        z = cell.pre_activation(w["bias_ih"], w["bias_hh"])[:, k - 1]
        np.testing.assert_allclose(v["z"].numpy(), z, atol=1e-5, err_msg=where)
        np.testing.assert_allclose(v["h_proj"].numpy(), cell.h_proj[:, k - 1], atol=1e-6)
        # the code keeps x W_ih^T in time order, the trace in the order the cell read it
        np.testing.assert_allclose(v["x_proj"].numpy()[:, cell.positions - 1], cell.x_proj,
                                   atol=1e-5)
        if m.proj_size:
            np.testing.assert_allclose(v["m"].numpy(), cell.m[:, k - 1], atol=1e-6)
        e = int(cell.positions[k - 1])
        compared = [line for line in ran.lines if line.startswith(f"h_{e} by hand against")]
        if m.layer < m.num_layers - 1 and k < m.seq_len:
            assert compared == [], where
            assert any("keeps it nowhere" in line for line in ran.lines), where
        else:
            assert len(compared) == 1 and compared[0].endswith("allclose: True"), where
        below = [line for line in ran.lines if line.startswith("layer ") and "by hand" in line]
        assert len(below) == m.layer * m.D
        assert all(line.count("True") == 2 for line in below), below


def test_the_printed_equations_are_the_page_s_equations(runs):
    """Every number of unit j's equations, printed by the code and written by the page's own
    ``unit_equations`` for the same cell, step and unit."""
    for m, ran in runs:
        cell, j = m.cell, m.unit
        e = int(cell.positions[m.step - 1])
        printed = [line for line in ran.lines if re.match(rf"[ifgochm]_{e}\[{j}\] = ", line)]
        last = ["h"] if not m.proj_size else ["m", "h"] if j < m.proj_size else ["m"]
        assert [line[0] for line in printed] == [*"ifgoc", *last], state_query(m)
        w = m.cell_weights()
        html = unit_equations(cell, w["bias_ih"], w["bias_hh"], m.sample, m.step, j,
                              w.get("weight_hr"))
        # the labels as the page writes them: the position e read, and the state before it
        labels = re.findall(r"<td><i>(\w)</i><sub>(\d+)</sub>\[(\d+)\]</td>", html)
        assert [f"{a}_{b}[{c}]" for a, b, c in labels] == [line.split(" = ")[0]
                                                           for line in printed]
        prev = e + 1 if m.direction else e - 1
        assert f"c_{e}[{j}] = f·c_{prev} + i·g" in ran.lines[ran.lines.index(printed[4])]
        shown = [float(n) for n in DECIMAL.findall(re.sub(r"<[^>]+>", " ", html))]
        ours = [float(n) for line in printed for n in DECIMAL.findall(line)]
        assert len(shown) == len(ours) == 4 * 6 + 5 + 3 + (1 if last == ["m", "h"] else 0)
        # the page sums the four terms in float64, the code in float32: the last digit may
        # round the other way, never more
        np.testing.assert_allclose(ours, shown, atol=1.1e-3, rtol=0, err_msg=state_query(m))


def test_the_default_code_stays_the_tutorial_s_cell():
    """What is not in use is not written: the default code has no stack, no projection, no
    backward walk and no seeded state; each setting brings its own lines."""
    plain = lstm_recipe(LSTMExplorerModel().config).code
    for word in ("num_layers", "proj_size", "W_hr", "positions", "layer_input", "0x40",
                 "H_out"):
        assert word not in plain, word
    m = _model({"num_layers": 2, "bidirectional": 1, "proj_size": 3, "h0": "seeded"})
    full = lstm_recipe(m.config).code
    for word in ("num_layers=num_layers", "bidirectional=bidirectional", "proj_size=proj_size",
                 "W_hr", "positions", "layer_input", "default_rng([seed, 0x40])"):
        assert word in full, word
    assert full.count("\n") < 2 * plain.count("\n")


def test_the_code_s_header_names_the_view(runs):
    m, _ = runs[3]
    recipe = _recipe(m)
    assert f"# The dashboard's view: {state_query(m)}" in recipe.script
    assert ("nn.LSTM(5, 8, num_layers=3, bidirectional=True, proj_size=3)"
            " on a batch of 2 × 12 steps, layer 2 backward, unit 6 at step 4" in recipe.title)
