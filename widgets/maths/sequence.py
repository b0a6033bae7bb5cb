"""Sequence data in the tutorial's notation, and how nn.LSTM reads it. No widgets here.

A dataset X holds n_S sequences of n_E elements of n_X values: shape (n_S, n_E, n_X). A batch
takes b_S of them, (b_S, n_E, n_X) with ``batch_first=True``; a single sequence X^<s> is
(n_E, n_X) and one element x_e^<s> is (n_X,). Three datasets: smooth synthetic signals, daily
minimum temperatures cut into sliding windows, and short reviews turned into embedded tokens.
"""

from __future__ import annotations

import csv
import importlib.util
import math
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from .corpus import REVIEWS
from .limits import check_int
from .lstm import make_inputs

DATASETS = ("signals", "temperatures", "reviews", "csv")
PAD, UNK = "<pad>", "<unk>"

LIMITS = {
    "n_s": (1, 64),
    "seq_len": (1, 200),
    "n_x": (1, 64),
    "batch_size": (1, 16),
    "hidden_size": (1, 64),
    "seed": (0, 2**31 - 1),
}
SYMBOLS = {"n_s": "n_S", "seq_len": "n_E", "n_x": "n_X", "batch_size": "b_S",
           "hidden_size": "H", "seed": "seed"}
# max |Δ| under which two layouts of one batch count as giving the same output
LAYOUT_ATOL = 1e-5
TEMPERATURE_SOURCE = ("Seattle daily minimum temperature (°C), 2012-2015: seattle-weather.csv "
                      "as shipped in the vega_datasets package, read offline")


def check_setting(name: str, value):
    if name == "dataset":
        if value not in DATASETS:
            raise ValueError(f"The dataset must be one of {', '.join(DATASETS)}; got {value!r}.")
        return value
    return check_int(SYMBOLS[name], value, *LIMITS[name])


# --- daily minimum temperatures -----------------------------------------------------------------
@lru_cache(maxsize=1)
def load_min_temperatures() -> tuple[tuple[str, ...], np.ndarray]:
    """(dates, temp_min) of Seattle 2012-2015: 1461 days, from the vega_datasets package's file.

    The package is located without importing it (its import pulls in pandas); the CSV is read
    with the standard library.
    """
    spec = importlib.util.find_spec("vega_datasets")
    if spec is None or not spec.submodule_search_locations:
        raise FileNotFoundError("The temperature data comes from the vega_datasets package, "
                                "which is not installed: run `make serve` or "
                                "`pip install -e .` to install it.")
    path = Path(spec.submodule_search_locations[0]) / "_data" / "seattle-weather.csv"
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    dates = tuple(row["date"].replace("/", "-") for row in rows)
    return dates, np.array([float(row["temp_min"]) for row in rows], dtype=np.float32)


def sliding_windows(series: np.ndarray, seq_len: int) -> tuple[np.ndarray, np.ndarray]:
    """Cut a 1-D series of N values into n_S = N - n_E windows: X (n_S, n_E, 1) and targets (n_S,).

    Window s holds days s .. s + n_E - 1 and its target is day s + n_E, the next one.
    """
    n = len(series)
    if not 1 <= seq_len < n:
        raise ValueError(f"n_E must be from 1 to {n - 1} for a series of {n} values.")
    n_s = n - seq_len
    idx = np.arange(n_s)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
    return series[idx][..., None].astype(np.float32), series[seq_len:].astype(np.float32)


# --- reviews --------------------------------------------------------------------------------------
def tokenize(text: str) -> list[str]:
    """Lower-case words (apostrophes kept), punctuation dropped."""
    return re.findall(r"[a-z']+", text.lower())


def build_vocab(texts) -> dict[str, int]:
    """<pad> = 0, <unk> = 1, then every word by frequency, ties alphabetical."""
    counts: dict[str, int] = {}
    for text in texts:
        for token in tokenize(text):
            counts[token] = counts.get(token, 0) + 1
    words = sorted(counts, key=lambda w: (-counts[w], w))
    return {PAD: 0, UNK: 1, **{w: i + 2 for i, w in enumerate(words)}}


def pad_or_truncate(tokens: list[str], seq_len: int) -> tuple[list[str], list[str]]:
    """(the n_E tokens the model reads, the tokens cut off): padded with <pad> at the end."""
    kept, cut = tokens[:seq_len], tokens[seq_len:]
    return kept + [PAD] * (seq_len - len(kept)), cut


@dataclass(frozen=True)
class ReviewBatch:
    tokens: list[list[str]]  # n_S lists of n_E tokens, padded
    cut: list[list[str]]  # what truncation dropped from each
    ids: np.ndarray  # (n_S, n_E) int64
    labels: np.ndarray  # (n_S,)
    vocab: dict[str, int]


def encode_reviews(seq_len: int) -> ReviewBatch:
    vocab = build_vocab(text for text, _ in REVIEWS)
    tokens, cut = zip(*(pad_or_truncate(tokenize(text), seq_len) for text, _ in REVIEWS),
                      strict=True)
    ids = np.array([[vocab.get(t, vocab[UNK]) for t in row] for row in tokens], dtype=np.int64)
    labels = np.array([label for _, label in REVIEWS], dtype=np.float32)
    return ReviewBatch(list(tokens), list(cut), ids, labels, vocab)


def build_embedding(vocab_size: int, n_x: int, seed: int) -> nn.Embedding:
    """``nn.Embedding(vocab, n_X, padding_idx=0)``: <pad> maps to zeros, seeded weights."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        embedding = nn.Embedding(vocab_size, n_x, padding_idx=0)
    embedding.requires_grad_(False)
    return embedding


# --- the dataset as the LSTM sees it --------------------------------------------------------------
@dataclass(frozen=True)
class DatasetCard:
    """What a page says of one dataset whatever its sizes: its name, its target, its elements."""

    label: str  # the dataset's name on the page, e.g. the toggle's words
    target: str  # what a target is, as a table's column names it
    element: str  # what names an element besides e ("day", "token"), or "" for nothing
    example: str  # the worked example a page shows: "windows", "tokens", or "" for none
    fixes: dict[str, str]  # the settings this data fixes, each with what fixes it


CARDS = {
    "signals": DatasetCard("synthetic signals", "next value", "", "", {}),
    "temperatures": DatasetCard("daily min. temperatures", "next day (°C)", "day", "windows",
                                {"n_s": "the windows", "n_x": "one temperature a day"}),
    "reviews": DatasetCard("movie reviews", "label", "token", "tokens",
                           {"n_s": "the reviews"}),
    "csv": DatasetCard("your own CSV", "next value", "row", "windows",
                       {"n_s": "the windows", "n_x": "the columns chosen"}),
}


@dataclass(frozen=True)
class SequenceDataset:
    """The data the controls make, and how a page presents it.

    ``source`` is one sentence on where the data comes from and how it becomes X, with code
    between backticks (as Markdown writes it).
    """

    name: str
    X: torch.Tensor  # (n_S, n_E, n_X)
    targets: np.ndarray  # (n_S,): next day's temperature, a review's label, or the next value
    source: str
    reviews: ReviewBatch | None = None
    series: np.ndarray | None = None  # the temperatures, for the sliding-window picture
    dates: tuple[str, ...] | None = None  # the series' days, "2012-01-01" on

    @property
    def card(self) -> DatasetCard:
        return CARDS[self.name]

    @property
    def n_s(self) -> int:
        return self.X.shape[0]

    def n_batches(self, batch_size: int) -> int:
        return math.ceil(self.n_s / batch_size)

    def batch(self, index: int, batch_size: int) -> torch.Tensor:
        """Batch ``index`` of shape (b_S, n_E, n_X); the last one may be shorter, as in a
        ``DataLoader`` with ``drop_last=False``."""
        return self.X[index * batch_size : (index + 1) * batch_size]

    def element_names(self, s: int) -> list:
        """What names each element of sequence ``s`` besides e (``card.element``): the days of
        window s, the tokens of review s; empty for the signals."""
        if self.series is not None:
            return list(range(s, s + self.X.shape[1]))  # window s starts on day s
        if self.reviews is not None:
            return list(self.reviews.tokens[s])
        return []


def make_dataset(name: str, n_s: int, seq_len: int, n_x: int, seed: int) -> SequenceDataset:
    """The dataset for the controls: ``n_s`` applies to signals only, ``n_x`` not to temperatures
    (one value a day)."""
    if name == "signals":
        x = make_inputs(n_s, seq_len + 1, n_x, seed)  # one extra step: the next value
        return SequenceDataset(name, x[:, :-1].contiguous(), x[:, -1, 0].numpy(),
                               "Data: smooth seeded signals, one noisy sine per sequence and "
                               "value; the target of each sequence is its next value.")
    if name == "temperatures":
        dates, temps = load_min_temperatures()
        X, targets = sliding_windows(temps, seq_len)
        source = (f"Data: {TEMPERATURE_SOURCE}. A window of n_E days predicts the next day: "
                  f"n_S = N − n_E = {len(temps)} − {seq_len} = {len(X)} windows.")
        return SequenceDataset(name, torch.from_numpy(X), targets, source, series=temps,
                               dates=dates)
    if name == "reviews":
        reviews = encode_reviews(seq_len)
        embedding = build_embedding(len(reviews.vocab), n_x, seed)
        with torch.no_grad():
            X = embedding(torch.from_numpy(reviews.ids))  # (n_S, n_E) -> (n_S, n_E, n_X)
        source = (f"Data: {len(X)} short reviews written for this project, tokenised, "
                  f"truncated or padded with `{PAD}` to n_E = {seq_len} tokens, and embedded "
                  f"by `nn.Embedding({len(reviews.vocab)}, {n_x}, padding_idx=0)`: words "
                  "become a (n_S, n_E, n_X) tensor.")
        return SequenceDataset(name, X, reviews.labels, source, reviews=reviews)
    if name == "csv":
        raise ValueError("Your own CSV needs its series: series_task.series_dataset makes it.")
    raise ValueError(f"unknown dataset {name!r}")


def _shapes(input, output, h_n, c_n) -> dict[str, tuple[int, ...]]:
    return {"input": tuple(input.shape), "output": tuple(output.shape),
            "h_n": tuple(h_n.shape), "c_n": tuple(c_n.shape)}


@dataclass(frozen=True)
class Layouts:
    """One nn.LSTM fed the same sequences three ways, and whether the numbers agree."""

    shapes: dict[str, dict[str, tuple[int, ...]]]  # layout -> input/output/h_n/c_n shape
    unbatched_diff: float  # max |out(X^<s>) - out(batch)[i]|
    time_major_diff: float  # max |out_tf(batch^T)^T - out(batch)|
    last_is_h_n: bool  # output[:, -1, :] == h_n[-1], bit for bit


def build_lstm_pair(n_x: int, hidden_size: int, seed: int) -> tuple[nn.LSTM, nn.LSTM]:
    """The same weights twice: ``batch_first=True`` and ``batch_first=False``."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        first = nn.LSTM(n_x, hidden_size, batch_first=True)
    second = nn.LSTM(n_x, hidden_size, batch_first=False)
    second.load_state_dict(first.state_dict())
    for m in (first, second):
        m.requires_grad_(False)
    return first, second


class BatchRun:
    """One batch (b_S, n_E, n_X) fed to nn.LSTM, once: batched, time-major, and read out.

    Made once per batch; the sequence and element shown only index it. A sequence's
    unbatched run is made the first time it is asked for and kept, so moving along the
    elements, or back to a sequence seen before, runs nothing.

    Attributes
    ----------
    output : (b_S, n_E, H) tensor, ``batch_first=True``; ``h_n``, ``c_n`` : (1, b_S, H)
    prediction : (b_S,) tensor, the head ``nn.Linear(H, 1)`` on ``output[:, -1, :]``
    time_major_diff : max |out_tf(batch^T)^T - output| of the ``batch_first=False`` twin
    last_is_h_n : output[:, -1, :] == h_n[-1], bit for bit
    """

    def __init__(self, lstm: nn.LSTM, lstm_tf: nn.LSTM, head: nn.Linear, batch: torch.Tensor):
        self._lstm, self.batch = lstm, batch
        with torch.no_grad():
            self.output, (self.h_n, self.c_n) = lstm(batch)  # (b_S, n_E, H), (1, b_S, H)
            batch_tf = batch.transpose(0, 1)  # (n_E, b_S, n_X)
            out_tf, (h_tf, c_tf) = lstm_tf(batch_tf)  # (n_E, b_S, H)
            self.prediction = head(self.output[:, -1, :])[:, 0]  # (b_S, H) -> (b_S,)
        self.time_major_diff = float((out_tf.transpose(0, 1) - self.output).abs().max())
        self.last_is_h_n = bool(torch.equal(self.output[:, -1, :], self.h_n[-1]))
        self._shapes = {"batched": _shapes(batch, self.output, self.h_n, self.c_n),
                        "time_major": _shapes(batch_tf, out_tf, h_tf, c_tf)}
        self._unbatched: dict[int, Layouts] = {}

    def layouts(self, position: int) -> Layouts:
        """The three layouts, the batch's sequence ``position`` fed alone as (n_E, n_X)."""
        if position not in self._unbatched:
            seq = self.batch[position]  # (n_E, n_X)
            with torch.no_grad():
                out_u, (h_u, c_u) = self._lstm(seq)  # unbatched: (n_E, H), (1, H)
            self._unbatched[position] = Layouts(
                shapes={"batched": self._shapes["batched"],
                        "unbatched": _shapes(seq, out_u, h_u, c_u),
                        "time_major": self._shapes["time_major"]},
                unbatched_diff=float((out_u - self.output[position]).abs().max()),
                time_major_diff=self.time_major_diff,
                last_is_h_n=self.last_is_h_n,
            )
        return self._unbatched[position]


def build_head(hidden_size: int, seed: int) -> nn.Linear:
    """The many-to-one read-out ``nn.Linear(H, 1)``, seeded, untrained."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed + 7)
        head = nn.Linear(hidden_size, 1)
    head.requires_grad_(False)
    return head
