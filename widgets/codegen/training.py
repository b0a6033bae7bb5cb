"""The training dashboard's code: the task's data, the yardsticks, the many-to-one LSTM, the
training loop, and what one validation sequence shows of the weights it learned.

The parts that differ from task to task (data, yardsticks, results) are ``training_tasks.py``.
"""

from __future__ import annotations

from ..maths.tasks import TASK_LABELS
from ..maths.training import PHASES, TrainConfig
from .recipe import Recipe, Section, fill
from .training_tasks import TASK_CODE

__all__ = ["training_recipe"]

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
    "step (1 at the last step). And autograd gives |dŷ/dx<sub>e</sub>[0]| (in model "
    "units), how much the prediction still depends on the first value of step e (the "
    "temperature, or the adding problem's number; its marker is left out).",
    fill("""
        forget = gates[:, 1].double()  # (n_E, H): f_e of every step and unit
        survival = torch.ones(hidden_size, seq_len, dtype=torch.float64)  # (H, n_E)
        for e in range(seq_len - 1, 0, -1):  # from the end back: times f_(e+1)
            survival[:, e - 1] = survival[:, e] * forget[e]

        x_e = x.clone().requires_grad_(True)  # (1, n_E, n_X): we ask for dŷ/dx
        (grad,) = torch.autograd.grad(net(x_e).sum(), x_e)  # (1, n_E, n_X)
        dependence = grad[0, :, 0].abs()  # (n_E,): |dŷ/dx_e[0]|, the first value of each step

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
    c, task = config, TASK_CODE[config.task]
    if phase not in PHASES:
        raise ValueError(f"The phase must be one of {', '.join(PHASES)}; got {phase!r}.")
    if not 1 <= step <= c.seq_len or not 0 <= unit < c.hidden_size or sample < 0:
        raise ValueError(f"Step {step}, unit {unit} or sequence {sample} is outside the model.")
    settings = Section(
        "The settings",
        "The dashboard's controls: the task, the sizes H and n_E, Adam's learning rate, the "
        "epochs, the batch size b_S and one seed, then the view: whose weights, which "
        "validation sequence, step e and unit j.",
        task.imports + "\n\n" + fill("""
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
    return Recipe(
        title=(f"What an LSTM learns: {TASK_LABELS[c.task]}, H = {c.hidden_size}, "
               f"n_E = {c.seq_len}, {c.epochs} epochs"),
        intro=("The fourth dashboard of *Disentangling the LSTM* as code: the same data, the "
               "same yardsticks, the same many-to-one LSTM trained with the same seed, so the "
               "curves, errors and weights come out as the page shows them. Then one "
               "validation sequence through the weights, step by step, and what the memory "
               "keeps."),
        sections=(settings, task.data, task.yardsticks, MODEL, TRAINING, task.results,
                  LEARNED, MEMORY),
        filename="4_training.ipynb",
        link=link,
        note=note,
    )
