"""The training dashboard's code: the task's data, the yardsticks, the many-to-one LSTM, the
training loop, and what one validation sequence shows of the weights it learned."""

from __future__ import annotations

from ..maths.tasks import ADDING_TOLERANCE, ADDING_TRAIN, ADDING_VALID, TASK_LABELS, VALID_FROM
from ..maths.training import PHASES, TrainConfig
from .recipe import Recipe, Section, fill
from .snippets import FIND_TEMPERATURES

__all__ = ["training_recipe"]

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
        "1.0. An LSTM beats it only by remembering. The curves show the mean squared error; "
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

MODEL = Section(
    "The model: many-to-one",
    "The tutorial's many-to-one architecture: `nn.LSTM(n_X, H, batch_first=True)` reads the "
    "whole sequence, and `nn.Linear(H, 1)` reads its hidden state at the last step, "
    "h<sub>n_E</sub>, to give one number. Seeding torch first gives the dashboard's initial "
    "weights; we keep a copy of them to look at later.",
    fill("""
        class ManyToOne(nn.Module):
            \"\"\"nn.LSTM reads the sequence; nn.Linear reads its last hidden state.\"\"\"

            def __init__(self, n_x, hidden_size):
                super().__init__()
                self.lstm = nn.LSTM(n_x, hidden_size, batch_first=True)
                self.head = nn.Linear(hidden_size, 1)

            def forward(self, x):  # x: (B, n_E, n_X)
                output, _ = self.lstm(x)  # (B, n_E, H): h_e of every step
                return self.head(output[:, -1, :])  # (B, H) -> (B, 1)


        torch.manual_seed(seed)
        model = ManyToOne(n_x, hidden_size)
        initial = copy.deepcopy(model.state_dict())  # the weights before training
        for name, p in model.named_parameters():
            print(name, tuple(p.shape))  # weight_ih_l0 is (4H, n_X): rows i, f, g, o
        print("parameters:", sum(p.numel() for p in model.parameters()))
        """),
)

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

RESULTS = {
    "temperatures": Section(
        "The results",
        "The trained LSTM against the yardsticks, on the same validation windows: it has "
        "learned something only if it beats persistence.",
        fill("""
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,) °C
            scores = {name: (error(p), mae(p))
                      for name, p in {"this LSTM": predictions, **yardsticks}.items()}
            print(f"on the {len(truth)} validation windows:")
            for name, (rmse, mae_) in scores.items():
                print(f"  {name:32} RMSE {rmse:.3g} °C   MAE {mae_:.3g} °C")
            """),
    ),
    "adding": Section(
        "The results",
        "The trained LSTM against the memoryless yardstick, on the same validation "
        "sequences: beating it means the LSTM carries the first marked number to the end.",
        fill("""
            with torch.no_grad():
                predictions = to_task(model(X_valid)[:, 0])  # (n_valid,)
            scores = {name: (error(p), within(p))
                      for name, p in {"this LSTM": predictions, **yardsticks}.items()}
            print(f"on the {len(truth)} validation sequences:")
            for name, (mse, share) in scores.items():
                print(f"  {name:38} MSE {mse:.3g}   within $tolerance: {100 * share:.0f}%")
            """, tolerance=ADDING_TOLERANCE),
    ),
}

LEARNED = Section(
    "What it learned: one sequence, step by step",
    "One validation sequence through the LSTM by hand, with the weights before training "
    "(`phase = \"initial\"`) or after (`\"trained\"`). PyTorch stacks the four gates' rows "
    "in `weight_ih_l0` and `weight_hh_l0` in the order i, f, g, o. At each step: "
    "z = x<sub>e</sub> W<sub>ih</sub><sup>T</sup> + b<sub>ih</sub> + h<sub>e-1</sub> "
    "W<sub>hh</sub><sup>T</sup> + b<sub>hh</sub>, the gates i, f, o = σ(z) and g = tanh(z), "
    "then c<sub>e</sub> = f c<sub>e-1</sub> + i g and h<sub>e</sub> = o tanh(c<sub>e</sub>). "
    "Our h<sub>e</sub> matches `nn.LSTM`'s own output.",
    fill("""
        if phase == "initial":
            net = ManyToOne(n_x, hidden_size)
            net.load_state_dict(initial)  # the weights as built
        else:
            net = model  # the weights as training left them

        x = X_valid[sample : sample + 1]  # (1, n_E, n_X): one sequence, a batch of one
        W_ih, W_hh = net.lstm.weight_ih_l0, net.lstm.weight_hh_l0  # (4H, n_X), (4H, H)
        b_ih, b_hh = net.lstm.bias_ih_l0, net.lstm.bias_hh_l0  # (4H,)
        H = hidden_size
        with torch.no_grad():
            x_proj = x @ W_ih.T  # (1, n_E, 4H): the input's part of every step at once
            h, c = torch.zeros(1, H), torch.zeros(1, H)  # h_0, c_0
            gates, hs, cs = [], [h], [c]
            for e in range(seq_len):
                z = (x_proj[:, e] + b_ih + h @ W_hh.T + b_hh).view(1, 4, H)  # rows i, f, g, o
                act = torch.sigmoid(z)  # (1, 4, H)
                act[:, 2] = torch.tanh(z[:, 2])  # g is a tanh, the gates are sigmoids
                i, f, g, o = act.unbind(1)  # 4 x (1, H)
                c = f * c + i * g
                h = o * torch.tanh(c)
                gates.append(act)
                hs.append(h)
                cs.append(c)
            gates = torch.stack(gates, dim=1)[0]  # (n_E, 4, H): i, f, g, o of every step
            h, c = torch.stack(hs, dim=1)[0], torch.stack(cs, dim=1)[0]  # (n_E + 1, H): from h_0
            output, _ = net.lstm(x)  # (1, n_E, H)
        print(f"max |our h_e - nn.LSTM's output|: {(h[1:] - output[0]).abs().max().item():.1e}")

        e, j = step, unit
        i_e, f_e, g_e, o_e = gates[e - 1, :, j].tolist()
        print(f"step e = {e}, unit j = {j} ({phase} weights):")
        print(f"  i = {i_e:.4f}, f = {f_e:.4f}, g = {g_e:.4f}, o = {o_e:.4f}")
        print(f"  c_e = f c_(e-1) + i g = {f_e:.4f} × {c[e - 1, j]:.4f} + {i_e:.4f} × {g_e:.4f}"
              f" = {c[e, j]:.4f}")
        print(f"  h_e = o tanh(c_e) = {o_e:.4f} × tanh({c[e, j]:.4f}) = {h[e, j]:.4f}")

        with torch.no_grad():
            y_hat = to_task(net(x)[0, 0]).item()  # ŷ, in the task's units
        print(f"prediction ŷ = {y_hat:.3g}, truth {truth[sample].item():.3g}")
        """),
)

MEMORY = Section(
    "Memory: what survives, and what ŷ depends on",
    "Two views of the memory. Since c<sub>e</sub> = f<sub>e</sub> c<sub>e-1</sub> + "
    "i<sub>e</sub> g<sub>e</sub>, what c<sub>e</sub> holds reaches the last step multiplied "
    "by the forget gates f<sub>e+1</sub> ⋯ f<sub>n_E</sub>: its *survival*, per unit and "
    "step (1 at the last step). And autograd gives |dŷ/dx<sub>e</sub>| (in model units), "
    "how much the prediction still depends on the input of step e.",
    fill("""
        forget = gates[:, 1].double()  # (n_E, H): f_e of every step and unit
        survival = torch.ones(hidden_size, seq_len, dtype=torch.float64)  # (H, n_E)
        for e in range(seq_len - 1, 0, -1):  # from the end back: times f_(e+1)
            survival[:, e - 1] = survival[:, e] * forget[e]

        x_e = x.clone().requires_grad_(True)  # (1, n_E, n_X): we ask for dŷ/dx
        (grad,) = torch.autograd.grad(net(x_e).sum(), x_e)  # (1, n_E, n_X)
        dependence = grad[0].norm(dim=-1)  # (n_E,): |dŷ/dx_e|, one per step

        print(f"unit {unit} keeps {survival[unit, step - 1].item():.3f} of c_{step} to the end; "
              f"|dŷ/dx_{step}| = {dependence[step - 1].item():.4f}")
        kept = survival[:, 0]  # the share of step 1's cell state that reaches the end
        print(f"of step 1, unit {kept.argmax().item()} keeps the most: {kept.max().item():.3f}")
        print("the steps ŷ depends on most:",
              [e + 1 for e in dependence.argsort(descending=True)[:3].tolist()])
        """),
)


def training_recipe(config: TrainConfig, *, phase: str = "trained", sample: int = 0,
                    step: int = 1, unit: int = 0, link: str = "", note: str = "") -> Recipe:
    """The code that rebuilds the training dashboard: its data, yardsticks, training run and
    the view of validation sequence ``sample`` at step e = ``step`` for unit j = ``unit``.

    Names the code leaves behind: ``X_train``, ``y_train``, ``X_valid``, ``y_valid``,
    ``truth``, ``yardsticks``, ``model``, ``initial``, ``history`` ({"train", "valid"}),
    ``predictions``, ``scores`` (name -> (metric, MAE or share within 0.04)), ``net``,
    ``gates`` (n_E, 4, H), ``h`` and ``c`` (n_E + 1, H), ``y_hat``, ``survival`` (H, n_E)
    and ``dependence`` (n_E,).
    """
    c = config
    if phase not in PHASES:
        raise ValueError(f"The phase must be one of {', '.join(PHASES)}; got {phase!r}.")
    if not 1 <= step <= c.seq_len or not 0 <= unit < c.hidden_size or sample < 0:
        raise ValueError(f"Step {step}, unit {unit} or sequence {sample} is outside the model.")
    settings = Section(
        "The settings",
        "The dashboard's controls: the task, the sizes H and n_E, Adam's learning rate, the "
        "epochs, the batch size b_S and one seed, then the view: whose weights, which "
        "validation sequence, step e and unit j.",
        IMPORTS[c.task] + "\n\n" + fill("""
            torch.set_num_threads(1)  # the dashboard trains on one thread, so the numbers match

            hidden_size = $hidden_size  # H: units in the hidden and cell states
            seq_len = $seq_len  # n_E: steps the LSTM reads before it predicts
            lr = $lr  # Adam's learning rate
            epochs = $epochs  # passes over the training sequences
            batch_size = $batch_size  # b_S: sequences per gradient step
            seed = $seed  # the initial weights, the batches' order (and the adding problem's data)

            phase = $phase  # whose weights we look at: "initial" or "trained"
            sample = $sample  # the validation sequence
            step = $step  # e, from 1 to n_E
            unit = $unit  # j, from 0 to H - 1
            """, hidden_size=c.hidden_size, seq_len=c.seq_len, lr=c.lr, epochs=c.epochs,
                 batch_size=c.batch_size, seed=c.seed, phase=phase, sample=sample, step=step,
                 unit=unit),
    )
    data = TEMPERATURES if c.task == "temperatures" else ADDING
    return Recipe(
        title=(f"What an LSTM learns: {TASK_LABELS[c.task]}, H = {c.hidden_size}, "
               f"n_E = {c.seq_len}, {c.epochs} epochs"),
        intro=("The fourth dashboard of *Disentangling the LSTM* as code: the same data, the "
               "same yardsticks, the same many-to-one LSTM trained with the same seed, so the "
               "curves, errors and weights come out as the page shows them. Then one "
               "validation sequence through the weights, step by step, and what the memory "
               "keeps."),
        sections=(settings, data, YARDSTICKS[c.task], MODEL, TRAINING, RESULTS[c.task],
                  LEARNED, MEMORY),
        filename="training.ipynb",
        link=link,
        note=note,
    )
