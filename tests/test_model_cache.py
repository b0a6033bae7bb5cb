"""The model cache and pre-training, headless: files in and out, bad files, the cap, the
locks, the folder, and a machine with no ``fcntl`` (as on Windows)."""

import dataclasses
import json
import math
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest
import torch
from platformdirs import user_cache_dir

from driver.servers import ROOT
from widgets.maths.training import Trainer, defaults_for
from widgets.store.model_cache import ModelCache, TrainedModel


@pytest.fixture
def small():
    trainer = Trainer(replace(defaults_for("temperatures"), epochs=2, hidden_size=3))
    trainer.run()
    return TrainedModel.of(trainer)


def test_a_cached_model_comes_back_as_it_went_in(tmp_path, small):
    cache = ModelCache(tmp_path)
    assert cache.get(small.config) is None
    assert cache.put(small)
    back = cache.get(small.config)
    assert back.history == small.history and back.seconds == small.seconds
    for phase in ("initial", "trained"):
        for name, value in getattr(small, phase).items():
            assert torch.equal(getattr(back, phase)[name], value)
    assert cache.get(replace(small.config, seed=1)) is None  # keyed by every setting
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".writing")] == []


class _RunsCode:
    def __reduce__(self):
        return (os.system, ("touch ran-code",))


@pytest.mark.parametrize("kind", ["garbage", "truncated", "empty", "foreign", "other settings",
                                  "code"])
def test_a_bad_file_is_ignored_removed_and_replaced(tmp_path, small, kind, monkeypatch):
    monkeypatch.chdir(tmp_path)
    cache = ModelCache(tmp_path / "cache")
    cache.put(small)
    path = cache.path(small.config)
    good = path.read_bytes()
    if kind == "garbage":
        path.write_bytes(os.urandom(2000))
    elif kind == "truncated":
        path.write_bytes(good[: len(good) // 2])
    elif kind == "empty":
        path.write_bytes(b"")
    elif kind == "foreign":
        torch.save({"weights": torch.zeros(3)}, path)
    elif kind == "other settings":
        other = dataclasses.replace(small, config=replace(small.config, seed=9))
        torch.save(other.to_file(), path)
    else:
        torch.save({**small.to_file(), "seconds": _RunsCode()}, path)  # runs if unpickled
    assert cache.get(small.config) is None
    assert not path.exists(), "a bad file stays to fail again"
    assert not (tmp_path / "ran-code").exists(), "loading a cached file ran code"
    assert cache.put(small) and cache.get(small.config) is not None


def test_weights_that_are_not_finite_are_not_loaded(tmp_path, small):
    cache = ModelCache(tmp_path)
    bad = {**small.trained, "head.bias": torch.tensor([math.nan])}
    cache.put(dataclasses.replace(small, trained=bad))
    assert cache.get(small.config) is None


def test_the_cache_keeps_within_its_cap_dropping_the_least_recently_used(tmp_path, small):
    ModelCache(tmp_path / "one").put(small)
    size = next((tmp_path / "one").glob("*.pt")).stat().st_size
    cache = ModelCache(tmp_path, max_bytes=int(3.5 * size))  # three fit, four do not
    configs = [replace(small.config, seed=s) for s in range(3)]
    for k, config in enumerate(configs):
        cache.put(dataclasses.replace(small, config=config))
        os.utime(cache.path(config), (1000 + k, 1000 + k))
    cache.get(configs[0])  # used just now: kept
    cache.put(dataclasses.replace(small, config=replace(small.config, seed=3)))
    kept = sorted(p.name for p in tmp_path.glob("*.pt"))
    assert cache.path(configs[1]).name not in kept  # the least recently used went
    assert cache.path(configs[0]).name in kept
    assert sum(p.stat().st_size for p in tmp_path.glob("*.pt")) <= cache.max_bytes


def test_one_kernel_claims_a_config_while_others_wait(tmp_path, small):
    cache = ModelCache(tmp_path)
    first = cache.claim(small.config)
    assert first is not None
    assert cache.claim(small.config) is None  # another process (or file description) waits
    assert cache.claim(replace(small.config, seed=5)) is not None  # other settings do not
    first.release()
    again = cache.claim(small.config)
    assert again is not None
    again.release()


def test_a_cache_that_cannot_write_just_misses(tmp_path, small):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    cache = ModelCache(blocked / "models")
    assert cache.put(small) is False and cache.get(small.config) is None
    assert cache.claim(small.config) is not None


def test_the_folder_and_cap_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("LSTM_MODEL_CACHE", str(tmp_path / "shared"))
    monkeypatch.setenv("LSTM_MODEL_CACHE_MB", "3")
    cache = ModelCache()
    assert cache.folder == tmp_path / "shared" and cache.max_bytes == 3 * 2**20


def test_the_folder_is_otherwise_the_platforms_cache_folder(monkeypatch):
    monkeypatch.delenv("LSTM_MODEL_CACHE", raising=False)
    expected = Path(user_cache_dir("disentangling-lstm", appauthor=False)) / "models"
    assert ModelCache().folder == expected
    if sys.platform.startswith("linux") and not os.environ.get("XDG_CACHE_HOME"):
        assert expected == Path.home() / ".cache" / "disentangling-lstm" / "models"


# what a Windows laptop has: no fcntl. Blocked before anything is imported, the package must
# still import, build the training page, lock a config and train into the cache.
NO_FCNTL = """
import json, sys, warnings
sys.modules["fcntl"] = None  # import fcntl now raises ImportError, as on Windows
warnings.simplefilter("ignore")  # filelock says it falls back to a lock file of its own
from widgets import TrainingExplorer, TrainingModel
from widgets.store.model_cache import ModelCache
cache = ModelCache(sys.argv[1])
page = TrainingExplorer(TrainingModel(cache=cache), preset="epochs=2&hidden_size=3")
claim = cache.claim(page.model.config)
held = cache.claim(page.model.config) is None  # a second claim waits while the first holds
claim.release()
page.train()  # claims, trains, caches
again = TrainingExplorer(TrainingModel(cache=cache), preset="epochs=2&hidden_size=3")
again.train()  # from the cache
print(json.dumps({"fcntl": sys.modules["fcntl"] is None, "held": held,
                  "first": page.model.status, "second": again.model.message,
                  "files": len(list(cache.folder.glob("*.pt")))}))
"""


def test_without_fcntl_the_package_imports_and_the_cache_locks_and_works(tmp_path):
    out = subprocess.run([sys.executable, "-c", NO_FCNTL, str(tmp_path / "cache")], cwd=ROOT,
                         capture_output=True, text=True, timeout=300,
                         env={**os.environ, "TORCH_NUM_THREADS": "1"})
    assert out.returncode == 0, out.stderr
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["fcntl"] and seen["held"] and seen["first"] == "trained"
    assert "taken from the model cache" in seen["second"] and seen["files"] == 1


def test_a_link_names_the_settings_to_pretrain():
    from widgets.store.pretrain import config_of

    config, problems = config_of("http://host/voila/render/4_training.ipynb?task=adding&seq_len=80"
                                 "&phase=trained&step=3")
    assert config == replace(defaults_for("adding"), seq_len=80) and problems == []
    config, problems = config_of("epochs=9&lr=abc")
    assert config == replace(defaults_for("temperatures"), epochs=9)
    assert problems == ["learning rate='abc' is not a number; it was ignored."]
    # the page's cell choice: the same link trains the same module the page would
    config, problems = config_of("task=adding&cell=gru")
    assert config == replace(defaults_for("adding"), cell="gru") and problems == []
    config, problems = config_of("cell=lstmm")
    assert config.cell == "lstm" and "lstm, gru, rnn" in problems[0]


def test_pretraining_fills_the_cache_once(tmp_path, capsys):
    from widgets.store.pretrain import main

    query = "task=temperatures&epochs=2&hidden_size=4"
    assert main(["--cache", str(tmp_path), query]) == 0
    first = capsys.readouterr().out
    assert "epoch 2 of 2" in first and "cached" in first
    config = replace(defaults_for("temperatures"), epochs=2, hidden_size=4)
    assert ModelCache(tmp_path).get(config) is not None
    assert main(["--cache", str(tmp_path), query]) == 0
    assert "already in the cache" in capsys.readouterr().out


def test_pretraining_waits_for_another_process_and_takes_its_model(tmp_path, small):
    import threading

    from widgets.store.pretrain import pretrain

    cache = ModelCache(tmp_path)
    other = cache.claim(small.config)  # another process is training these settings
    waiting, said, got = threading.Event(), [], []

    def say(text):
        said.append(text)
        if "waiting for it" in text:
            waiting.set()

    thread = threading.Thread(target=lambda: got.append(pretrain(small.config, cache, say)))
    thread.start()
    assert waiting.wait(60), said
    cache.put(small)  # the other process finishes: its model, then its lock
    other.release()
    thread.join(60)
    assert not thread.is_alive() and got[0].history == small.history
    assert "trained by the other process" in said[-1]


def test_a_link_with_the_comparison_pretrains_its_three_races(tmp_path, capsys):
    from widgets.state.comparison_model import ComparisonModel
    from widgets.store.pretrain import configs_of, main

    query = "task=adding&seq_len=10&epochs=2&hidden_size=4&compare=on"
    configs, problems = configs_of(query)
    assert problems == [] and len(configs) == 4
    assert [c.cell for c in configs[1:]] == ["lstm", "gru", "rnn"]
    assert all(c.until_solved for c in configs[1:]) and not configs[0].until_solved
    assert main(["--cache", str(tmp_path), query]) == 0
    # the page's comparison then trains nothing: each race is the cache's
    model = ComparisonModel(configs[0], cache=ModelCache(tmp_path))
    model.start()
    for cell in ("lstm", "gru", "rnn"):
        assert model.cached(cell) is not None, cell
