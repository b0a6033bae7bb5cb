"""Trained models on disk, shared by every kernel of a server, so a lesson's preset trains once.

A trained model is keyed by everything that decides it (``TrainConfig``: the task, the sizes,
the learning rate, the epochs, the batch size and the seed). Files are written whole or not
at all (a temporary file, then a rename), read with ``torch.load(..., weights_only=True)``,
which builds tensors and plain containers and runs no code, and checked against the config
they claim to be: a truncated, corrupt or foreign file is removed and treated as missing, and
nothing here raises for it. The folder has a size cap; the least recently used files go
first. A lock file per key (``filelock``: ``fcntl`` on Linux and macOS, ``msvcrt`` on
Windows) lets one kernel train a config while the others wait for its file.

The folder is ``$LSTM_MODEL_CACHE``, else ``models`` in the platform's user cache folder
(``platformdirs``: ``~/.cache/disentangling-lstm`` on Linux, ``~/Library/Caches/...`` on
macOS, ``%LOCALAPPDATA%\\disentangling-lstm\\Cache`` on Windows), and the cap
``$LSTM_MODEL_CACHE_MB`` megabytes (default 256). Nothing here knows of widgets.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import math
import os
import tempfile
from dataclasses import asdict, dataclass
from pathlib import Path

import torch
from filelock import FileLock, Timeout
from platformdirs import user_cache_dir

from ..maths.tasks import TASK_N_X
from ..maths.training import History, ManyToOne, TrainConfig, Trainer

__all__ = ["FORMAT", "Claim", "ModelCache", "TrainedModel", "default_folder"]

FORMAT = 1  # the layout of a cached file; a new layout makes old files foreign
APP = "disentangling-lstm"  # the cache folder's name under the platform's cache folders


def default_folder() -> Path:
    """``$LSTM_MODEL_CACHE`` if set, else ``models`` in the platform's user cache folder."""
    return Path(os.environ.get("LSTM_MODEL_CACHE") or
                Path(user_cache_dir(APP, appauthor=False)) / "models").expanduser()


def n_x_of(config: TrainConfig, weights) -> int:
    """n_X of a run: the task's own, or for a series of the learner's (n_X is 1 + its extra
    inputs, which its digest fixes) the width of the saved input weights; 0 if unreadable,
    which no model fits."""
    if config.task in TASK_N_X:
        return TASK_N_X[config.task]
    tensor = weights.get(f"{config.cell}.weight_ih_l0") if isinstance(weights, dict) else None
    return int(tensor.shape[1]) if isinstance(tensor, torch.Tensor) and tensor.ndim == 2 else 0


@dataclass(frozen=True)
class TrainedModel:
    """A finished run: the weights before and after, and the curves in between."""

    config: TrainConfig
    initial: dict[str, torch.Tensor]
    trained: dict[str, torch.Tensor]
    history: History
    seconds: float  # training time when it was made

    @classmethod
    def of(cls, trainer: Trainer) -> TrainedModel:
        return cls(trainer.config, trainer.initial,
                   {k: t.detach().clone() for k, t in trainer.model.state_dict().items()},
                   History(list(trainer.history.train), list(trainer.history.valid)),
                   trainer.seconds)

    def model(self, phase: str = "trained") -> ManyToOne:
        """A ``ManyToOne`` with the weights of ``phase``: "initial" or "trained"."""
        model = ManyToOne(n_x_of(self.config, self.initial), self.config.hidden_size,
                          self.config.cell)
        model.load_state_dict(self.initial if phase == "initial" else self.trained)
        model.requires_grad_(False)
        return model

    def to_file(self) -> dict:
        return {"format": FORMAT, "config": asdict(self.config), "initial": self.initial,
                "trained": self.trained, "train": self.history.train,
                "valid": self.history.valid, "seconds": self.seconds}

    @classmethod
    def from_file(cls, data, config: TrainConfig) -> TrainedModel:
        """The model in ``data`` if it is exactly what ``config`` trains, else ``ValueError``."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise ValueError("not a cached model of this version")
        if data.get("config") != asdict(config):
            raise ValueError("a model of other settings")
        n_x = n_x_of(config, data.get("initial"))
        if not 1 <= n_x <= 1000:
            raise ValueError("its input weights do not say how many inputs it reads")
        blank = ManyToOne(n_x, config.hidden_size, config.cell)
        shapes = {k: tuple(t.shape) for k, t in blank.state_dict().items()}
        for phase in ("initial", "trained"):
            tensors = data.get(phase)
            if not isinstance(tensors, dict) or {
                    k: tuple(t.shape) for k, t in tensors.items()
                    if isinstance(t, torch.Tensor)} != shapes:
                raise ValueError(f"its {phase} weights do not fit the model")
            if not all(torch.isfinite(t).all() for t in tensors.values()):
                raise ValueError(f"its {phase} weights are not finite")
        curves = [data.get("train"), data.get("valid")]
        # a race to solve ends at its solving epoch: at most its epochs, the same for both
        lengths = range(1, config.epochs + 1) if config.until_solved else (config.epochs,)
        if not (isinstance(curves[0], list) and isinstance(curves[1], list)
                and len(curves[0]) == len(curves[1])):
            raise ValueError("its curves do not have one number an epoch")
        if not all(isinstance(c, list) and len(c) in lengths and
                   all(isinstance(v, float) and math.isfinite(v) for v in c) for c in curves):
            raise ValueError("its curves do not have one number an epoch")
        seconds = data.get("seconds")
        if not isinstance(seconds, float) or not seconds >= 0:
            raise ValueError("its training time is not a number")
        return cls(config, data["initial"], data["trained"], History(*curves), seconds)


class Claim:
    """The right to train one config while other kernels wait: a lock file, held.

    ``None`` for a lock that could not be made (a read-only folder): training goes on without
    one, as it would with no cache.
    """

    def __init__(self, lock: FileLock | None):
        self._lock = lock

    def release(self) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self.release()


class ModelCache:
    """Cached ``TrainedModel`` files in ``folder``, at most ``max_bytes`` of them.

    Every method swallows the disk's errors: a cache that cannot read or write is a cache
    that misses, and the learner's model trains as it would without one.
    """

    def __init__(self, folder: str | Path | None = None, max_bytes: int | None = None):
        self.folder = Path(folder).expanduser() if folder else default_folder()
        if max_bytes is None:
            mb = os.environ.get("LSTM_MODEL_CACHE_MB", "256")
            max_bytes = int(mb) * 2**20 if mb.isdigit() else 256 * 2**20
        self.max_bytes = max_bytes

    @staticmethod
    def key(config: TrainConfig) -> str:
        """A name for ``config``'s file: the hash of its settings and of the file format."""
        text = json.dumps({"format": FORMAT, **asdict(config)}, sort_keys=True)
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def path(self, config: TrainConfig) -> Path:
        return self.folder / f"{self.key(config)}.pt"

    def get(self, config: TrainConfig) -> TrainedModel | None:
        """The cached model of ``config``, or None (missing, unreadable, or not that model)."""
        path = self.path(config)
        try:
            if path.stat().st_size > self.max_bytes:
                raise ValueError("larger than the whole cache may be")
            data = torch.load(path, map_location="cpu", weights_only=True)
            model = TrainedModel.from_file(data, config)
        except FileNotFoundError:
            return None
        except Exception:
            with contextlib.suppress(OSError):
                path.unlink()
            return None
        with contextlib.suppress(OSError):
            os.utime(path)  # recently used: evicted last
        return model

    def put(self, model: TrainedModel) -> bool:
        """Write ``model`` whole under its key, then keep the folder within its cap."""
        tmp = None
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=".writing-", suffix=".pt")
            with os.fdopen(fd, "wb") as f:
                torch.save(model.to_file(), f)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, self.path(model.config))  # atomic: readers see all or nothing
            tmp = None
            self._evict()
            return True
        except OSError:
            return False
        finally:
            if tmp is not None:
                with contextlib.suppress(OSError):
                    os.unlink(tmp)

    def claim(self, config: TrainConfig, wait: float = 0) -> Claim | None:
        """The lock for training ``config``, or None if another process holds it now (or
        still holds it after ``wait`` seconds; -1 waits as long as it takes)."""
        try:
            locks = self.folder / "locks"
            locks.mkdir(parents=True, exist_ok=True)
            lock = FileLock(locks / f"{self.key(config)}.lock")
            lock.acquire(timeout=wait)
        except Timeout:
            return None
        except OSError:
            return Claim(None)  # no lock to be had: train without one
        return Claim(lock)

    def _evict(self) -> None:
        files = []
        for path in self.folder.glob("*.pt"):
            with contextlib.suppress(OSError):
                stat = path.stat()
                files.append((stat.st_mtime, stat.st_size, path))
        total = sum(size for _, size, _ in files)
        for _, size, path in sorted(files):  # the least recently used first
            if total <= self.max_bytes:
                break
            with contextlib.suppress(OSError):
                path.unlink()
                total -= size
