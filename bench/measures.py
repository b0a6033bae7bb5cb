"""What the benchmarks measure and how they show it: a Series of figures, the table, the JSON.

Shared by ``make bench`` (bench/run.py, bench/training.py) and the load tests
(bench/loadtest.py, bench/hub_loadtest.py); it imports none of them.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import asdict, dataclass, field
from pathlib import Path

__all__ = ["Series", "report", "save"]


@dataclass
class Series:
    """One scenario's measurements: values in ``unit``, bytes received, the target it has."""

    name: str
    unit: str = "ms"
    values: list[float] = field(default_factory=list)
    bytes: list[int] = field(default_factory=list)
    target: str = ""
    cpu_ms: float | None = None  # renderer main-thread CPU per move, from a Chrome trace

    def median(self) -> float | None:
        return statistics.median(self.values) if self.values else None

    def p95(self) -> float | None:
        if not self.values:
            return None
        ordered = sorted(self.values)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def report(results: dict) -> str:
    """The results as a table: each Series' median, p95 and ratios, then memory and errors."""
    rows = [("scenario", "n", "median", "p95", "ratio", "CPU", "bytes", "target")]
    base = {k: results.get(f"baseline H, {k} sizes") for k in ("default", "maximum")}
    for key, s in results.items():
        if not isinstance(s, Series) or not s.values:
            continue
        ratio = ""
        for size, b in base.items():
            if (key.startswith("explorer H") and size in key and b and b.values):
                ratio = f"{b.median() / s.median():.1f}x faster"
        if key.startswith("tti explorer"):
            ratios = []
            for ref, short in (("empty notebook", "empty"), ("one widget", "one widget")):
                other = results.get(key.replace("explorer", ref))
                if other and other.values:
                    ratios.append(f"{s.median() / other.median():.2f}x {short}")
            ratio = ", ".join(ratios)
        med = f"{s.median():.0f} {s.unit}" if s.unit == "ms" else f"{s.median():.1f} {s.unit}"
        p95 = f"{s.p95():.0f} ms" if s.unit == "ms" else ""
        sent = f"{statistics.median(s.bytes) / 1024:.1f} KiB" if s.bytes else ""
        cpu = f"{s.cpu_ms:.0f} ms" if s.cpu_ms is not None else ""
        rows.append((s.name, str(len(s.values)), med, p95, ratio, cpu, sent, s.target))
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    lines.insert(1, "  ".join("-" * w for w in widths))
    for name, value in results.get("memory", {}).items():
        lines.append(f"{name}: {value:.0f}")
    for error in results.get("errors", []):
        lines.append(f"FAILED {error}")
    return "\n".join(lines)


def save(results: dict, out: Path) -> None:
    """Write the results as JSON, each Series as its fields."""
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps({k: asdict(v) if isinstance(v, Series) else v
                               for k, v in results.items()}, indent=1))
