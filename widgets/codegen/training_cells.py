"""The training dashboard's code for each cell: the model, one sequence by hand and the memory,
for the LSTM, the GRU or the plain RNN (``TrainConfig.cell``).

The module is the attribute its cell names (``model.lstm``, ``model.gru``, ``model.rnn``), as
``maths.training.ManyToOne`` names it, so the page's weights load into the code's model. The
recurrences by hand are ``maths.lstm.recurrence`` and ``maths.cells.cell_recurrence``,
operation for operation, so they agree with the page's to the bit.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..maths.cells import CELL_LABELS
from .recipe import Section, fill, splice

__all__ = ["CELL_CODE", "CellCode"]


@dataclass(frozen=True)
class CellCode:
    """The parts of the notebook that differ from cell to cell."""

    label: str  # the cell's name in prose: "LSTM", "GRU", "plain RNN"
    article: str  # "an" LSTM, "a" GRU
    state: str  # what H counts, for the settings' comment
    model: Section  # class ManyToOne, model and initial
    learned: Section  # net, x, the recurrence by hand (h, and gates where there are some), y_hat
    memory: Section  # dependence, and survival where a gate holds the state


def _model(cell: str, module: str, shapes: str, about: str) -> Section:
    """The many-to-one model around ``nn.<module>``, its attribute named by ``cell``."""
    return Section(
        "The model: many-to-one",
        f"The tutorial's many-to-one architecture: `nn.{module}(n_X, H, batch_first=True)` "
        "reads the whole sequence, and `nn.Linear(H, 1)` reads its hidden state at the last "
        f"step, h<sub>n_E</sub>, to give one number.{about} Seeding torch first gives the "
        "dashboard's initial weights; we keep a copy of them to look at later.",
        splice("""
            class ManyToOne(nn.Module):
                \"\"\"nn.$module reads the sequence; nn.Linear reads its last hidden state.\"\"\"

                def __init__(self, n_x, hidden_size):
                    super().__init__()
                    self.$cell = nn.$module(n_x, hidden_size, batch_first=True)
                    self.head = nn.Linear(hidden_size, 1)

                def forward(self, x):  # x: (B, n_E, n_X)
                    output, _ = self.$cell(x)  # (B, n_E, H): h_e of every step
                    return self.head(output[:, -1, :])  # (B, H) -> (B, 1)


            torch.manual_seed(seed)
            model = ManyToOne(n_x, hidden_size)
            initial = copy.deepcopy(model.state_dict())  # the weights before training
            for name, p in model.named_parameters():
                print(name, tuple(p.shape))  # $shapes
            print("parameters:", sum(p.numel() for p in model.parameters()))
            """, cell=cell, module=module, shapes=shapes),
    )


# whose weights: the copy taken before training, or the model as training left it
PICK = fill("""
    if phase == "initial":
        net = ManyToOne(n_x, hidden_size)
        net.load_state_dict(initial)  # the weights as built
    else:
        net = model  # the weights as training left them
    """)

PREDICT = fill("""
    with torch.no_grad():
        y_hat = to_task(net(x)[0, 0]).item()  # ŷ, in the task's units
    print(f"prediction ŷ = {y_hat:.3g}, truth {truth[sample].item():.3g}")
    """)

PHASE_WORDS = ("with the weights before training (`phase = \"initial\"`) or after "
               "(`\"trained\"`).")

LSTM_STEPS = fill("""
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
    """)

GRU_STEPS = fill("""
    x = X_valid[sample : sample + 1]  # (1, n_E, n_X): one sequence, a batch of one
    W_ih, W_hh = net.gru.weight_ih_l0, net.gru.weight_hh_l0  # (3H, n_X), (3H, H)
    b_ih, b_hh = net.gru.bias_ih_l0, net.gru.bias_hh_l0  # (3H,)
    H = hidden_size
    with torch.no_grad():
        x_proj = x @ W_ih.T + b_ih  # (1, n_E, 3H): the input's part of every step at once
        h = torch.zeros(1, H)  # h_0
        gates, hs = [], [h]
        for e in range(seq_len):
            xr, xz, xn = x_proj[:, e].chunk(3, dim=-1)  # 3 x (1, H): rows r, z, n
            hr, hz, hn = (h @ W_hh.T + b_hh).chunk(3, dim=-1)  # the state's part, 3 x (1, H)
            r = torch.sigmoid(xr + hr)  # the reset gate
            z = torch.sigmoid(xz + hz)  # the update gate: the share of h_(e-1) kept
            n = torch.tanh(xn + r * hn)  # the candidate: r scales the state's part, b_hn too
            h = (1 - z) * n + z * h
            gates.append(torch.stack([r, z, n], dim=1))  # (1, 3, H)
            hs.append(h)
        gates = torch.cat(gates)  # (n_E, 3, H): r, z, n of every step
        h = torch.cat(hs)  # (n_E + 1, H): from h_0
        output, _ = net.gru(x)  # (1, n_E, H)
    print(f"max |our h_e - nn.GRU's output|: {(h[1:] - output[0]).abs().max().item():.1e}")

    e, j = step, unit
    r_e, z_e, n_e = gates[e - 1, :, j].tolist()
    with torch.no_grad():
        x_part = x_proj[0, e - 1].view(3, H)[:, j].tolist()  # W_i x_e + b_i of r, z, n
        h_part = (h[e - 1] @ W_hh.T + b_hh).view(3, H)[:, j].tolist()  # W_h h_(e-1) + b_h
    print(f"step e = {e}, unit j = {j} ({phase} weights):")
    print(f"  r = σ({x_part[0]:.4f} + {h_part[0]:.4f}) = {r_e:.4f}")
    print(f"  z = σ({x_part[1]:.4f} + {h_part[1]:.4f}) = {z_e:.4f}")
    print(f"  n = tanh({x_part[2]:.4f} + {r_e:.4f} × {h_part[2]:.4f}) = {n_e:.4f}")
    print(f"  h_e = (1 - z) n + z h_(e-1) = (1 - {z_e:.4f}) × {n_e:.4f} + {z_e:.4f} × "
          f"{h[e - 1, j]:.4f} = {h[e, j]:.4f}")
    """)

RNN_STEPS = fill("""
    x = X_valid[sample : sample + 1]  # (1, n_E, n_X): one sequence, a batch of one
    W_ih, W_hh = net.rnn.weight_ih_l0, net.rnn.weight_hh_l0  # (H, n_X), (H, H)
    b_ih, b_hh = net.rnn.bias_ih_l0, net.rnn.bias_hh_l0  # (H,)
    H = hidden_size
    with torch.no_grad():
        x_proj = x @ W_ih.T + b_ih  # (1, n_E, H): the input's part of every step at once
        h = torch.zeros(1, H)  # h_0
        hs = [h]
        for e in range(seq_len):
            h = torch.tanh(x_proj[:, e] + (h @ W_hh.T + b_hh))  # (1, H): input's + state's part
            hs.append(h)
        h = torch.cat(hs)  # (n_E + 1, H): from h_0
        output, _ = net.rnn(x)  # (1, n_E, H)
    print(f"max |our h_e - nn.RNN's output|: {(h[1:] - output[0]).abs().max().item():.1e}")

    e, j = step, unit
    with torch.no_grad():
        x_part = x_proj[0, e - 1, j].item()  # W_ih x_e + b_ih
        h_part = (h[e - 1] @ W_hh.T + b_hh)[j].item()  # W_hh h_(e-1) + b_hh
    print(f"step e = {e}, unit j = {j} ({phase} weights):")
    print(f"  h_e = tanh(W_ih x_e + b_ih + W_hh h_(e-1) + b_hh) = tanh({x_part:.4f} + "
          f"{h_part:.4f}) = {h[e, j]:.4f}")
    """)


def _learned(label: str, text: str, steps: str) -> Section:
    return Section("What it learned: one sequence, step by step",
                   f"One validation sequence through the {label} by hand, {PHASE_WORDS} "
                   + text, PICK + "\n\n" + steps + "\n\n" + PREDICT)


# autograd's |dŷ/dx_e[0]|, the same for every cell
DEPENDENCE = fill("""
    x_e = x.clone().requires_grad_(True)  # (1, n_E, n_X): we ask for dŷ/dx
    (grad,) = torch.autograd.grad(net(x_e).sum(), x_e)  # (1, n_E, n_X)
    dependence = grad[0, :, 0].abs()  # (n_E,): |dŷ/dx_e[0]|, the first value of each step
    """)
DEPENDENCE_WORDS = ("autograd gives |dŷ/dx<sub>e</sub>[0]| (in model units), how much the "
                    "prediction still depends on the first value of step e (the temperature, "
                    "a series' target, or the adding problem's number; its marker is left "
                    "out).")
TOP_STEPS = fill("""
    print("the steps ŷ depends on most:",
          [e + 1 for e in dependence.argsort(descending=True)[:3].tolist()])
    """)


def _survival(gate: str, symbol: str, state: str) -> str:
    """The product of the gate ``gate`` (row 1 of ``gates``, ``symbol`` in the equations) over
    the later steps, and what the chosen unit and step keep of the state ``state``."""
    return splice("""
        $gate = gates[:, 1].double()  # (n_E, H): ${symbol}_e of every step and unit
        survival = torch.ones(hidden_size, seq_len, dtype=torch.float64)  # (H, n_E)
        for e in range(seq_len - 1, 0, -1):  # from the end back: times ${symbol}_(e+1)
            survival[:, e - 1] = survival[:, e] * $gate[e]
        """, gate=gate, symbol=symbol) + "\n\n" + DEPENDENCE + "\n\n" + splice("""
        print(f"unit {unit} keeps {survival[unit, step - 1].item():.3f} of ${state}_{step} "
              f"to the end through its $gate gates; |dŷ/dx_{step}| = "
              f"{dependence[step - 1].item():.4f}")
        kept = survival[:, 0]  # the share of step 1's state that reaches the end
        print(f"of step 1, unit {kept.argmax().item()} keeps the most: {kept.max().item():.3f}")
        """, state=state, gate=gate) + "\n" + TOP_STEPS


MEMORY_TITLE = "Memory: what survives, and what ŷ depends on"

CELL_CODE = {
    "lstm": CellCode(
        CELL_LABELS["lstm"], "an", "the hidden and cell states",
        _model("lstm", "LSTM", "weight_ih_l0 is (4H, n_X): rows i, f, g, o", ""),
        _learned(
            "LSTM",
            "PyTorch stacks the four gates' rows in `weight_ih_l0` and `weight_hh_l0` in the "
            "order i, f, g, o. At each step: z = x<sub>e</sub> W<sub>ih</sub><sup>T</sup> + "
            "b<sub>ih</sub> + h<sub>e-1</sub> W<sub>hh</sub><sup>T</sup> + b<sub>hh</sub>, the "
            "gates i, f, o = σ(z) and g = tanh(z), then c<sub>e</sub> = f c<sub>e-1</sub> + i g "
            "and h<sub>e</sub> = o tanh(c<sub>e</sub>). Our h<sub>e</sub> matches `nn.LSTM`'s "
            "own output.", LSTM_STEPS),
        Section(
            MEMORY_TITLE,
            "Two views of the memory. Since c<sub>e</sub> = f<sub>e</sub> c<sub>e-1</sub> + "
            "i<sub>e</sub> g<sub>e</sub>, what c<sub>e</sub> holds reaches the last step "
            "multiplied by the forget gates f<sub>e+1</sub> ⋯ f<sub>n_E</sub>: its *survival*, "
            "per unit and step (1 at the last step). And " + DEPENDENCE_WORDS,
            _survival("forget", "f", "c")),
    ),
    "gru": CellCode(
        CELL_LABELS["gru"], "a", "the hidden state",
        _model("gru", "GRU", "weight_ih_l0 is (3H, n_X): rows r, z, n",
               " Its state is h alone, moved by two gates, r and z, and a candidate n."),
        _learned(
            "GRU",
            "PyTorch stacks the three gates' rows in `weight_ih_l0` (3H, n_X) and "
            "`weight_hh_l0` (3H, H) in the order r, z, n. At each step the reset gate "
            "r = σ(W<sub>ir</sub> x<sub>e</sub> + b<sub>ir</sub> + W<sub>hr</sub> "
            "h<sub>e-1</sub> + b<sub>hr</sub>), the update gate z likewise from W<sub>iz</sub> "
            "and W<sub>hz</sub>, the candidate n = tanh(W<sub>in</sub> x<sub>e</sub> + "
            "b<sub>in</sub> + r ⊙ (W<sub>hn</sub> h<sub>e-1</sub> + b<sub>hn</sub>)) (r "
            "scales the state's part only, its bias included), then h<sub>e</sub> = (1 − z) ⊙ "
            "n + z ⊙ h<sub>e-1</sub>: z is the share of the old state kept. Our h<sub>e</sub> "
            "matches `nn.GRU`'s own output.", GRU_STEPS),
        Section(
            MEMORY_TITLE,
            "Two views of the memory. Since h<sub>e</sub> = (1 − z<sub>e</sub>) ⊙ "
            "n<sub>e</sub> + z<sub>e</sub> ⊙ h<sub>e-1</sub>, what h<sub>e</sub> holds reaches "
            "the last step multiplied by the update gates z<sub>e+1</sub> ⋯ z<sub>n_E</sub> "
            "(through the gates alone; it also flows on through the candidates): its "
            "*survival*, per unit and step (1 at the last step). And " + DEPENDENCE_WORDS,
            _survival("update", "z", "h")),
    ),
    "rnn": CellCode(
        CELL_LABELS["rnn"], "a", "the hidden state",
        _model("rnn", "RNN", "weight_ih_l0 is (H, n_X): one block, no gates",
               " `nn.RNN`'s nonlinearity is tanh unless told otherwise."),
        _learned(
            "plain RNN",
            "`weight_ih_l0` is (H, n_X) and `weight_hh_l0` (H, H): one block each, no gates. "
            "At each step h<sub>e</sub> = tanh(W<sub>ih</sub> x<sub>e</sub> + b<sub>ih</sub> + "
            "W<sub>hh</sub> h<sub>e-1</sub> + b<sub>hh</sub>): the whole state is written "
            "anew from the input and the state before. Our h<sub>e</sub> matches `nn.RNN`'s "
            "own output.", RNN_STEPS),
        Section(
            "Memory: what ŷ depends on",
            "The plain RNN has no gate that holds its state: every step rewrites all of "
            "h<sub>e</sub> through W<sub>hh</sub> and a tanh, so there is no survival to read "
            "off a gate. What x<sub>e</sub> left reaches the last step only through "
            "W<sub>hh</sub> and tanh's slope, once per later step, and fades (or blows up) on "
            "the way. So the one view is the dependence: " + DEPENDENCE_WORDS,
            DEPENDENCE + "\n\n" + fill("""
                print(f"|dŷ/dx_{step}| = {dependence[step - 1].item():.2e}; |dŷ/dx_1| is "
                      f"{(dependence[0] / dependence[-1]).item():.1e} times |dŷ/dx_{seq_len}|")
                """) + "\n" + TOP_STEPS),
    ),
}
