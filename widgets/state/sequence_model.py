"""The sequence dashboard's state: the data and the LSTM it feeds; batch, sequence and element
index them."""

from __future__ import annotations

from typing import ClassVar

import torch
from traitlets import Instance, Int, TraitError, Unicode, validate

from ..maths.limits import check_choice
from ..maths.padding import PaddingRun, build_lstm, review_lengths, run_padding
from ..maths.sequence import (
    CARDS,
    BatchRun,
    SequenceDataset,
    build_head,
    build_lstm_pair,
    check_setting,
    make_dataset,
)
from ..maths.series_task import series_dataset
from .csv_source import DEFAULT_EXAMPLE, EXAMPLES, FILE
from .own_series import OwnSeries
from .settings_model import SettingsModel

__all__ = ["DIRECTIONS", "INDICES", "SETTINGS", "SequenceModel"]

SETTINGS = ("dataset", "n_s", "seq_len", "n_x", "batch_size", "hidden_size", "seed")
INDICES = ("batch", "position", "element")
DIRECTIONS = ("off", "on")  # the padding section's LSTM: bidirectional=False or True


class SequenceModel(OwnSeries, SettingsModel):
    """State of the sequence-data dashboard.

    A change of a setting rebuilds the data and the modules; the batch shown is fed to the
    LSTM once (``feed()``); the sequence and the element only index what it gave.

    Traits
    ------
    dataset : {"signals", "temperatures", "reviews", "csv"}, default "signals" -- "csv" is
        the learner's own series (``series``, ``csv``: an example or an uploaded file)
    n_s : int, default 10 -- sequences n_S (signals only; derived for the others)
    seq_len : int, default 12 -- elements per sequence n_E
    n_x : int, default 3 -- values per element n_X (always 1 for temperatures)
    batch_size : int, default 4 -- b_S
    hidden_size : int, default 8 -- H of the LSTM the data is fed to
    seed : int, default 0
    batch, position, element -- the batch shown, the sequence within it, the element e (1-based)
    bidirectional : {"off", "on"}, default "off" -- the reviews' padding section: whether its
        LSTM reads both ways (a view setting: the page's other LSTM stays one-way)
    """

    dataset = Unicode("signals", help="which data: signals, temperatures or reviews")
    n_s = Int(10, help="n_S: sequences in the synthetic dataset")
    seq_len = Int(12, help="n_E: elements in each sequence")
    n_x = Int(3, help="n_X: values in each element")
    batch_size = Int(4, help="b_S: sequences in a batch")
    hidden_size = Int(8, help="H: the LSTM's hidden size")
    seed = Int(0, help="seeds the signals, the embedding and the LSTM")
    batch = Int(0, help="the batch shown")
    position = Int(0, help="which sequence of the batch is X^<s>")
    element = Int(1, help="the element e of X^<s>, 1-based")
    bidirectional = Unicode("off", help="padding and packing: the LSTM reads both ways, on or off")

    data = Instance(SequenceDataset, allow_none=True)
    lstm = Instance(torch.nn.LSTM, allow_none=True, help="batch_first=True")
    lstm_tf = Instance(torch.nn.LSTM, allow_none=True, help="the same weights, batch_first=False")
    head = Instance(torch.nn.Linear, allow_none=True, help="the many-to-one read-out")

    SETTINGS = SETTINGS

    check = staticmethod(check_setting)

    @validate(*SETTINGS)
    def _valid_setting(self, proposal):
        return self._validate_setting(proposal)

    VIEW_CHOICES: ClassVar[dict[str, tuple[str, ...]]] = {"bidirectional": DIRECTIONS,
                                                          "series": EXAMPLES}
    # left out of a link while off: a plain view keeps the link it had before padding's switch
    QUIET_DEFAULTS: ClassVar[dict] = {"bidirectional": "off", "series": DEFAULT_EXAMPLE}

    @property
    def uses_own_series(self) -> bool:
        return self.dataset == "csv"

    def _fits(self, series) -> None:
        """A series must make at least one window of this n_E: else CSVError."""
        series_dataset(series, self._fit_len or self.seq_len)

    @validate("bidirectional")
    def _valid_bidirectional(self, proposal):
        try:
            return check_choice("bidirectional", proposal["value"], DIRECTIONS)
        except ValueError as err:
            raise TraitError(str(err)) from None

    INDEX_LABELS: ClassVar[dict[str, str]] = {
        "batch": "The batch", "position": "The position in the batch",
        "element": "The element e"}

    @validate(*INDICES)
    def _valid_index(self, proposal):
        return self._validate_index(proposal)

    def used(self, name: str) -> bool:
        """Whether the setting ``name`` shapes the current data (n_S: signals only; n_X: not
        the temperatures: the data's card says which it fixes). Unused settings are kept, so
        switching back restores them."""
        if name == "series":  # the example, with the own data; a file cannot travel
            return self.uses_own_series and self.series != FILE
        return name not in CARDS[self.dataset].fixes

    @property
    def n_x_used(self) -> int:
        """n_X as the data has it: one temperature a day, whatever the slider says."""
        if self.uses_own_series:
            return len(self.csv.series.channels)  # the columns chosen
        return self.n_x if self.used("n_x") else 1  # the temperatures: one value a day

    def index_range(self, name: str) -> tuple[int, int]:
        if self.data is None:
            return (0, 0) if name != "element" else (1, 1)
        if name == "batch":
            return 0, self.data.n_batches(self.batch_size) - 1
        if name == "position":
            return 0, len(self.data.batch(self.batch, self.batch_size)) - 1
        return 1, self.seq_len

    @property
    def sample(self) -> int:
        """s, the index of X^<s> in the dataset."""
        return self.batch * self.batch_size + self.position

    def _rebuild(self) -> None:
        data = (series_dataset(self.csv.series, self.seq_len) if self.uses_own_series else
                make_dataset(self.dataset, self.n_s, self.seq_len, self.n_x_used, self.seed))
        lstm, lstm_tf = build_lstm_pair(self.n_x_used, self.hidden_size, self.seed)
        head = build_head(self.hidden_size, self.seed)
        self._feed: tuple[int, BatchRun] | None = None  # the batch fed, and what it gave
        self._padding: dict[tuple[int, str], PaddingRun] = {}  # (batch, bidirectional) -> run
        self._padding_lstm = {"off": lstm}  # the same seed: the one-way LSTM is the page's
        with self.hold_trait_notifications():
            self.data, self.lstm, self.lstm_tf, self.head = data, lstm, lstm_tf, head
            self.batch = min(self.batch, data.n_batches(self.batch_size) - 1)
            self.position = min(self.position, len(data.batch(self.batch, self.batch_size)) - 1)
            self.element = min(self.element, self.seq_len)

    def current_batch(self) -> torch.Tensor:
        """The batch shown, (b_S, n_E, n_X); the last batch may hold fewer sequences."""
        return self.data.batch(self.batch, self.batch_size)

    def feed(self) -> BatchRun:
        """The LSTM fed the batch shown: run once per batch, then indexed."""
        if self._feed is None or self._feed[0] != self.batch:
            self._feed = (self.batch, BatchRun(self.lstm, self.lstm_tf, self.head,
                                               self.current_batch()))
        return self._feed[1]

    def padding(self) -> PaddingRun | None:
        """The reviews of the batch shown, padded and packed (None for the other data): run
        once per batch and direction, then kept until the next rebuild."""
        if self.dataset != "reviews":
            return None
        key = (self.batch, self.bidirectional)
        if key not in self._padding:
            if self.bidirectional not in self._padding_lstm:
                self._padding_lstm[self.bidirectional] = build_lstm(
                    self.n_x_used, self.hidden_size, self.seed, bidirectional=True)
            first = self.batch * self.batch_size
            ids = self.data.reviews.ids[first : first + self.batch_size]  # (b_S, n_E)
            self._padding[key] = run_padding(self._padding_lstm[self.bidirectional],
                                             self.current_batch(), review_lengths(ids))
        return self._padding[key]
