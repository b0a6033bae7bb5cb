"""The training dashboard's code for task "csv": the learner's series, read from the same file
with the same steps as the page (``maths.series_csv``, ``series_pick``, ``series_task``).

The file's name and its columns' come from outside: in the code each is a Python literal made
by ``repr``, in the prose ``markdown_text``. The code reads a learner's file by the last part of
its name, next to the notebook; an example, where vega_datasets keeps it.
"""

from __future__ import annotations

from ..maths.series_csv import ParsedCSV, SeriesChoice
from ..maths.series_pick import series_digest
from ..maths.series_task import VALID_SHARE
from .csv_read import EXAMPLE_IMPORTS, IMPORTS, is_example, quoted, series_code
from .recipe import Section, fill, splice
from .training_tasks import TaskCode

__all__ = ["csv_task_code"]

def _data(parsed: ParsedCSV, choice: SeriesChoice) -> Section:
    reading, prose, _group = series_code(parsed, choice)
    code = reading + "\n\n" + fill("""
        n = len(values)
        split = n - max(1, round($share * n))  # the first row whose target validates
        means = values[:split].mean(axis=0)  # (n_X,): the training part only
        stds = values[:split].std(axis=0)
        z = ((values - means) / stds).astype(np.float32)  # (n, n_X) normalised

        rows = np.arange(n - seq_len)[:, None] + np.arange(seq_len)[None, :]  # (n_S, n_E)
        windows = torch.from_numpy(z[rows])  # (n_S, n_E, n_X): every window of n_E rows
        next_value = torch.from_numpy(z[seq_len:, :1].copy())  # (n_S, 1): the next target
        target_row = np.arange(seq_len, n)  # the row each window predicts
        train, valid = target_row < split, target_row >= split
        X_train, y_train = windows[train], next_value[train]
        X_valid, y_valid = windows[valid], next_value[valid]
        n_x = X_train.shape[-1]  # n_X: the target and the extra inputs
        mean, std = float(means[0]), float(stds[0])  # the target's
        print(f"{len(X_train)} training windows, {len(X_valid)} validation (the last "
              f"{n - split} rows)")
        print("X_train", tuple(X_train.shape), "X_valid", tuple(X_valid.shape))
        print(f"{channels[0]}: normalised with the training part's mean {mean:.4g} and "
              f"std {std:.4g}")
        """, share=VALID_SHARE)
    text = prose + (f" We split by time: the windows whose next row is among the last "
                    f"{VALID_SHARE:.0%} of the rows validate, the others train. Each column is "
                    "normalised with the training part's mean and standard deviation only, so "
                    "nothing of the validation part leaks into training.")
    return Section("The data: " + ("an example series" if is_example(parsed) else
                                   "your own series") + ", cut into windows", text, code)


def _yardsticks(target: str) -> Section:
    return Section(
        "The yardsticks",
        "An error means little alone. Two models that need no training, on the same "
        "validation windows: *persistence* (the next value is the last one the window saw) "
        "and the training part's mean. The curves show the root mean squared error in the "
        f"unit of {quoted([target])}: the training loss is an MSE in normalised units, so "
        "it is scaled back by std².",
        fill("""
            def to_task(out):  # model units -> the target's unit
                return out.double() * std + mean


            truth = to_task(y_valid[:, 0])  # (n_valid,) the validation targets
            target = $target  # the target's column: errors are in its unit
            metric = f"RMSE ({target})"


            def error(predictions):  # the curves' metric: RMSE in the target's unit
                return ((predictions - truth) ** 2).mean().sqrt().item()


            def error_of_loss(mse_loss):  # an MSE in model units, as RMSE in the target's unit
                return math.sqrt(mse_loss * std**2)


            def mae(predictions):  # mean absolute error, in the target's unit
                return (predictions - truth).abs().mean().item()


            last = torch.from_numpy(values[target_row[valid] - 1, 0])  # the last row's target
            yardsticks = {
                "persistence (next = last)": last,
                "the training part's mean": torch.full_like(truth, mean),
            }
            for name, p in yardsticks.items():
                print(f"{name}: RMSE {error(p):.3g}, MAE {mae(p):.3g} ({target})")
            """, target=target),
    )


def _results(label: str) -> Section:
    return Section(
        "The results",
        f"The trained {label} against the yardsticks, on the same validation windows: it has "
        "learned something only if it beats persistence.",
        splice("""
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,) the target's unit
            scores = {name: (error(p), mae(p))
                      for name, p in {$name: predictions, **yardsticks}.items()}
            print(f"on the {len(truth)} validation windows, in the unit of {target}:")
            for name, (rmse, mae_) in scores.items():
                print(f"  {name:32} RMSE {rmse:.3g}   MAE {mae_:.3g}")
            """, name=f'"this {label}"'),
    )


def csv_task_code(parsed: ParsedCSV, choice: SeriesChoice, digest: str) -> TaskCode:
    """The notebook's data, yardsticks and results for the series ``choice`` picks from
    ``parsed``; ``ValueError`` unless that series is the one whose digest is ``digest``
    (``TrainConfig.data``)."""
    group = (None if parsed.group_column is None else
             parsed.groups[0] if choice.group is None else choice.group)
    if series_digest(parsed.digest, choice, group) != digest:
        raise ValueError("The file and the choice given are not the series this model "
                         "learns from (their digests differ).")
    return TaskCode(EXAMPLE_IMPORTS if is_example(parsed) else IMPORTS, _data(parsed, choice),
                    _yardsticks(choice.target), _results)
