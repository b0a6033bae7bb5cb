"""The training dashboard's code: the task's data, the yardsticks, the many-to-one model (an
LSTM, a GRU or a plain RNN: ``TrainConfig.cell``), the training loop, and what one validation
sequence shows of the weights it learned.

The parts that differ from task to task (data, yardsticks, results) are ``training_tasks.py``;
from cell to cell (the model, one sequence by hand, the memory), ``training_cells.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ..maths.tasks import TASK_LABELS
from ..maths.training import PHASES, TrainConfig
from .recipe import Recipe, Section, fill, splice
from .training_cells import CELL_CODE
from .training_csv import csv_task_code
from .training_tasks import TASK_CODE

if TYPE_CHECKING:
    from ..maths.series_csv import ParsedCSV, SeriesChoice

__all__ = ["training_recipe"]

TRAINING = Section(
    "Training",
    "A plain loop: each epoch shuffles the training sequences (a generator of its own, "
    "seeded, so the order is the dashboard's), cuts them into mini-batches of b_S, and takes "
    "one Adam step per batch on the mean squared error. After each epoch: the training "
    "error from the epoch's batch losses, and the validation error on every validation "
    "sequence, the two curves the page draws. A learning rate too large makes the loss blow "
    "up; the loop stops there and says so.",
    fill("""
        optimizer = torch.optim.Adam(model.parameters(), lr=lr)
        order = torch.Generator().manual_seed(seed)  # the batches' order
        n_train = len(X_train)
        history = {"train": [], "valid": []}  # one value per epoch: the learning curves
        diverged = False
        for epoch in range(1, epochs + 1):
            perm = torch.randperm(n_train, generator=order)  # a new order every epoch
            loss_sum = 0.0
            for start in range(0, n_train, batch_size):
                rows = perm[start : start + batch_size]
                x, y = X_train[rows], y_train[rows]  # (b_S, n_E, n_X), (b_S, 1)
                loss = nn.functional.mse_loss(model(x), y)
                if not math.isfinite(loss.item()):
                    diverged = True
                    break
                optimizer.zero_grad()
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * len(rows)  # the batch's summed squared errors
            if diverged:
                print(f"Stopped: the loss became {loss.item()} at epoch {epoch}. A learning "
                      f"rate of {lr:g} is too large for this model; try a smaller one, e.g. 0.01.")
                break
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,)
            history["train"].append(error_of_loss(loss_sum / n_train))
            history["valid"].append(error(predictions))
            print(f"epoch {epoch}/{epochs}: {metric} train {history['train'][-1]:.4f}, "
                  f"validation {history['valid'][-1]:.4f}")
            if not math.isfinite(history["valid"][-1]):
                print(f"Stopped: the validation error is not a number. A learning rate of {lr:g} "
                      "is too large for this model; try a smaller one.")
                break
        """),
)

def comparison_section(solved_below: float) -> Section:
    """The comparison's code: the three cells trained until each solves, then their state's
    gradient for the validation sequence."""
    return Section(
        "Why the LSTM: a plain RNN, a GRU and an LSTM on the same memory",
        "The same data, settings and seed train `nn.RNN` (tanh), `nn.GRU` and `nn.LSTM` one "
        "after another, each read out by the same `nn.Linear(H, 1)`, each until it solves the "
        "task or its epochs run out. Then, for the validation sequence, ‖dŷ/ds<sub>e</sub>‖: "
        "how much the prediction moves with the state each cell holds after step e (h<sub>e</sub>; "
        "for the LSTM h<sub>e</sub> and c<sub>e</sub>), by autograd through the module run one "
        "step at a time. PyTorch's GRU stacks its gates r, z, n and keeps z of the old state: "
        "h<sub>e</sub> = (1 − z) n + z h<sub>e-1</sub>.",
        fill("""
            class Cell(nn.Module):
                \"\"\"nn.RNN, nn.GRU or nn.LSTM reads the sequence; nn.Linear its last h.\"\"\"

                def __init__(self, kind, n_x, hidden_size):
                    super().__init__()
                    self.recurrent = kind(n_x, hidden_size, batch_first=True)
                    self.head = nn.Linear(hidden_size, 1)

                def forward(self, x):
                    output, _ = self.recurrent(x)
                    return self.head(output[:, -1, :])


            solved_below = $solved_below  # the validation error that counts as solved
            compared = {}
            for name, kind in (("LSTM", nn.LSTM), ("GRU", nn.GRU), ("plain RNN", nn.RNN)):
                torch.manual_seed(seed)  # each cell from the same seed, on the same batches
                net_c = Cell(kind, n_x, hidden_size)
                optimizer = torch.optim.Adam(net_c.parameters(), lr=lr)
                order = torch.Generator().manual_seed(seed)
                curve, solved_at = [], None
                for epoch in range(1, epochs + 1):
                    perm = torch.randperm(len(X_train), generator=order)
                    for start in range(0, len(X_train), batch_size):
                        rows = perm[start : start + batch_size]
                        loss = nn.functional.mse_loss(net_c(X_train[rows]), y_train[rows])
                        optimizer.zero_grad()
                        loss.backward()
                        optimizer.step()
                    with torch.no_grad():
                        curve.append(error(to_task(net_c(X_valid)[:, 0])))
                    if curve[-1] <= solved_below:
                        solved_at = epoch
                        break  # solved: the race is run
                compared[name] = (net_c, curve, solved_at)
                print(f"{name}: validation {metric} {curve[-1]:.3g} after {len(curve)} epochs, "
                      + (f"solved at epoch {solved_at}" if solved_at else "not solved"))

            # (1, n_E, n_X), asking for gradients: the weights are fixed, the graph runs through x
            x_one = X_valid[sample : sample + 1].clone().requires_grad_(True)
            for name, (net_c, _, _) in compared.items():
                for p in net_c.parameters():
                    p.requires_grad_(False)
                state, states = None, []
                for e in range(seq_len):  # one step at a time: every state is in the graph
                    _, state = net_c.recurrent(x_one[:, e : e + 1], state)
                    states.append(state if isinstance(state, tuple) else (state,))
                y_one = net_c.head(states[-1][0][-1])  # the read-out of the last h
                flat = [part for parts in states for part in parts]
                # the LSTM's last c reaches no read-out: its gradient is None, a zero
                grads = torch.autograd.grad(y_one.sum(), flat, allow_unused=True)
                per = len(states[0])
                norms = [sum(float(g.pow(2).sum()) for g in grads[k : k + per] if g is not None)
                         ** 0.5 for k in range(0, len(grads), per)]
                print(f"{name}: |dŷ/ds_e| at e = 1: {norms[0]:.2e}, at e = n_E: {norms[-1]:.2e}")
            """, solved_below=solved_below),
    )


def training_recipe(config: TrainConfig, *, phase: str = "trained", sample: int = 0,
                    step: int = 1, unit: int = 0, link: str = "", note: str = "",
                    compare: bool = False, solved_below: float | None = None,
                    csv: tuple[ParsedCSV, SeriesChoice] | None = None) -> Recipe:
    """The code that rebuilds the training dashboard: its data, yardsticks, training run and
    the view of validation sequence ``sample`` at step e = ``step`` for unit j = ``unit``.

    Names the code leaves behind: ``X_train``, ``y_train``, ``X_valid``, ``y_valid``,
    ``truth``, ``yardsticks``, ``model``, ``initial``, ``history`` ({"train", "valid"}),
    ``predictions``, ``scores`` (name -> (metric, MAE or share within 0.04)), ``net``, ``h``
    (n_E + 1, H), ``y_hat`` and ``dependence`` (n_E,); for the LSTM ``gates`` (n_E, 4, H: i,
    f, g, o), ``c`` (n_E + 1, H) and ``survival`` (H, n_E), for the GRU ``gates`` (n_E, 3, H:
    r, z, n) and ``survival``, for the plain RNN neither. With ``compare``, the comparison's
    code too (it solves at ``solved_below``), leaving ``compared`` (name -> (model,
    validation curve, solved epoch)) and ``norms`` (the last cell's ||dŷ/ds_e||). Task "csv"
    needs ``csv``: the file as the page read it and the choice of its columns, whose series
    is the config's data; its code also leaves ``values`` (n, n_X), the series in the file's
    units, and ``means``, ``stds`` (n_X,), the training part's.
    """
    if compare and solved_below is None:
        raise ValueError("The comparison's code needs the level that counts as solved.")
    if config.task == "csv":
        if csv is None:
            raise ValueError("The code of task 'csv' needs the file as read and the choice "
                             "of its columns.")
        task = csv_task_code(*csv, digest=config.data)
    else:
        task = TASK_CODE[config.task]
    c, cell = config, CELL_CODE[config.cell]
    if phase not in PHASES:
        raise ValueError(f"The phase must be one of {', '.join(PHASES)}; got {phase!r}.")
    if not 1 <= step <= c.seq_len or not 0 <= unit < c.hidden_size or sample < 0:
        raise ValueError(f"Step {step}, unit {unit} or sequence {sample} is outside the model.")
    settings = Section(
        "The settings",
        f"The dashboard's controls: the task, the cell (here the {cell.label}), the sizes H "
        "and n_E, Adam's learning rate, the epochs, the batch size b_S and one seed, then the "
        "view: whose weights, which validation sequence, step e and unit j.",
        task.imports + "\n\n" + splice("""
            torch.set_num_threads(1)  # the dashboard trains on one thread, so the numbers match

            hidden_size = $hidden_size  # H: units in $state
            seq_len = $seq_len  # n_E: steps the $label reads before it predicts
            lr = $lr  # Adam's learning rate
            epochs = $epochs  # passes over the training sequences
            batch_size = $batch_size  # b_S: sequences per gradient step
            seed = $seed  # the initial weights, the batches' order (and the adding problem's data)

            phase = $phase  # whose weights we look at: "initial" or "trained"
            sample = $sample  # the validation sequence
            step = $step  # e, from 1 to n_E
            unit = $unit  # j, from 0 to H - 1
            """, state=cell.state, label=cell.label,
                 **{name: repr(value) for name, value in (
                     ("hidden_size", c.hidden_size), ("seq_len", c.seq_len), ("lr", c.lr),
                     ("epochs", c.epochs), ("batch_size", c.batch_size), ("seed", c.seed),
                     ("phase", phase), ("sample", sample), ("step", step), ("unit", unit))}),
    )
    return Recipe(
        title=(f"What {cell.article} {cell.label} learns: {TASK_LABELS[c.task]}, "
               f"H = {c.hidden_size}, n_E = {c.seq_len}, {c.epochs} epochs"),
        intro=("The fourth dashboard of *Disentangling the LSTM* as code: the same data, the "
               f"same yardsticks, the same many-to-one {cell.label} trained with the same seed, "
               "so the curves, errors and weights come out as the page shows them. Then one "
               "validation sequence through the weights, step by step, and what the memory "
               "keeps."),
        sections=(settings, task.data, task.yardsticks, cell.model, TRAINING,
                  task.results(cell.label), cell.learned, cell.memory,
                  *((comparison_section(solved_below),) if compare else ())),
        filename="4_training.ipynb",
        link=link,
        note=note,
    )
