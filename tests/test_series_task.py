"""A learner's series as a training task (widgets.maths.series_task): the windows, the split
by time, the normalisation with the training part only, the yardsticks, and a real LSTM
trained on a bundled vega_datasets series, held against persistence."""

import dataclasses
from dataclasses import replace

import numpy as np
import pytest
import torch

from widgets.maths.series_csv import (
    BUNDLED,
    CSVError,
    Series,
    SeriesChoice,
    bundled_bytes,
    choose_series,
    read_csv_bytes,
)
from widgets.maths.series_task import series_task
from widgets.maths.tasks import TASK_LABELS, TASKS, make_task
from widgets.maths.training import DEFAULTS, TrainConfig, Trainer, check_setting

DIGEST = "ab" * 32


def series(values, channels=("load", "heat"), digest=DIGEST, **kwargs) -> Series:
    values = np.asarray(values, dtype=np.float64).reshape(len(values), -1)
    return Series(name="meter.csv", digest=digest, values=values,
                  labels=tuple(f"day {k}" for k in range(len(values))),
                  channels=channels[: values.shape[1]], target=channels[0],
                  missing=kwargs.pop("missing", 0), policy="interpolate", notes=(), **kwargs)


@pytest.fixture
def two_channels():
    rng = np.random.default_rng(0)
    return series(np.stack([np.cumsum(rng.normal(size=50)), rng.normal(5, 2, 50)], axis=1))


def test_windows_of_n_e_rows_predict_the_next_target(two_channels):
    data = series_task(two_channels, seq_len=5)
    values = two_channels.values
    # 50 rows: the last 10 validate, so 40 - 5 = 35 windows train and 10 validate
    assert (len(data.X_train), len(data.X_valid), data.n_x, data.seq_len) == (35, 10, 2, 5)
    mean, std = values[:40].mean(0), values[:40].std(0)  # the training part only
    assert (data.offset, data.scale) == (pytest.approx(mean[0]), pytest.approx(std[0]))
    z = ((values - mean) / std).astype(np.float32)
    assert torch.equal(data.X_train[3], torch.from_numpy(z[3:8]))  # rows 3..7, both channels
    assert torch.equal(data.y_train[3], torch.from_numpy(z[8, :1]))  # row 8's target
    assert torch.equal(data.X_valid[0], torch.from_numpy(z[35:40]))
    np.testing.assert_allclose(data.truth, values[40:, 0], rtol=1e-5, atol=1e-5)
    assert data.valid_labels == tuple(f"day {k}" for k in range(40, 50))
    assert data.channels == ("load", "heat") and data.name == "csv"
    assert (data.metric, data.unit, data.score_name) == ("RMSE", "load", "mean absolute error")
    assert data.digest == DIGEST


def test_the_validation_part_never_reaches_the_normalisation(two_channels):
    data = series_task(two_channels, seq_len=5)
    moved = two_channels.values.copy()
    moved[40:] += 1000.0
    other = series_task(replace(two_channels, values=moved), seq_len=5)
    assert (other.scale, other.offset) == (data.scale, data.offset)
    assert torch.equal(other.X_train, data.X_train) and torch.equal(other.y_train, data.y_train)


def test_the_yardsticks_and_what_solving_means(two_channels):
    data = series_task(two_channels, seq_len=5)
    values = two_channels.values
    persistence = data.yardsticks["persistence (next = last)"]
    np.testing.assert_array_equal(persistence, values[39:49, 0])  # each window's last row
    np.testing.assert_allclose(data.yardsticks["the training part's mean"],
                               np.full(10, values[:40, 0].mean()), rtol=1e-12)
    best = min(data.error(v) for v in data.yardsticks.values())
    assert data.solved_below == best
    assert data.solved_words == f"validation RMSE below persistence's {best:.3g} load"
    assert data.accuracy(persistence) is None and data.score(persistence) == data.mae(persistence)
    assert data.answers_chart.order == "time"
    assert data.answers_chart.titled("GRU") == ("The next row's load: the truth (line) and the "
                                                "GRU's answer (crosses)")
    assert "meter.csv" in data.source and "35" in data.source and "none were missing" in \
        data.source
    assert "3 missing values were interpolated" in series_task(
        replace(two_channels, missing=3), 5).source


@pytest.mark.parametrize(("values", "seq_len", "phrase"), [
    (np.arange(20.0), 16, "too few rows for n_E = 16"),
    (np.arange(20.0), 0, "too few rows for n_E = 0"),
    (np.stack([np.arange(20.0), np.r_[np.ones(16), np.arange(4.0)]], 1), 3,
     "'heat' does not change in the training part (its first 16 rows)"),
    (np.r_[np.arange(19.0), 1e300], 3, "more than 1e+06 standard deviations"),
    (np.r_[np.arange(19.0), 1e308, -1e308, np.arange(9.0)], 3, "too large to work with"),
])
def test_a_series_the_task_cannot_use_is_refused_with_a_sentence(values, seq_len, phrase):
    with pytest.raises(CSVError) as refused:
        series_task(series(values), seq_len)
    assert phrase in str(refused.value)


# --- the CSV task among the training settings ---------------------------------------------
def test_the_csv_task_is_a_setting_that_needs_its_data():
    assert "csv" in TASKS and TASK_LABELS["csv"] == "your own CSV"
    with pytest.raises(ValueError, match="The CSV task needs its data"):
        make_task("csv", 14, 0)
    with pytest.raises(ValueError, match="needs its data"):
        Trainer(DEFAULTS["csv"])
    assert check_setting("data", DIGEST) == DIGEST and check_setting("data", "") == ""
    for bad in ("abc", "../x", "AB" * 32, 3):
        with pytest.raises(ValueError, match="data must be"):
            TrainConfig(task="csv", data=bad)
    with pytest.raises(ValueError, match="Only the CSV task takes data"):
        TrainConfig(task="temperatures", data=DIGEST)


def test_a_model_keys_on_its_data(two_channels):
    """The config carries the series' digest: a trainer refuses data that is not the
    config's, so a cache keyed by the config never serves one file's model for another."""
    data = series_task(two_channels, seq_len=5)
    config = TrainConfig(task="csv", data=DIGEST, seq_len=5, hidden_size=3, epochs=1)
    Trainer(config, data)
    other = series_task(replace(two_channels, digest="cd" * 32), seq_len=5)
    with pytest.raises(ValueError, match="is not the config's"):
        Trainer(config, other)
    with pytest.raises(ValueError, match="is not the config's"):
        Trainer(dataclasses.replace(config, task="temperatures", data=""), data)
    assert dataclasses.replace(config, data="cd" * 32) != config


def test_the_digest_follows_the_file_and_the_choice():
    parsed = read_csv_bytes(bundled_bytes("stocks"), "stocks.csv")
    digests = {choose_series(parsed, c).digest for c in (
        SeriesChoice("price"), SeriesChoice("price", group="MSFT"),  # the same series
        SeriesChoice("price", group="AAPL"), SeriesChoice("price", missing="drop"))}
    assert len(digests) == 3
    again = read_csv_bytes(bundled_bytes("stocks"), "another name.csv")
    assert choose_series(again, SeriesChoice("price")).digest in digests
    edited = read_csv_bytes(bundled_bytes("stocks").replace(b"39.81", b"39.82"), "stocks.csv")
    assert choose_series(edited, SeriesChoice("price")).digest not in digests


# --- what an LSTM learns on a bundled series (the README's figure) --------------------------
def test_an_lstm_learns_seattle_s_hourly_temperatures_better_than_persistence():
    """Seattle's temperature every hour of 2010, H = 8, n_E = 14 hours, 3 epochs (under a
    second on one core): validation RMSE 0.35 °F (MAE 0.29) on the last 20% of the hours,
    against persistence's 0.65 (0.50) and the training part's mean's 10.9."""
    example = BUNDLED["seattle-temps"]
    parsed = read_csv_bytes(bundled_bytes("seattle-temps"), example.file)
    chosen = choose_series(parsed, example.choice)
    data = series_task(chosen, seq_len=14)
    config = TrainConfig(task="csv", data=chosen.digest, hidden_size=8, seq_len=14, epochs=3)
    trainer = Trainer(config, data)
    trainer.run()
    assert trainer.status == "finished" and len(trainer.history.valid) == 3
    predictions = trainer.valid_predictions
    persistence = data.yardsticks["persistence (next = last)"]
    mean = data.yardsticks["the training part's mean"]
    assert data.error(persistence) == pytest.approx(0.646, abs=0.001)
    assert data.mae(persistence) == pytest.approx(0.499, abs=0.001)
    assert data.error(mean) == pytest.approx(10.92, abs=0.01)
    rmse, mae = data.error(predictions), data.mae(predictions)
    assert rmse == pytest.approx(0.35, abs=0.02) and mae == pytest.approx(0.29, abs=0.02)
    assert rmse < 0.6 * data.error(persistence) and mae < data.mae(persistence)
    assert trainer.solved_epoch is not None and trainer.history.valid[-1] == rmse
