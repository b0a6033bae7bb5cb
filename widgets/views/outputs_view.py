"""What nn.LSTM returns, side by side: ``output`` and ``(h_n, c_n)`` for one sequence, where
each number of one is in the other, and the ``torch.equal`` checks that say so.

Three grids of the real values on fixed colour ranges: ``output[s]`` (n_E, D·H_out),
``h_n[:, s]`` (D·L, H_out) and ``c_n[:, s]`` (D·L, H). The cells that are the same numbers in
output and h_n are boxed in both for good; pointing at any cell (the mouse, or the three
controls, for the keyboard) outlines it and its twin and says in a line what it is. The words
live in ``outputs_text``.
"""

from __future__ import annotations

import bqplot as bq
import ipywidgets as ipw
import numpy as np

from ..maths.lstm_stack import StackTrace
from .colorbar import ColorBar
from .controls import GuardedToggleButtons, int_slider, set_bounded
from .heatmap import MatrixHeatmap
from .hover import HINT
from .outputs_text import (
    TENSORS,
    check_list,
    describe_cell,
    grid_title,
    grid_values,
    pitfall,
    row_name,
    twin_boxes,
    twin_of,
    twins_summary,
)
from .text_alternative import FigureText

__all__ = ["BOUNDS", "TWIN_COLOR", "OutputsView"]

BOUNDS = {"output": 1.0, "h_n": 1.0, "c_n": 2.0}  # fixed colour ranges ±bound: h, h and c
TWIN_COLOR = "#7b3294"  # the permanent boxes around cells with a twin (the cursor is black)
_ROW_PX = 26  # height of a row of h_n and c_n on screen


class OutputsView(ipw.VBox):
    """``output[s]``, ``h_n[:, s]`` and ``c_n[:, s]`` of a ``StackTrace``, their twins, checks.

    Built once; ``show(trace, sample)`` updates it in place.

    Attributes
    ----------
    grids : dict of MatrixHeatmap -- "output", "h_n", "c_n"; each with its own text
        alternative, the permanent twin boxes as its highlights
    controls : dict -- "twin_tensor" (``ctl-twin_tensor``, GuardedToggleButtons),
        "twin_row" and "twin_col" (``ctl-twin_row``, ``ctl-twin_col``, guarded sliders):
        point at a cell as the mouse does. View-local: the owner binds only their
        ``on_reject`` (values the page sent out of range, refused with a sentence)
    readout : ipw.HTML -- the read-out line all three grids share (``twin-readout``)
    checks : ipw.HTML -- the trace's equalities as badges (``twin-checks``)
    pitfall : ipw.HTML -- the bidirectional pitfall in a sentence (``twin-pitfall``)
    alt : FigureText -- where the twins are, in words
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.add_class("outputs-view")
        self._trace: StackTrace | None = None
        self._sample = 0
        self._pointed: tuple[str, int, int] | None = None  # the cell last pointed at
        self._layout_key: tuple | None = None  # the sizes the annotations were drawn for
        self._syncing = False  # the view moves its own controls: no pointing meanwhile
        self.readout = ipw.HTML(HINT, layout=ipw.Layout(margin="0 0 0 8px", min_height="2.8em"))
        self.readout.add_class("twin-readout")
        self.readout.add_class("live-status")  # what the keyboard points at is announced
        labels = {"output": ("column: forward units, then backward", "position e"),
                  "h_n": ("unit (H_out)", "row l·D + d"), "c_n": ("unit (H)", "row l·D + d")}
        bars = {"h": ColorBar(height="330px"), "c": ColorBar(height="140px")}
        bars["h"].set_range(-BOUNDS["output"], BOUNDS["output"], caption="h: output, h_n")
        bars["c"].set_range(-BOUNDS["c_n"], BOUNDS["c_n"], caption="c_n")
        self.grids = {
            name: MatrixHeatmap(
                x_label=labels[name][0], y_label=labels[name][1],
                width="640px" if name == "output" else "430px",
                height="330px" if name == "output" else "100px",
                margin=(dict(top=24, bottom=40, left=50, right=10) if name == "output"
                        else dict(top=6, bottom=40, left=50, right=130)),
                readout=self.readout,
                colorbar=bars["h"] if name == "output" else False,  # beside output, however wide
                describe=lambda r, c, name=name: describe_cell(self._trace, self._sample,
                                                               name, r, c),
                on_point=lambda r, c, name=name: self._on_point(name, r, c))
            for name in TENSORS}
        for name, grid in self.grids.items():
            grid.add_class(f"grid-{name}")
        self._annotate()

        self.controls = {
            "twin_tensor": GuardedToggleButtons(
                options=list(TENSORS), value="output", description="cell of",
                tooltip="tensor whose cell the read-out names: output, h_n or c_n",
                style={"description_width": "64px", "button_width": "70px"}),
            "twin_row": int_slider("twin_row", "row", 0, 1, 0, continuous_update=True,
                                   name="row of the cell: position e of output, or row "
                                        "l·D + d of h_n and c_n"),
            "twin_col": int_slider("twin_col", "column", 0, 1, 0, continuous_update=True,
                                   name="column of the cell: a column of output, or a unit "
                                        "of h_n and c_n"),
        }
        self.controls["twin_tensor"].add_class("ctl-twin_tensor")
        for control in self.controls.values():
            control.observe(self._on_control, names="value")

        self.checks = ipw.HTML()
        self.checks.add_class("twin-checks")
        self.checks.add_class("live-status")  # a verdict that changes is announced
        self.pitfall = ipw.HTML()
        self.pitfall.add_class("twin-pitfall")
        self.alt = FigureText()
        self.children = [
            ipw.HTML("<p class='hint'>Boxed (purple outline) in output and in h_n: the cells "
                     "that are the same numbers in both. Point at any cell, with the mouse or "
                     "the controls: it is outlined in black, its twin too, and the line below "
                     "the grids says what it is.</p>"),
            self.alt,
            ipw.HBox([self.controls["twin_tensor"], self.controls["twin_row"],
                      self.controls["twin_col"]],
                     layout=ipw.Layout(flex_flow="row wrap", align_items="center")),
            self.grids["output"],
            ipw.HBox([self.grids["h_n"], self.grids["c_n"], bars["c"]],
                     layout=ipw.Layout(flex_flow="row wrap")),
            self.readout,
            self.pitfall,
            self.checks,
        ]

    # --- annotations, built once ------------------------------------------------------------
    def _annotate(self) -> None:
        """The forward | backward divider and labels over output, the row names of h_n, c_n."""
        out = self.grids["output"]
        rule = dict(x=[[0.5, 0.5]], y=[[0.0, 1.0]], scales=out.unit_scales, visible=False)
        self._divider = [bq.Lines(colors=["#fff"], stroke_width=5, **rule),
                         bq.Lines(colors=["#000"], stroke_width=2, **rule)]
        text = dict(colors=["#222"], apply_clip=False, font_weight="bolder", default_size=13)
        self._halves = bq.Label(x=[0.5], y=[0.0], text=[""], scales=out.unit_scales,
                                align="middle", y_offset=-8, **text)
        out.add_marks([*self._divider, self._halves])
        self._row_labels = {}
        for name in ("h_n", "c_n"):
            grid = self.grids[name]
            self._row_labels[name] = bq.Label(x=[1.0], y=[0.5], text=[""], align="start",
                                              scales=grid.unit_scales, x_offset=6, y_offset=4,
                                              **text)
            grid.add_marks([self._row_labels[name]])

    def _relabel(self, trace: StackTrace) -> None:
        """Annotations, heights and twin boxes for new sizes; nothing when they are the same."""
        config = trace.config
        D, L, H_out = config.D, config.num_layers, config.H_out
        key = (D, L, H_out, config.seq_len)
        if key == self._layout_key:
            return
        self._layout_key = key
        for rule in self._divider:
            rule.visible = D == 2
        halves = ([f"forward: columns 0 to {H_out - 1}",
                   f"backward: columns {H_out} to {2 * H_out - 1}"] if D == 2
                  else [f"forward: columns 0 to {H_out - 1}"])
        with self._halves.hold_sync():
            self._halves.x = ((np.arange(D) + 0.5) / D).astype(np.float32)
            self._halves.y = np.zeros(D, np.float32)
            self._halves.text = halves
        rows = D * L
        for name, label in self._row_labels.items():
            with label.hold_sync():
                label.x = np.ones(rows, np.float32)
                label.y = ((np.arange(rows) + 0.5) / rows).astype(np.float32)
                label.text = [f"{r}: {row_name(config, r)}" for r in range(rows)]
            self.grids[name].resize(height=f"{46 + _ROW_PX * rows}px")
        boxes = twin_boxes(config)
        for name in ("output", "h_n"):
            self.grids[name].set_highlights(boxes[name], [TWIN_COLOR] * len(boxes[name]))

    # --- show -------------------------------------------------------------------------------
    def show(self, trace: StackTrace, sample: int) -> None:
        """Sequence ``sample`` of ``trace``: the three grids, twins, checks and words."""
        pointed = self._pointed  # a reshape hides the cursors; the cell is pointed at again
        self._trace, self._sample = trace, sample
        for name, grid in self.grids.items():
            grid.show(grid_values(trace, sample, name), title=grid_title(trace, sample, name),
                      vmin=-BOUNDS[name], vmax=BOUNDS[name])
        self._relabel(trace)
        self.checks.value = ("<h4>What nn.LSTM's tensors say, by torch.equal</h4>"
                             + check_list(trace))
        sentence = pitfall(trace.config)
        self.pitfall.value = f"<p><b>The pitfall:</b> {sentence}</p>" if sentence else ""
        self.pitfall.layout.display = None if sentence else "none"
        self.alt.text = twins_summary(trace, sample)
        self._sync_controls()
        if pointed is not None and self._in_range(*pointed):
            self.point(*pointed)
        else:
            self.readout.value = HINT

    # --- pointing ---------------------------------------------------------------------------
    def _in_range(self, tensor: str, row: int, col: int) -> bool:
        rows, cols = self.grids[tensor].values.shape
        return 0 <= row < rows and 0 <= col < cols

    def point(self, tensor: str, row: int, col: int) -> None:
        """Point at cell (row, col) of ``tensor``'s grid, as the mouse does: the cell and its
        twin outlined, the read-out saying what it is."""
        self.grids[tensor].hover(float(col), float(row))

    @property
    def pointed(self) -> tuple[str, int, int] | None:
        """The cell pointed at, (tensor, row, col), or None since the mouse left."""
        return self._pointed

    def _on_point(self, tensor: str, row: int | None, col: int | None) -> None:
        """A grid's cursor landed on (row, col), or hid: outline the twin, or hide it."""
        if row is None:
            if self._pointed is not None and self._pointed[0] == tensor:
                self._pointed = None
                for name, grid in self.grids.items():
                    if name != tensor:
                        grid.outline(None)
            return
        self._pointed = (tensor, row, col)
        twin = twin_of(self._trace.config, tensor, row, col)
        for name, grid in self.grids.items():
            if name == tensor:
                continue
            if twin is not None and twin[0] == name:
                grid.outline(twin[1], twin[2])
            else:
                grid.outline(None)

    def _sync_controls(self) -> None:
        """The row and column sliders' bounds follow the chosen tensor and the sizes."""
        tensor = self.controls["twin_tensor"].value
        rows, cols = self.grids[tensor].values.shape
        self._syncing = True
        try:
            for key, n in (("twin_row", rows), ("twin_col", cols)):
                control = self.controls[key]
                set_bounded(control, 0, n - 1, min(control.value, n - 1))
        finally:
            self._syncing = False

    def _on_control(self, _change=None) -> None:
        if self._syncing or self._trace is None:
            return
        self._sync_controls()  # a new tensor brings its own bounds
        tensor = self.controls["twin_tensor"].value
        row, col = self.controls["twin_row"].value, self.controls["twin_col"].value
        if self._in_range(tensor, row, col):
            self.point(tensor, row, col)
