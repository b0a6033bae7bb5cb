"""What the benchmark's reference notebooks display: the floor and the usual way (baseline)."""

from __future__ import annotations

import ipywidgets as ipw


def floor() -> ipw.VBox:
    """The cheapest round trip there is: slider -> kernel -> label."""
    slider = ipw.IntSlider(value=8, min=1, max=256, description="H", continuous_update=False)
    slider.add_class("ctl-hidden_size")
    label = ipw.Label("8")
    label.add_class("floor-label")
    slider.observe(lambda change: setattr(label, "value", str(change["new"])), names="value")
    box = ipw.VBox([slider, label])
    box.add_class("bench-root")
    return box


def baseline() -> ipw.VBox:
    """The usual way to build this dashboard: ``interact`` redrawing a matplotlib figure.

    It does the same rebuild as the LSTM explorer (a seeded nn.LSTM, its inputs and its traced
    recurrence) and shows both weight matrices with ``imshow``.
    """
    import matplotlib.pyplot as plt

    from widgets.maths.lstm import LIMITS, build_lstm, init_bound, make_inputs, trace_lstm

    def show(n_x: int, hidden_size: int, seq_len: int) -> None:
        lstm = build_lstm(n_x, hidden_size, 0)
        trace_lstm(lstm, make_inputs(2, seq_len, n_x, 0))
        k = init_bound(hidden_size)
        fig, axes = plt.subplots(1, 2, figsize=(8, 4))
        for ax, name in zip(axes, ("weight_ih_l0", "weight_hh_l0"), strict=True):
            w = getattr(lstm, name).detach().numpy()
            image = ax.imshow(w, cmap="RdBu_r", vmin=-k, vmax=k, aspect="auto",
                              interpolation="nearest")
            ax.set_title(f"{name} {tuple(w.shape)}")
        fig.colorbar(image, ax=axes)
        plt.show()

    sliders = {name: ipw.IntSlider(value=v, min=LIMITS[name][0], max=LIMITS[name][1],
                                   description=name)
               for name, v in (("n_x", 5), ("hidden_size", 8), ("seq_len", 12))}
    for name, slider in sliders.items():
        slider.add_class(f"ctl-{name}")
    view = ipw.interactive(show, **sliders)
    view.add_class("bench-root")
    return view
