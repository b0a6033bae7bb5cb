"""Pieces of code that more than one recipe writes: one text each, so the recipes agree.

Each mirrors a function of ``widgets.maths`` that the generated code may not import; the
recipes' tests hold the numbers it gives against that function's.
"""

from __future__ import annotations

__all__ = ["FIND_TEMPERATURES", "noisy_sines"]

# maths.sequence.load_min_temperatures: the file, found in the package without importing it
FIND_TEMPERATURES = """\
# the CSV ships inside the vega_datasets package: find it without importing it
spec = importlib.util.find_spec("vega_datasets")
path = Path(spec.submodule_search_locations[0]) / "_data" / "seattle-weather.csv\""""


def noisy_sines(count: str, length: str, shape: tuple[str, str]) -> str:
    """Code for ``signals``, (count, length, n_x) float64, as ``maths.lstm.make_inputs`` draws
    them: one noisy sine per sequence and value. ``count`` and ``length`` are the code's
    expressions, ``shape`` their symbols for the comments, e.g. ("b_S", "n_E")."""
    s, e = shape
    return (
        "rng = np.random.default_rng(seed)\n"
        f"steps = np.arange({length}, dtype=np.float64)[None, :, None]  # (1, {e}, 1)\n"
        f"period = rng.uniform(6.0, 40.0, size=({count}, 1, n_x))  # 6 to 40 steps\n"
        f"phase = rng.uniform(0.0, 2 * np.pi, size=({count}, 1, n_x))\n"
        f"amplitude = rng.uniform(0.5, 1.0, size=({count}, 1, n_x))\n"
        f"noise = 0.05 * rng.standard_normal(({count}, {length}, n_x))\n"
        "signals = amplitude * np.sin(2 * np.pi * steps / period + phase) + noise"
        f"  # ({s}, {e}, n_X)"
    )
