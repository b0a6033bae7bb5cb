"""The learner's own series on the training page, without a browser: an example or an uploaded
CSV file becomes the task's data; every bad file, forced message or misfit pick is answered
with a sentence and leaves the page as it was; the model cache keys on the data itself.

Uploads go through the upload widget's own ``set_state``, as the browser's message would.
"""

import numpy as np
import pytest

from widgets import TrainingExplorer, TrainingModel
from widgets.maths.series_csv import MAX_BYTES
from widgets.maths.training import Trainer
from widgets.state.presets import state_query
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache

BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)
QUICK = "task=csv&epochs=1&hidden_size=4&seq_len=6"


@pytest.fixture
def cache(tmp_path):
    return ModelCache(tmp_path / "models")


def dashboard(cache, preset: str = QUICK) -> TrainingExplorer:
    return TrainingExplorer(TrainingModel(cache=cache), preset=preset, pace=BY_BATCHES)


def series_csv(n: int = 120, seed: int = 0, extra: str = "") -> bytes:
    """A daily series with a seasonal wave, a second column, in the order of its dates."""
    rng = np.random.default_rng(seed)
    days = np.arange(n)
    level = 10 + 5 * np.sin(days / 7) + rng.normal(0, 0.5, n)
    other = rng.normal(0, 1, n)
    rows = [f"2024-{1 + d // 28:02d}-{1 + d % 28:02d},{v:.3f},{o:.3f}"
            for d, v, o in zip(days, level, other, strict=True)]
    return ("date,level,other\n" + "\n".join(rows) + "\n" + extra).encode()


def upload(d: TrainingExplorer, data: bytes, name: str) -> None:
    """What the browser's upload message does: the widget's state set from the page."""
    d.own_data.picker.upload.set_state({"value": [
        {"name": name, "type": "text/csv", "size": len(data), "last_modified": 0,
         "content": memoryview(data)}]})


# --- the examples and the model -------------------------------------------------------------------
def test_the_own_data_task_opens_on_an_example_and_trains_what_the_maths_trains(cache):
    d = dashboard(cache)
    m = d.model
    assert m.task == "csv" and m.data.name == "csv"
    assert m.config.data == m.csv.series.digest != ""
    assert d.own_data.layout.display is None  # the picker shows with the task
    assert d.own_data.picker.source.value == m.series
    d.train()
    direct = Trainer(m.config, data=m.task_data())
    direct.run()
    assert m.trainer.history == direct.history
    assert "persistence (next = last)" in d.results.value


def test_the_picker_hides_with_a_built_in_task_and_links_name_the_example(cache):
    d = dashboard(cache, "task=adding&epochs=1")
    assert d.own_data.layout.display == "none" and "series=" not in state_query(d.model)
    d = dashboard(cache, QUICK + "&series=us-employment")
    assert d.model.csv.origin == "us-employment" and "series=us-employment" in d.link.query


def test_a_link_to_an_unknown_example_says_so(cache):
    d = dashboard(cache, QUICK + "&series=passwords")
    assert d.model.series == "seattle-temps" and "series" in d.banner.value


# --- the learner's file ---------------------------------------------------------------------------
def test_an_uploaded_file_is_the_data_and_the_link_says_it_cannot_carry_it(cache):
    d = dashboard(cache)
    upload(d, series_csv(), "meter.csv")
    m = d.model
    assert m.series == "file" and m.csv.is_file and m.data.channels == ("level",)
    assert "meter.csv" in d.own_data.picker.summary.value
    assert "nothing is written to disk" in d.own_data.picker.summary.value
    assert "series=" not in d.link.query
    assert "uses your own file, meter.csv" in d.link.value
    # extra inputs: n_X follows the choice
    d.own_data.picker.features.value = ("other",)
    assert m.data.n_x == 2 and m.data.channels == ("level", "other")
    assert d.weights.titles()[0] == "weight_ih_l0 (4H × n_X) = (16 × 2)"


def test_a_hostile_name_and_a_formula_cell_are_shown_as_text(cache):
    d = dashboard(cache)
    name = "<img src=x onerror=alert(1)>.csv"
    upload(d, series_csv(extra="2024-06-01,=cmd|' /C calc'!A0,1\n"), name)
    summary, link = d.own_data.picker.summary.value, d.link.value
    assert "<img" not in summary and "&lt;img src=x onerror=alert(1)&gt;.csv" in summary
    assert "<img" not in link
    assert d.model.csv.is_file  # the formula is a missing number, not a command


@pytest.mark.parametrize(("data", "phrase"), [
    (b"\x89PNG\r\n\x1a\n" + bytes(200), "not"),
    (b"", "empty"),
    (b"a,b\nx,y\nz,w\n", "number"),
    ("date,v\n" + "".join(f"2024-01-{d:02d},3\n" for d in range(1, 29)), "same"),
])
def test_a_bad_file_is_refused_with_a_sentence_and_the_trained_run_stays(cache, data, phrase):
    d = dashboard(cache)
    d.train()
    m = d.model
    before = (m.series, m.config, m.trainer, m.status)
    upload(d, data.encode() if isinstance(data, str) else data, "bad.csv")
    assert phrase in d.banner.value.lower()
    assert (m.series, m.config, m.trainer, m.status) == before
    assert phrase in d.own_data.picker.upload_status.value.lower()


def test_a_file_over_the_cap_forced_past_the_page_is_refused_whole(cache):
    d = dashboard(cache)
    before = d.model.config
    upload(d, b"x" * (MAX_BYTES + 1), "huge.csv")
    assert "the limit is 5 MB" in d.banner.value and d.model.config == before
    assert d.own_data.picker.upload.value == ()  # the bytes are not kept


def test_forced_picks_out_of_range_are_refused(cache):
    d = dashboard(cache)
    d.own_data.picker.target.set_state({"index": 99})
    assert "choose one of" in d.banner.value
    d.own_data.picker.features.set_state({"index": [0, 0]})
    assert "choose among" in d.banner.value
    d.own_data.picker.upload.set_state({"value": [{"name": "x"}]})
    assert "without its file" in d.banner.value


def test_a_window_longer_than_the_series_is_refused_and_the_series_stays(cache):
    d = dashboard(cache)
    upload(d, series_csv(), "meter.csv")
    digest = d.model.csv.series.digest
    d.controls["seq_len"].value = 150  # 120 rows cannot make windows of 150
    assert d.model.seq_len == 6 and d.banner.value and d.model.csv.series.digest == digest


# --- the cache and privacy ------------------------------------------------------------------------
def test_two_kernels_with_different_files_never_share_a_cached_model(cache):
    a = dashboard(cache)
    upload(a, series_csv(seed=1), "a.csv")
    a.train()
    assert a.model.cached() is not None
    b = dashboard(cache)
    upload(b, series_csv(seed=2), "a.csv")  # the same name, other numbers
    assert b.model.config != a.model.config and b.model.cached() is None
    c = dashboard(cache)
    upload(c, series_csv(seed=1), "renamed.csv")  # the same numbers, another name
    assert c.model.config == a.model.config and c.model.cached() is not None
    # nothing was written under a name the file chose
    assert not any("a.csv" in p.name or "renamed" in p.name for p in cache.folder.rglob("*"))


def test_an_example_picked_on_the_page_brings_its_window_and_a_link_keeps_its_own(cache):
    d = dashboard(cache)
    d.own_data.picker.source.value = "iowa-electricity"  # 17 years a source: n_E = 3 fits
    assert d.model.csv.origin == "iowa-electricity" and d.model.seq_len == 3
    assert d.controls["seq_len"].value == 3 and d.model.data.seq_len == 3
    assert "Fossil Fuels" in d.own_data.picker.group.options[0]
    d.own_data.picker.group.value = "Renewables"
    assert d.model.csv.series.group == "Renewables"
    # a link's n_E wins over the example's suggestion
    assert dashboard(cache, QUICK + "&series=stocks").model.seq_len == 6


def test_three_hundred_mangled_uploads_are_each_answered_and_the_page_goes_on(cache):
    """Random bytes and mangled CSVs through the page's upload handler: each is taken or
    refused with a sentence, no exception escapes, and the page still answers after."""
    d = dashboard(cache)
    rng = np.random.default_rng(28)
    good = series_csv(60)
    refused = taken = 0
    for k in range(300):
        if k % 3 == 0:
            data = rng.bytes(int(rng.integers(0, 400)))
        else:
            data = bytearray(good[: int(rng.integers(1, len(good)))])
            for _ in range(int(rng.integers(1, 8))):  # bytes swapped: quotes, ; , . NUL
                data[int(rng.integers(0, len(data)))] = int(rng.choice([34, 59, 44, 10, 32, 46, 0]))
            data = bytes(data)
        d.banner.clear()
        upload(d, data, f"fuzz{k}.csv")
        if d.banner.text:
            refused += 1
        else:
            taken += 1
            assert d.model.csv.parsed.name == f"fuzz{k}.csv"
    assert refused > 100 and taken > 10  # both paths were exercised
    d.controls["hidden_size"].value = 5  # the kernel answers: a rebuild on what was kept
    assert d.model.hidden_size == 5 and d.weights.values("weight_hh_l0").shape == (20, 5)


# --- the sequence page ----------------------------------------------------------------------------
def test_the_sequence_page_cuts_the_learners_series_into_windows(cache):
    from widgets import SequenceExplorer

    page = SequenceExplorer(preset="dataset=csv&seq_len=5")
    upload(page, series_csv(40), "meter.csv")
    m = page.model
    values = m.csv.series.values  # (N, n_X) in the file's own units
    assert m.data.X.shape == (35, 5, 1)  # n_S = N − n_E windows
    np.testing.assert_array_equal(m.data.X[3, :, 0].numpy(), np.float32(values[3:8, 0]))
    assert m.data.targets[3] == np.float32(values[8, 0])
    assert "rows 0 to 4" in page.windows.alt.text and "level" in page.windows.alt.text
    assert page.controls["n_x"].disabled  # the columns chosen make n_X
    page.own_data.picker.features.value = ("other",)
    assert m.data.X.shape == (35, 5, 2) and m.n_x_used == 2
    assert "uses your own file, meter.csv" in page.link.value


def _html_values(widget) -> list[str]:
    """Every HTML-ish value in a widget tree: what the browser renders as markup."""
    import ipywidgets as ipw

    found = []
    if isinstance(widget, ipw.HTML | ipw.HTMLMath):
        found.append(widget.value)
    for child in getattr(widget, "children", ()):
        found += _html_values(child)
    return found


def test_hostile_column_names_and_cells_are_escaped_wherever_they_are_shown(cache):
    evil = "<img src=x onerror=alert(1)>"
    rows = "\n".join(f"2024-01-{d:02d},{10 + d % 5},{d},{evil if d == 3 else 'ok'}"
                     for d in range(1, 29))
    data = f"date,{evil},b,note\n{rows}\n".encode()
    d = dashboard(cache, QUICK + "&seq_len=4")
    upload(d, data, evil + ".csv")
    assert d.model.csv.is_file and d.model.csv.series.target == evil
    d.own_data.picker.features.value = ("b",)
    d.train()
    shown = "".join(_html_values(d)) + d.numbers_html() + d.link.value
    assert evil not in shown and "&lt;img src=x onerror=alert(1)&gt;" in shown


def test_the_comparison_races_the_three_cells_on_the_learners_series(cache):
    d = dashboard(cache, QUICK + "&hidden_size=3")
    upload(d, series_csv(90), "meter.csv")
    d.comparison.compare()  # the page asks: on in the link, which runs it
    d.comparison.compare()  # no kernel loop here: to its end now
    c = d.comparison.model.comparison
    assert d.comparison.model.status == "trained" and c.data is d.model.data  # the same series
    for cell, t in c.trainers.items():
        assert t.config.data == d.model.config.data and t.config.cell == cell
    assert d.comparison.model.progress.verdict in d.comparison.verdict.value
    recipe = d.recipe()  # the take-home code of the page with its comparison
    assert "meter.csv" in recipe.script and "nn.GRU" in recipe.script
