"""The look shared by every dashboard: one style block, emitted once per dashboard, and the
badge and swatch the text is marked with (text escaped unless ``Markup``: ``markup``'s rule)."""

from .markup import as_html

# a line chart's y-axis title, clear of its tick labels ("-1.00", "0.0005"): bqplot puts it
# a few ex from the axis line, over ticks any wider; the left margin holds both
Y_TITLE_OFFSET = "50px"
CHART_LEFT = 72  # px

STYLE = """<style>
.lstm-dash .hint { color: #666; font-size: 90%; }
.lstm-dash h3 { margin: 14px 0 4px 0; }
.lstm-dash .badge { display: inline-block; padding: 3px 10px; border-radius: 12px;
  margin: 2px 6px 2px 0; font-size: 92%; }
.lstm-dash .badge-ok { background: #e3f4e8; color: #14532d; }
.lstm-dash .badge-warn { background: #fff4e5; color: #7a4100; }
.lstm-dash .badge-note { background: #e8f0fb; color: #1d3f72; }
.lstm-dash .badge-bad { background: #fdecea; color: #8b1a10; }
.lstm-dash .heatmap-title, .lstm-dash .chart-title { font-size: 95%; }
.lstm-dash .flow-arrow { text-align: center; color: #555; font-size: 95%; padding: 0 6px; }
.lstm-dash table.lstm-table { border-collapse: collapse; font-size: 92%; margin: 4px 0; }
.lstm-dash table.lstm-table td, .lstm-dash table.lstm-table th {
  border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
.lstm-dash table.lstm-table th { background: #f5f5f5; }
.lstm-dash table.text-table caption { text-align: left; font-weight: bold; padding: 4px 0 2px 0; }
.lstm-dash table.text-table th[scope=row] { font-weight: normal; }
.lstm-dash .lstm-nav a { margin-right: 14px; text-decoration: none; color: #1a5fb4; }
.lstm-dash .lstm-nav a.current { font-weight: bold; color: #222; }
.lstm-dash table.unit-eq td { padding: 1px 6px; font-family: serif; font-size: 105%; }
.lstm-dash .panel-titles .widget-html-content { height: auto; overflow: visible; }
.lstm-dash .panel-title-row { position: relative; height: 3.1em; }
.lstm-dash .panel-title-row span { position: absolute; bottom: 0; white-space: nowrap;
  line-height: 1.3; font-size: 92%; }
.lstm-dash .panel-title-row span.narrow { transform: translateX(-50%); text-align: center; }
.lstm-dash .lstm-nav { padding: 4px 0 8px 0; border-bottom: 1px solid #e5e5e5; }
.lstm-dash .lstm-strips, .lstm-dash .lstm-chart, .lstm-dash .curves-chart,
.lstm-dash .predictions-chart, .lstm-dash .memory-view, .lstm-dash .window-view,
.lstm-dash .cell-curves-chart, .lstm-dash .cell-steps-chart {
  overflow: hidden; }  /* a figure's 2px margins would make a scroll box no key can reach */
.lstm-dash .view-link-box { display: flex; flex-wrap: wrap; align-items: baseline;
  gap: 2px 10px; font-size: 90%; line-height: 1.6; }
.lstm-dash .view-link-box a { overflow-wrap: anywhere; }
.lstm-dash .view-link-box a[href] { color: #1a5fb4; text-decoration: underline; }
.lstm-dash .view-link-box button { font-size: 95%; padding: 1px 10px; border: 1px solid #57606a;
  border-radius: 4px; background: #f6f8fa; color: #1f2328; cursor: pointer; }
.lstm-dash .view-link-status { color: #1f2328; }
.lstm-dash .sr-only { position: absolute; width: 1px; height: 1px; padding: 0; margin: -1px;
  overflow: hidden; clip: rect(0, 0, 0, 0); white-space: nowrap; border: 0; }
.lstm-dash button:focus-visible, .lstm-dash .noUi-handle:focus-visible,
.lstm-dash .widget-readout:focus-visible, .lstm-dash input:focus-visible,
.lstm-dash select:focus-visible, .lstm-dash a:focus-visible {
  outline: 3px solid #0b57d0; outline-offset: 2px; }
</style>"""

# a badge's verdict also as a shape, for eyes that do not tell its colours apart; the words
# carry it for screen readers, so the mark itself is hidden from them
# "note" is a finding, not a fault: e.g. equal only to float32 rounding, as expected
_MARKS = {"ok": "✓", "note": "≈", "warn": "!", "bad": "✗"}


def badge(level: str, text: str) -> str:
    """A badge of ``level`` "ok", "note", "warn" or "bad" (colour and mark) saying ``text``: plain
    text, escaped, or ``Markup``."""
    return (f"<span class='badge badge-{level}'><span aria-hidden='true'>{_MARKS[level]} "
            f"</span>{as_html(text)}</span>")


def swatch(color: str) -> str:
    """A square of ``color`` as a key for the eye; the words beside it carry the meaning, so it
    is hidden from screen readers."""
    return f"<span aria-hidden='true' style='color:{color}'>■</span>"
