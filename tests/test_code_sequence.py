"""The sequence dashboard's code, run in a fresh interpreter, gives what the dashboard shows."""

import random
import re

import numpy as np
import pytest
import torch

from tests.generated_code import ALLOWED_IMPORTS, run_all
from widgets import SequenceExplorer
from widgets.codegen.sequence import sequence_recipe
from widgets.maths.sequence import DATASETS, LIMITS
from widgets.state.sequence_model import DIRECTIONS

NAMES = ["X", "targets", "X_batch", "X_s", "x_e", "lstm", "lstm_tf", "head", "output", "h_n",
         "c_n", "shapes", "unbatched_diff", "time_major_diff", "last_is_h_n", "prediction",
         "batch_targets"]
# the reviews' padding section leaves these too
PADDING = ["lengths", "lstm_pad", "padded_output", "padded_h_n", "packed_output", "packed_h_n"]


def _settings(count: int) -> list[tuple[dict, dict]]:
    """(settings, indices): each dataset's defaults, a short last batch, then random ones."""
    rng = random.Random(15)
    chosen = [({"dataset": d}, {}) for d in DATASETS]
    # the last batch holds one sequence; the longest sequences, the widest elements
    chosen.append(({"dataset": "signals", "n_s": 7, "seq_len": 200, "n_x": 64, "batch_size": 3,
                    "hidden_size": 64, "seed": 2**31 - 1}, {"batch": 2, "element": 200}))
    # the reviews both ways: some truncated and some padded, then all padded
    chosen.append(({"dataset": "reviews", "seq_len": 9, "batch_size": 5, "hidden_size": 6,
                    "seed": 3, "bidirectional": "on"}, {"batch": 1}))
    chosen.append(({"dataset": "reviews", "seq_len": 30, "n_x": 2, "batch_size": 16,
                    "hidden_size": 1, "bidirectional": "off"}, {}))
    chosen.append(({"dataset": "reviews", "seq_len": 11, "batch_size": 3, "hidden_size": 12,
                    "seed": 5, "bidirectional": "on"}, {"batch": 5}))
    while len(chosen) < count:
        settings = {name: rng.randint(lo, hi) for name, (lo, hi) in LIMITS.items()}
        settings["dataset"] = DATASETS[len(chosen) % 3]
        settings["bidirectional"] = rng.choice(DIRECTIONS)
        chosen.append((settings, {"batch": rng.random(), "position": rng.random(),
                                  "element": rng.random()}))
    return chosen


def _page(settings: dict, indices: dict) -> SequenceExplorer:
    page = SequenceExplorer()
    m = page.model
    m.configure(**settings)
    # an index is a fraction of its range (random) or a number; the batch fixes the position's
    for name in ("batch", "position", "element"):
        value = indices.get(name, getattr(m, name))
        lo, hi = m.index_range(name)
        setattr(m, name, lo + round(value * (hi - lo)) if isinstance(value, float) else value)
    return page


@pytest.fixture(scope="module")
def runs():
    pages = [_page(*chosen) for chosen in _settings(13)]
    # a series of the learner's own is read with pandas, and its bytes checked by their hash
    own = [p for p in pages if p.model.dataset == "csv"]
    pages = [p for p in pages if p.model.dataset != "csv"] + own
    ran = run_all([(sequence_recipe(p.model, p.query).code,
                    NAMES + (PADDING if p.model.dataset == "reviews" else []))
                   for p in pages[: len(pages) - len(own)]])
    ran += run_all([(sequence_recipe(p.model, p.query).code, NAMES) for p in own],
                   allowed=ALLOWED_IMPORTS | {"pandas", "hashlib"})
    return list(zip(pages, ran, strict=True))


def test_the_settings_cover_the_datasets_and_the_indices(runs):
    models = [page.model for page, _ in runs]
    assert {m.dataset for m in models} == set(DATASETS)
    assert any(m.batch > 0 and m.position > 0 for m in models)
    assert any(len(m.current_batch()) < m.batch_size for m in models)


def test_the_temperatures_are_read_from_the_file_without_running_the_package(runs):
    # generated_code.run already refuses a run that loads widgets or ipywidgets
    for _page, ran in runs:
        assert "vega_datasets" not in ran.packages


def test_the_code_builds_the_data_the_page_shows(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        np.testing.assert_array_equal(v["X"].numpy(), m.data.X.numpy(), err_msg=page.query)
        np.testing.assert_array_equal(v["targets"].numpy(), m.data.targets)
        np.testing.assert_array_equal(v["X_batch"].numpy(), m.current_batch().numpy())
        np.testing.assert_array_equal(v["X_s"].numpy(), m.data.X[m.sample].numpy())
        np.testing.assert_array_equal(v["x_e"].numpy(), m.data.X[m.sample, m.element - 1])


def test_the_code_builds_the_weights_the_page_uses(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        for mine, theirs in ((v["lstm"], m.lstm), (v["lstm_tf"], m.lstm_tf), (v["head"], m.head)):
            assert mine.state_dict().keys() == theirs.state_dict().keys()
            for name, weight in theirs.state_dict().items():
                assert torch.equal(mine.state_dict()[name], weight), (page.query, name)
        assert v["lstm"].batch_first and not v["lstm_tf"].batch_first


def test_the_code_feeds_the_batch_as_the_page_does(runs):
    for page, ran in runs:
        feed, v = page.model.feed(), ran.values
        for name in ("output", "h_n", "c_n", "prediction"):
            np.testing.assert_array_equal(v[name].numpy(), getattr(feed, name).numpy(),
                                          err_msg=f"{page.query} {name}")


def test_the_code_prints_the_layouts_the_page_shows(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        lay = m.feed().layouts(m.position)
        assert v["shapes"] == lay.shapes
        assert v["unbatched_diff"] == lay.unbatched_diff
        assert v["time_major_diff"] == lay.time_major_diff
        assert v["last_is_h_n"] is lay.last_is_h_n is True
        # the page's table and badges say what the code prints
        table = page.layouts.value
        for shapes in lay.shapes.values():
            row = "".join(f"<td>({', '.join(map(str, shapes[p]))})</td>"
                          for p in ("input", "output", "h_n", "c_n"))
            assert row in table
        for diff in (lay.unbatched_diff, lay.time_major_diff):
            shown = f"max |Δ| = {diff:.1e}"
            assert shown in table
            assert any(shown in line for line in ran.lines)
        ok = max(lay.unbatched_diff, lay.time_major_diff) < 1e-5
        assert table.count("badge-ok") == (2 if ok else 0)
        assert sum(line.endswith(f"torch.allclose {ok}") for line in ran.lines
                   if line.startswith(("unbatched", "batch_first"))) == 2
        assert "output[:, -1, :] equals h_n[-1]: True" in ran.lines
        assert "output[:, -1, :] equals h_n[-1]" in page.many_to_one.value


def test_the_code_prints_the_predictions_and_targets_of_the_table(runs):
    for page, ran in runs:
        m, v = page.model, ran.values
        first = m.batch * m.batch_size
        shown = re.findall(r"<tr><th scope='row'>(\d+)</th><td>([-+.\d]+)</td>"
                           r"<td>([-+.\d]+)</td></tr>", page.many_to_one.value)
        printed = re.findall(r"^s = (\d+): prediction (\S+), target (\S+)$", ran.stdout,
                             flags=re.MULTILINE)
        assert printed == shown and len(shown) == len(m.current_batch()), page.query
        np.testing.assert_array_equal(v["batch_targets"].numpy(),
                                      m.data.targets[first : first + len(shown)])
        assert "head(h) equals h w^T + b: torch.allclose True" in ran.lines


def test_the_code_prints_the_notation_table(runs):
    for page, ran in runs:
        m = page.model
        n_s, n_e, n_x = m.data.X.shape
        b = len(m.current_batch())
        s, e = m.sample, m.element
        table = page.notation.value
        assert f"X ({n_s}, {n_e}, {n_x})" in ran.lines
        assert f"(n_S, n_E, n_X) = ({n_s}, {n_e}, {n_x})" in table
        assert f"b_S = {m.batch_size}: {m.data.n_batches(m.batch_size)} batches" in ran.lines
        assert f"{m.data.n_batches(m.batch_size)} batches in all" in table
        first = m.batch * m.batch_size
        assert (f"batch {m.batch} ({b}, {n_e}, {n_x}) sequences {first} to {first + b - 1}"
                in ran.lines)
        assert f"(b_S, n_E, n_X) = ({b}, {n_e}, {n_x})" in table
        assert f"X^<{s}> ({n_e}, {n_x})" in ran.lines
        # the element's values: the page shows the first 8
        line = next(line for line in ran.lines if line.startswith(f"x_{e}^<{s}> ({n_x},) = ["))
        values = line.split("= [")[1].rstrip("]").split(", ")
        assert len(values) == n_x
        assert f"element e = {e} of sequence {s}: [{', '.join(values[:8])}" in table


def test_the_code_prints_the_weights_shapes(runs):
    for page, ran in runs:
        m = page.model
        n_x, H = m.n_x_used, m.hidden_size
        for line in (f"weight_ih_l0 ({4 * H}, {n_x})", f"weight_hh_l0 ({4 * H}, {H})",
                     f"bias_ih_l0 ({4 * H},)", f"bias_hh_l0 ({4 * H},)"):
            assert line in ran.lines


def test_the_recipe_is_a_notebook_of_one_dataset(runs):
    for page, _ran in runs:
        recipe = sequence_recipe(page.model, page.query)
        assert recipe.filename == "2_sequence_data.ipynb" and recipe.link == page.query
        assert recipe.notebook_bytes()
        others = {"signals": "rng.uniform", "temperatures": "seattle-weather.csv",
                  "reviews": "nn.Embedding"}
        for dataset, marker in others.items():
            assert (marker in recipe.code) == (dataset == page.model.dataset)


def test_the_code_feeds_the_reviews_padded_and_packed_as_the_page_does(runs):
    both = set()
    for page, ran in runs:
        m, v = page.model, ran.values
        run = m.padding()
        if run is None:
            assert "pack_padded_sequence" not in ran.stdout + sequence_recipe(m).code
            continue
        both.add(run.bidirectional)
        assert v["lstm_pad"].bidirectional is run.bidirectional is (m.bidirectional == "on")
        np.testing.assert_array_equal(v["lengths"].numpy(), run.lengths)
        for name in ("padded_output", "padded_h_n", "packed_output", "packed_h_n"):
            np.testing.assert_array_equal(v[name].numpy(), getattr(run, name),
                                          err_msg=f"{page.query} {name}")
        # each row of the page's table: the length and |Δ| the code prints, and its verdict
        body = page.padding.body.value
        table = body.split("padded against packed: what", 1)[1].split("</table>", 1)[0]
        shown = re.findall(r"<tr><th scope='row'>(\d+)</th><td>(\d+) .*?<td>([^<]+)</td><td>"
                           r"<span class='badge[^>]*><span[^>]*>[^<]*</span>(same|differs)",
                           table)
        printed = re.findall(r"^s = (\d+): length (\d+) of n_E = \d+; padded output\[s, -1, "
                             r":H\] against packed h_n\[0\]\[s\]: max \|Δ\| = (\S+), "
                             r"(same|differs)$", ran.stdout, flags=re.MULTILINE)
        assert printed == shown and len(shown) == len(run.lengths), page.query
        fwd, truth = run.forward_at_length, run.packed_vs_alone
        assert (f"packed h_n[0] = padded output[s, length - 1, :H]: torch.equal "
                f"{fwd.how() == 'torch.equal'} torch.allclose {fwd.holds()} "
                f"max |Δ| = {fwd.max_diff:.1e}") in ran.lines
        assert fwd.holds() and truth.holds() and run.pitfall_shown and run.backward_shown
        assert f"max |Δ| = {fwd.max_diff:.1e})" in body or fwd.how() == "torch.equal"
        assert ("padded output[:, -1, :H] differs from packed h_n[0] exactly where padded: "
                "True") in ran.lines
        said = [line for line in ran.lines if line.startswith("backward at the last word")]
        assert said == (["backward at the last word, padded against packed, differs exactly "
                         "where padded (it read the pads first): True"]
                        if run.bidirectional else [])
        assert f"packed = each review alone: torch.allclose True max |Δ| = {truth.max_diff:.1e}" \
            in ran.lines
        assert f"max |Δ| = {truth.max_diff:.1e})</span>" in body or truth.how() == "torch.equal"
    assert both == {False, True}
