"""How fast the training dashboard's model learns, on one core, without a browser.

For each task at its defaults (``widgets.maths.training.DEFAULTS``):

- the time an epoch takes (every epoch of every run: median and p95);
- the temperatures: the time until the validation RMSE first beats persistence's;
- the adding problem: the time until it is solved, 90% of the validation sums within 0.04.

The numbers a run reaches are the same every time (same seed, one thread); its time is not,
so each task runs ``runs`` times and the medians are reported. ``make bench`` runs this after
the browser measurements; alone: ``python -m bench.training [--runs 3]``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.measures import Series, report  # noqa: E402
from widgets.maths.training import Trainer, defaults_for  # noqa: E402

SOLVED = 0.9  # the adding problem: share of validation sums within 0.04


def milestone(trainer: Trainer) -> bool:
    """Whether the run has reached its task's milestone at the epoch just finished."""
    data, predictions = trainer.data, trainer.valid_predictions
    if data.name == "temperatures":
        return data.error(predictions) < data.error(
            data.yardsticks["persistence (tomorrow = today)"])
    return data.accuracy(predictions) >= SOLVED


def run_once(task: str) -> tuple[list[float], float | None]:
    """(seconds of each epoch, seconds until the milestone or None) for one run."""
    trainer = Trainer(defaults_for(task))
    epoch_seconds, reached, at_last_epoch = [], None, 0.0
    while not trainer.done:
        epoch = trainer.epoch
        trainer.run(seconds=0.0)  # one batch
        if trainer.epoch > epoch:
            epoch_seconds.append(trainer.seconds - at_last_epoch)
            at_last_epoch = trainer.seconds
            if reached is None and milestone(trainer):
                reached = trainer.seconds
    return epoch_seconds, reached


def measure_training(runs: int, results: dict) -> None:
    milestones = {"temperatures": "until it beats persistence",
                  "adding": f"until solved ({SOLVED:.0%} within 0.04)"}
    for task in ("temperatures", "adding"):
        config = defaults_for(task)
        epochs = Series(f"training {task}: an epoch (H={config.hidden_size}, "
                        f"n_E={config.seq_len}, b_S={config.batch_size})")
        reached = Series(f"training {task}: time {milestones[task]}", unit="s")
        for _ in range(runs):
            seconds, at = run_once(task)
            epochs.values.extend(1000 * s for s in seconds)
            if at is not None:
                reached.values.append(at)
            else:
                results.setdefault("errors", []).append(
                    f"training {task}: the milestone was not reached in {config.epochs} epochs")
        results[f"training {task}, epoch"] = epochs
        results[f"training {task}, milestone"] = reached


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict = {}
    measure_training(args.runs, results)
    print(report(results))


if __name__ == "__main__":
    main()
