"""How fast the training dashboard's model learns, on one core, without a browser.

For each task at its defaults (``widgets.maths.training.DEFAULTS``):

- the time an epoch takes (every epoch of every run: median and p95);
- the temperatures: the time until the validation RMSE first beats persistence's;
- the adding problem: the time until it is solved, 90% of the validation sums within 0.04;
- the training page's comparison at the adding problem's defaults: each cell's time to solve
  (``TaskData.solved_below``, validation MSE 0.01; none for the plain RNN at n_E = 50) and the
  whole comparison's time, as the page runs it.

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
from widgets.maths.cells import CELL_LABELS, CELLS  # noqa: E402
from widgets.maths.comparison import Comparison  # noqa: E402
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


def measure_comparison(runs: int, results: dict) -> None:
    """The comparison at the adding problem's defaults: each cell's time to solve, and all."""
    solve = {cell: Series(f"comparison: the {CELL_LABELS[cell]}'s time to solve", unit="s")
             for cell in CELLS}
    whole = Series("comparison: the three cells, one after another", unit="s")
    for _ in range(runs):
        comparison = Comparison(defaults_for("adding"))
        while not comparison.done:
            comparison.run()
        for r in comparison.results():
            if r.solved:
                solve[r.cell].values.append(r.solved_seconds)
            else:  # a cell that never solves is reported by the time it trained in vain
                solve[r.cell].name = (f"comparison: the {CELL_LABELS[r.cell]} did not solve; "
                                      f"its {r.epochs} epochs took")
                solve[r.cell].values.append(r.seconds)
        whole.values.append(sum(r.seconds for r in comparison.results()))
    for cell, series in solve.items():
        results[f"comparison, {cell}"] = series  # no values: it did not solve in any run
    results["comparison, all"] = whole


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    results: dict = {}
    measure_training(args.runs, results)
    measure_comparison(args.runs, results)
    print(report(results))


if __name__ == "__main__":
    main()
