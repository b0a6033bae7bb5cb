"""The training dashboard's code for each task: its data, its yardsticks and its results.

The rest of the notebook (the loop) is the same for every task: ``training.py``; the model and
what one sequence shows differ from cell to cell: ``training_cells.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..maths.tasks import ADDING_TOLERANCE, ADDING_TRAIN, ADDING_VALID, VALID_FROM
from .recipe import Section, fill, splice
from .snippets import FIND_TEMPERATURES

__all__ = ["TASK_CODE", "TaskCode"]


@dataclass(frozen=True)
class TaskCode:
    """The parts of the notebook that differ from task to task."""

    imports: str  # what the task's data needs, on top of torch's
    data: Section  # X_train, y_train, X_valid, y_valid and n_x
    yardsticks: Section  # to_task, truth, metric, error, error_of_loss and the yardsticks
    # the trained model beside the yardsticks, predictions and scores, for the cell's label
    results: Callable[[str], Section]


# the imports each task's data needs, on top of torch's
IMPORTS = {
    "temperatures": "import copy\nimport csv\nimport importlib.util\nimport math\n"
                    "from pathlib import Path\n\nimport numpy as np\nimport torch\n"
                    "from torch import nn",
    "adding": "import copy\nimport math\n\nimport torch\nfrom torch import nn",
}

TEMPERATURES = Section(
    "The data: two weeks of temperatures, then the next day",
    "The tutorial's Seattle daily minimum temperatures, 2012-2015, from the CSV file that "
    "ships inside the `vega_datasets` package (read with `csv`, no download). A window of "
    "n_E days is one sequence of n_E elements of n_X = 1 value; its target is the day after. "
    "We split by time: windows whose next day falls before 2015 train, those in 2015 "
    "validate. Both are normalised with the training years' mean and standard deviation "
    "only, so nothing of 2015 leaks into training.",
    FIND_TEMPERATURES + "\n" + fill("""
        with open(path, newline="") as f:
            rows = list(csv.DictReader(f))
        dates = [row["date"].replace("/", "-") for row in rows]
        temps = np.array([float(row["temp_min"]) for row in rows], dtype=np.float32)  # (1461,) °C

        split = dates.index($valid_from)  # the first day whose window validates
        mean, std = float(temps[:split].mean()), float(temps[:split].std())  # training years only
        z = torch.from_numpy(((temps - mean) / std).astype(np.float32))  # (1461,) normalised

        n_s = len(z) - seq_len  # n_S: every window that has a next day
        windows = torch.stack([z[s : s + seq_len] for s in range(n_s)])[..., None]  # (n_S, n_E, 1)
        next_day = z[seq_len:, None]  # (n_S, 1): the day after each window
        target_day = torch.arange(seq_len, len(z))  # the day each window predicts
        train, valid = target_day < split, target_day >= split
        X_train, y_train = windows[train], next_day[train]
        X_valid, y_valid = windows[valid], next_day[valid]
        n_x = X_train.shape[-1]  # n_X = 1: one temperature a day
        print(f"{len(X_train)} training windows (2012-2014), {len(X_valid)} validation (2015)")
        print("X_train", tuple(X_train.shape), "X_valid", tuple(X_valid.shape))  # (n_S, n_E, n_X)
        print(f"normalised with the training years' mean {mean:.2f} °C and std {std:.2f} °C")
        """, valid_from=VALID_FROM),
)

ADDING = Section(
    "The data: the adding problem",
    "Hochreiter and Schmidhuber's adding problem. Each step holds a random number in [0, 1) "
    "and a marker (n_X = 2); two steps are marked, one in each half of the sequence, and the "
    "target is the sum of the two marked numbers. The first marked number must be carried "
    "across many steps: this is what a memory is for. One generator, seeded, draws the "
    "training sequences, then the validation ones, in the dashboard's order.",
    fill("""
        def adding_sequences(n, seq_len, generator):
            \"\"\"n sequences of (number, marker): x (n, n_E, 2), and y (n, 1) the marked sum.\"\"\"
            numbers = torch.rand(n, seq_len, generator=generator)
            half = seq_len // 2
            first = torch.randint(0, half, (n,), generator=generator)  # a marker in each half
            second = torch.randint(half, seq_len, (n,), generator=generator)
            markers = torch.zeros(n, seq_len)
            rows = torch.arange(n)
            markers[rows, first] = 1.0
            markers[rows, second] = 1.0
            x = torch.stack([numbers, markers], dim=-1)  # (n, n_E, 2)
            y = (numbers * markers).sum(dim=1, keepdim=True)  # (n, 1)
            return x, y


        generator = torch.Generator().manual_seed(seed)  # the data's own stream
        X_train, y_train = adding_sequences($n_train, seq_len, generator)
        X_valid, y_valid = adding_sequences($n_valid, seq_len, generator)
        n_x = X_train.shape[-1]  # n_X = 2: a number and its marker
        print("X_train", tuple(X_train.shape), "X_valid", tuple(X_valid.shape))  # (n_S, n_E, n_X)
        first, second = X_valid[0, :, 1].nonzero()[:, 0].tolist()
        print(f"validation sequence 0: marked at steps {first + 1} and {second + 1}, "
              f"target {y_valid[0, 0].item():.3f}")
        """, n_train=ADDING_TRAIN, n_valid=ADDING_VALID),
)

YARDSTICKS = {
    "temperatures": Section(
        "The yardsticks",
        "An error means little alone. Two models that need no training, on the same 2015 "
        "windows: *persistence* (tomorrow is today: the last day the window saw) and the "
        "training years' mean. The curves show the root mean squared error in °C: the "
        "training loss is an MSE in normalised units, so it is scaled back by std².",
        fill("""
            def to_task(out):  # model units -> °C
                return out.double() * std + mean


            truth = to_task(y_valid[:, 0])  # (n_valid,) the 2015 temperatures, °C
            metric = "RMSE (°C)"


            def error(predictions):  # the curves' metric: RMSE in °C
                return ((predictions - truth) ** 2).mean().sqrt().item()


            def error_of_loss(mse_loss):  # an MSE in model units, as RMSE in °C
                return math.sqrt(mse_loss * std**2)


            def mae(predictions):  # mean absolute error, °C
                return (predictions - truth).abs().mean().item()


            yesterday = torch.from_numpy(temps).double()[target_day[valid] - 1]
            yardsticks = {
                "persistence (tomorrow = today)": yesterday,
                "the training years' mean": torch.full_like(truth, mean),
            }
            for name, p in yardsticks.items():
                print(f"{name}: RMSE {error(p):.3g} °C, MAE {mae(p):.3g} °C")
            """),
    ),
    "adding": Section(
        "The yardstick",
        "A model that sees only the last step can do no better than E[sum | x<sub>n_E</sub>]: "
        "if the last step is marked, its number plus the other's mean 0.5; if not, two means, "
        "1.0. Only a model that remembers can beat it. The curves show the mean squared error; "
        "an answer within 0.04 of the target counts as right (the 1997 paper's criterion).",
        fill("""
            def to_task(out):  # the sums are in the task's units already
                return out.double()


            truth = to_task(y_valid[:, 0])  # (n_valid,)
            metric = "MSE"


            def error(predictions):  # the curves' metric: MSE
                return ((predictions - truth) ** 2).mean().item()


            def error_of_loss(mse_loss):  # the training loss is this MSE already
                return mse_loss


            def within(predictions):  # share of answers within $tolerance of the target
                return ((predictions - truth).abs() < $tolerance).double().mean().item()


            last = X_valid[:, -1].double()  # (n_valid, 2): all a memoryless model sees
            yardsticks = {
                "memoryless (sees only the last step)": torch.where(last[:, 1] == 1.0,
                                                                    last[:, 0] + 0.5, 1.0),
            }
            for name, p in yardsticks.items():
                print(f"{name}: MSE {error(p):.3g}, within $tolerance: {100 * within(p):.0f}%")
            """, tolerance=ADDING_TOLERANCE),
    ),
}


def _temperature_results(label: str) -> Section:
    return Section(
        "The results",
        f"The trained {label} against the yardsticks, on the same validation windows: it has "
        "learned something only if it beats persistence.",
        splice("""
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,) °C
            scores = {name: (error(p), mae(p))
                      for name, p in {$name: predictions, **yardsticks}.items()}
            print(f"on the {len(truth)} validation windows:")
            for name, (rmse, mae_) in scores.items():
                print(f"  {name:32} RMSE {rmse:.3g} °C   MAE {mae_:.3g} °C")
            """, name=f'"this {label}"'),
    )


def _adding_results(label: str) -> Section:
    return Section(
        "The results",
        f"The trained {label} against the memoryless yardstick, on the same validation "
        f"sequences: beating it means the {label} carries the first marked number to the end.",
        splice("""
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,)
            scores = {name: (error(p), within(p))
                      for name, p in {$name: predictions, **yardsticks}.items()}
            print(f"on the {len(truth)} validation sequences:")
            for name, (mse, share) in scores.items():
                print(f"  {name:38} MSE {mse:.3g}   within $tolerance: {100 * share:.0f}%")
            """, name=f'"this {label}"', tolerance=repr(ADDING_TOLERANCE)),
    )


RESULTS = {"temperatures": _temperature_results, "adding": _adding_results}


TASK_CODE = {
    task: TaskCode(IMPORTS[task], data, YARDSTICKS[task], RESULTS[task])
    for task, data in (("temperatures", TEMPERATURES), ("adding", ADDING))
}
