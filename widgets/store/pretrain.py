"""``python -m widgets.store.pretrain QUERY [QUERY ...]``: train a lesson's models before it.

Each QUERY is what follows the ``?`` of a training dashboard link (a whole link works too),
e.g. ``task=adding&seq_len=80``; settings left out are the task's defaults, and the view's
parameters (``sample``, ``step``, ``unit``, ``phase``) are ignored; ``cell=gru`` or ``cell=rnn``
trains that cell in the LSTM's place; ``compare=on`` trains the
comparison's three races too. Each model is trained into
the model cache (``$LSTM_MODEL_CACHE``, or ``--cache``) unless it is there already, with its
progress printed; students who open those links then get the trained model at once, and a
classroom of thirty that presses Train shares one training instead of thirty. ``make
pretrain PRESETS='...'`` runs this with the Makefile's environment.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import asdict, replace

from ..maths.cells import CELLS
from ..maths.limits import parse_preset
from ..maths.tasks import TASKS
from ..maths.training import DEFAULTS, LIMITS, PHASES, SYMBOLS, TrainConfig, Trainer
from .model_cache import ModelCache, TrainedModel, default_folder

__all__ = ["config_of", "configs_of", "main", "pretrain"]

VIEW = ("sample", "step", "unit", "phase", "compare")


def _parse(query: str):
    return parse_preset(query.split("?", 1)[-1], {**LIMITS, **dict.fromkeys(VIEW[:3])},
                        SYMBOLS, {"task": TASKS, "cell": CELLS, "phase": PHASES,
                                  "compare": ("off", "on")})


def config_of(query: str) -> tuple[TrainConfig, list[str]]:
    """The training settings a link asks for (the nearest valid), and what was wrong in it."""
    found = _parse(query)
    settings = {k: v for k, v in found.values.items() if k not in VIEW}
    task = settings.get("task", "temperatures")
    return TrainConfig(**{**asdict(DEFAULTS[task]), **settings}), found.problems


def configs_of(query: str) -> tuple[list[TrainConfig], list[str]]:
    """Every run a link trains: its model, and with ``compare=on`` each cell's race of the
    comparison (as the page caches them: ``until_solved``)."""
    config, problems = config_of(query)
    races = [replace(config, cell=cell, until_solved=True) for cell in CELLS]
    return [config, *races] if _parse(query).values.get("compare") == "on" else [config], \
        problems


def pretrain(config: TrainConfig, cache: ModelCache, say=print) -> TrainedModel:
    """The cached model of ``config``, trained now (and cached) if it is not there yet."""
    cached = cache.get(config)
    if cached is not None:
        say(f"  already in the cache ({cache.path(config).name})")
        return cached
    claim = cache.claim(config)
    if claim is None:
        say("  another process is training these settings; waiting for it")
        claim = cache.claim(config, wait=-1)  # until it lets go: its model is then cached
        if (cached := cache.get(config)) is not None:
            claim.release()
            say(f"  trained by the other process ({cache.path(config).name})")
            return cached
    with claim:
        trainer = Trainer(config)
        while not trainer.done:
            trainer.run(seconds=2.0)
            left = trainer.seconds_left()
            valid = trainer.history.valid[-1] if trainer.history.valid else float("nan")
            say(f"  epoch {trainer.epoch} of {config.epochs}, validation "
                f"{trainer.data.metric} {valid:.4g}"
                + (f", about {left:.0f} s left" if left and not trainer.done else ""))
        if trainer.status != "finished":
            raise RuntimeError(trainer.message)
        model = TrainedModel.of(trainer)
        if not cache.put(model):
            raise OSError(f"could not write to the model cache at {cache.folder}")
        say(f"  trained in {trainer.seconds:.1f} s and cached ({cache.path(config).name})")
        return model


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m widgets.store.pretrain",
        description="Train the training dashboard's models for a lesson into the model cache.")
    parser.add_argument("queries", nargs="+", metavar="QUERY",
                        help="a link's query, e.g. 'task=adding&seq_len=80'")
    parser.add_argument("--cache", default=None,
                        help="the cache folder (default: $LSTM_MODEL_CACHE, else "
                             f"{default_folder()})")
    args = parser.parse_args(argv)
    cache = ModelCache(args.cache)
    print(f"Model cache: {cache.folder}")
    failed = 0
    for k, query in enumerate(args.queries, start=1):
        configs, problems = configs_of(query)
        for config in configs:
            print(f"[{k}/{len(args.queries)}] {config}")
            for problem in problems:
                print(f"  {problem}")
            problems = []
            try:
                pretrain(config, cache)
            except (RuntimeError, OSError) as err:
                print(f"  FAILED: {err}")
                failed += 1
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
