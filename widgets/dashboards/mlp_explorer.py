"""The tutorial's feed-forward network, live: nn.Linear's (out, in) weights and y = x A^T + b."""

from __future__ import annotations

import html
from typing import ClassVar

import ipywidgets as ipw

from ..codegen.mlp import mlp_recipe
from ..maths.lstm import init_bound
from ..maths.mlp import CLOSE_ATOL, LIMITS, SYMBOLS, Check, dot_product
from ..state.mlp_model import MLPModel
from ..views.colors import SEQUENTIAL, nice_bound
from ..views.controls import bind_controls, int_slider, seed_box
from ..views.heatmap import MatrixHeatmap
from ..views.hover import readout_line
from ..views.style import STYLE, badge
from ..views.text_alternative import Markup, html_table
from .dashboard import Dashboard
from .questions_section import QuestionsSection

__all__ = ["MLPExplorer"]


def _verdict(check: Check, what: str) -> str:
    """A badge that says honestly whether a check holds bit for bit or only to rounding;
    ``what`` is our markup (``<sup>``)."""
    if check.equal:
        return badge("ok", Markup(f"{what}: <code>torch.equal</code> is True"))
    if check.close:  # a finding, not a fault: the same sums, added in another order
        return badge("note", Markup(f"{what}: equal to float32 rounding, not bit-identical at "
                     f"these sizes (max |Δ| = {check.max_abs_diff:.1e}: the same sums added in "
                     f"a different order); <code>torch.allclose(atol={CLOSE_ATOL:g})</code> is "
                     "True"))
    return badge("bad", Markup(f"{what}: does NOT hold (max |Δ| = {check.max_abs_diff:.1e})"))


def matrix_table(caption: str, values, row_name: str, col_name: str) -> str:
    """A (rows, cols) array as a table: one row of the array a row, headed by its index."""
    rows, cols = values.shape
    return html_table(caption, [row_name, *(f"{col_name} = {c}" for c in range(cols))],
                      [(r, *values[r].tolist()) for r in range(rows)])


def _num(v: float) -> str:
    return f"({v:.3f})" if v < 0 else f"{v:.3f}"


def dot_text(out: str, i: int, j: int, inp: str, w: str, b: str, terms, bias, total) -> str:
    """e.g. a[1][2, 3] = X[2,:]·A[1][3,:] + b[1][3] = 0.12×0.34 + ... + 0.05 = 0.71."""
    products = " + ".join(f"{_num(x)}×{_num(a)}" for x, a in terms)
    out, inp, w, b = (html.escape(name) for name in (out, inp, w, b))
    return (f"{out}[{i}, {j}] = {inp}[{i},:]·{w}[{j},:] + {b}[{j}] = "
            f"{html.escape(products)} + {_num(bias)} = <b>{total:.4f}</b>")


class MLPExplorer(Dashboard):
    """The MLP dashboard: the tutorial's 2-layer network, rebuilt live, with its two checks.

    Parameters
    ----------
    model : MLPModel, optional
        The state to show; a default one (n_D=15, n_X=5, n[1]=8, n[2]=1, seed 0) if omitted.
    preset : str, optional
        A URL query string such as ``"n_d=20&n_x=3&n1=4&n2=2&seed=7"`` (``widgets.query_string()``
        reads the page's under Voila). Bad values become the nearest valid state, and the
        banner says which parameter was wrong.

    Controls carry the classes ``ctl-n_d``, ``ctl-n_x``, ``ctl-n1``, ``ctl-n2``, ``ctl-seed``.
    ``readouts`` holds the two read-out lines (``heatmap-readout``), "data" under X, a[1] and
    y, "parameters" under the weights and biases: each of a fixed height, under its row.
    """

    MODEL = MLPModel
    CSS_CLASS = "mlp-explorer"
    PAGE = "1_mlp.ipynb"
    PRESET: ClassVar[dict] = {"limits": LIMITS, "symbols": SYMBOLS}

    def __init__(self, model: MLPModel | None = None, preset: str | None = None, **kwargs):
        super().__init__(model, preset, **kwargs)
        m = self.model
        self.controls = {
            "n_d": int_slider("n_d", "n_D", *LIMITS["n_d"], m.n_d,
                              name="n_D, number of instances in the batch"),
            "n_x": int_slider("n_x", "n_X", *LIMITS["n_x"], m.n_x,
                              name="n_X, input features per instance"),
            "n1": int_slider("n1", "n[1]", *LIMITS["n1"], m.n1,
                             name="n[1], units of the hidden layer"),
            "n2": int_slider("n2", "n[2]", *LIMITS["n2"], m.n2,
                             name="n[2], units of the output layer"),
            "seed": seed_box(m.seed, *LIMITS["seed"]),
        }
        bind_controls(m, self.controls, self.banner, what="the network")

        # one read-out under each row of heatmaps, of fixed height: a long dot product under
        # a narrow heatmap would widen it and push y onto a new row, out from under the mouse
        self.readouts = {"data": readout_line(3), "parameters": readout_line(1)}
        data = dict(width="230px", height="300px", colorbar=True,
                    readout=self.readouts["data"])
        size = {**data, "readout": self.readouts["parameters"]}
        bias = dict(width="120px", height="300px", colorbar=True,
                    readout=self.readouts["parameters"])
        self.heatmaps = {
            "X": MatrixHeatmap(x_label="k (feature)", y_label="i (instance)", palette=SEQUENTIAL,
                               **data),
            "a1": MatrixHeatmap(x_label="j (unit)", y_label="i (instance)", **data,
                                describe=self._describe_a1),
            "y": MatrixHeatmap(x_label="unit", y_label="i (instance)", **data,
                               describe=self._describe_y),
            "A1": MatrixHeatmap(x_label="k (in_features)", y_label="j (out_features)", **size),
            "b1": MatrixHeatmap(x_label="", y_label="j", **bias),
            "A2": MatrixHeatmap(x_label="j (in_features)", y_label="out_features", **size),
            "b2": MatrixHeatmap(x_label="", y_label="", **bias),
        }
        self.shape_table = ipw.HTML()
        self.shape_table.add_class("shape-table")
        self.checks = ipw.HTML()
        self.checks.add_class("mlp-checks")
        self.checks.add_class("live-status")  # a verdict that changes is announced
        # configure() sets the sizes quietly and then rebuilds: the tables follow the rebuild
        self.numbers.follow(self.model, ["trace"])

        h = self.heatmaps

        def arrow(text: str) -> ipw.HTML:
            return ipw.HTML(f"<div class='flow-arrow'>→<br>{text}<br>→</div>",
                            layout=ipw.Layout(align_self="center"))

        c = self.controls
        self.questions = QuestionsSection("1_mlp", m, self.banner)
        intro = ipw.HTML(STYLE + "<p class='hint'>A 2-layer network with linear activations: "
                         "<code>net = nn.Sequential(nn.Linear(n_X, n[1]), nn.Linear(n[1], "
                         "n[2]))</code> fed X of shape (n_D, n_X) = <code>torch.rand(n_D, "
                         "n_X)</code>. Move a slider and the network is rebuilt; every number "
                         "below is read from it.</p>")
        data = [
            ipw.HTML("<h3>The data flowing through</h3><p class='hint'>Hover a cell of "
                     "a[1] or y to see the dot product that made it.</p>"),
            ipw.HBox([h["X"], arrow("layer1"), h["a1"], arrow("layer2"), h["y"]],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.readouts["data"]]
        parameters = [
            ipw.HTML("<h3>The parameters, as PyTorch stores them</h3><p class='hint'>"
                     "<code>nn.Linear</code> keeps its weight as (out_features, in_features) "
                     "and computes y = x A<sup>T</sup> + b. Colours run over each title's "
                     "range: ±1/√in_features for the weights, PyTorch's initial bound.</p>"),
            ipw.HBox([h["A1"], h["b1"], h["A2"], h["b2"]],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="flex-start")),
            self.readouts["parameters"]]
        shapes = [ipw.HTML("<h3>Shapes</h3>"), self.shape_table]
        self.children = [
            self.nav,
            self.presenter,
            intro,
            ipw.HBox([c["n_d"], c["n_x"], c["seed"]], layout=ipw.Layout(flex_flow="row wrap")),
            ipw.HBox([c["n1"], c["n2"]], layout=ipw.Layout(flex_flow="row wrap")),
            self.banner,
            self.link,
            self.panels,
            self.questions,
            self.checks,
            *data,
            *parameters,
            *shapes,
        ]
        # the presenter mode's sections, in the tutorial's order; the sizes stay on screen
        self.present_sections([
            ("The network and its checks", [intro, self.checks]),
            ("The data flowing through", data),
            ("The parameters, as PyTorch stores them", parameters),
            ("Shapes", shapes),
            ("Questions", [self.questions]),
            ("The code, the numbers and the link", [self.panels, self.link]),
        ])
        m.observe(self._on_trace, names="trace")
        self._on_trace()

    def recipe(self):
        return mlp_recipe(self.model.config, link=self.query)

    def numbers_html(self) -> str:
        """The forward pass the heatmaps draw, and the layers' parameters, as tables."""
        m, t = self.model, self.model.trace

        def bias(caption: str, values, row_name: str, value_name: str) -> str:
            return html_table(caption, [row_name, value_name], list(enumerate(values.tolist())))

        return "".join([
            matrix_table(f"X = torch.rand(n_D, n_X), the input: shape (n_D, n_X) = "
                         f"({m.n_d}, {m.n_x}), one row an instance", t.X, "i (instance)", "k"),
            matrix_table(f"a[1] = layer1(X), the hidden activations: shape (n_D, n[1]) = "
                         f"({m.n_d}, {m.n1})", t.a1, "i (instance)", "j"),
            matrix_table(f"y = net(X), the output: shape (n_D, n[2]) = ({m.n_d}, {m.n2})",
                         t.y, "i (instance)", "unit"),
            matrix_table(f"A[1] = layer1.weight: shape (out_features, in_features) = "
                         f"(n[1], n_X) = ({m.n1}, {m.n_x})", t.A1, "j (out_features)", "k"),
            bias(f"b[1] = layer1.bias: shape (out_features,) = (n[1],) = ({m.n1},)", t.b1,
                 "j (out_features)", "b[1][j]"),
            matrix_table(f"A[2] = layer2.weight: shape (out_features, in_features) = "
                         f"(n[2], n[1]) = ({m.n2}, {m.n1})", t.A2, "unit (out_features)", "j"),
            bias(f"b[2] = layer2.bias: shape (out_features,) = (n[2],) = ({m.n2},)", t.b2,
                 "unit (out_features)", "b[2][unit]"),
        ])

    def _describe_a1(self, i: int, j: int) -> str:
        t = self.model.trace
        terms, total = dot_product(t.X[i], t.A1[j], float(t.b1[j]))
        return dot_text("a[1]", i, j, "X", "A[1]", "b[1]", terms, float(t.b1[j]), total)

    def _describe_y(self, i: int, j: int) -> str:
        t = self.model.trace
        terms, total = dot_product(t.a1[i], t.A2[j], float(t.b2[j]))
        return dot_text("y", i, j, "a[1]", "A[2]", "b[2]", terms, float(t.b2[j]), total)

    def _on_trace(self, _change=None) -> None:
        m, t = self.model, self.model.trace
        for name, control in self.controls.items():
            control.value = getattr(m, name)
        k1, k2 = init_bound(m.n_x), init_bound(m.n1)
        ka, ky = nice_bound(t.a1), nice_bound(t.y)
        shows = {
            "X": (t.X, f"<b>X</b> (n_D × n_X) = ({m.n_d} × {m.n_x})", None),
            "a1": (t.a1, f"<b>a[1]</b> = layer1(X) (n_D × n[1]) = ({m.n_d} × {m.n1})", ka),
            "y": (t.y, f"<b>y</b> = net(X) (n_D × n[2]) = ({m.n_d} × {m.n2})", ky),
            "A1": (t.A1, f"<b>A[1]</b> layer1.weight (n[1] × n_X) = ({m.n1} × {m.n_x})", k1),
            "b1": (t.b1[:, None], f"<b>b[1]</b> ({m.n1})", k1),
            "A2": (t.A2, f"<b>A[2]</b> layer2.weight (n[2] × n[1]) = ({m.n2} × {m.n1})", k2),
            "b2": (t.b2[:, None], f"<b>b[2]</b> ({m.n2})", k2),
        }
        for name, (values, title, bound) in shows.items():
            # X is torch.rand's [0, 1); everything else is signed, on a symmetric range
            vmin, vmax = (0.0, 1.0) if bound is None else (-bound, bound)
            # our markup around sizes, nothing else
            self.heatmaps[name].show(values, title=Markup(title), vmin=vmin, vmax=vmax)
        self.checks.value = "".join([
            _verdict(t.layer1_by_hand, "layer1(X) equals X A[1]<sup>T</sup> + b[1]"),
            _verdict(t.layer2_by_hand, "layer2(a[1]) equals a[1] A[2]<sup>T</sup> + b[2]"),
            _verdict(t.batch_vs_loop, "net(X) on the batch equals a loop over the instances"),
        ])
        self.shape_table.value = self._shape_table()

    def _shape_table(self) -> str:
        m = self.model
        layers = [("layer1", m.n_x, m.n1), ("layer2", m.n1, m.n2)]
        rows = [(name, Markup(f"<code>nn.Linear({h_in}, {h_out})</code>"),
                 f"(*, H_in) = ({m.n_d}, {h_in})", f"(*, H_out) = ({m.n_d}, {h_out})",
                 f"(out_features, in_features) = ({h_out}, {h_in})", f"bias ({h_out})",
                 Markup(f"W<sup>[{k}]</sup>: (n<sup>[{k}]</sup>, n<sup>[{k - 1}]</sup>) = "
                        f"({h_out}, {h_in}), z = W a + b on columns"))
                for k, (name, h_in, h_out) in enumerate(layers, start=1)]
        columns = ["layer", "module", "input", "output", "weight, as PyTorch stores it", "bias",
                   "the textbook's weight"]
        return (html_table("The shapes of each layer: its module, what it takes and gives, and "
                           "its weight and bias", columns, rows, css="text-table")
                + f"<p class='hint'>Here * = n_D = {m.n_d}: however many "
                "instances go in, as many come out. PyTorch puts instances in rows "
                "(y = x A<sup>T</sup> + b); the textbook W<sup>[l]</sup> has the same shape "
                "and puts instances in columns (z = W a + b). n<sup>[l]</sup> is the number "
                "of units in layer l, and the input counts as layer 0: "
                f"n<sup>[0]</sup> = n_X = {m.n_x}, n<sup>[1]</sup> = {m.n1}, "
                f"n<sup>[2]</sup> = {m.n2}.</p>")
