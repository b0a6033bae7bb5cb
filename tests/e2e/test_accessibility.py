"""WCAG 2.1 A and AA in a real Chromium: axe-core on every dashboard, and the keyboard alone.

axe-core comes bundled in ``axe-playwright-python`` (PyPI), injected into the page from the
package, never from a CDN. A run fails on any serious or critical violation; the moderate and
minor ones are printed, for the record.
"""

from __future__ import annotations

import pytest

from driver.ui import set_slider, slider_value
from driver.wait import wait_until

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]
FAILING = ("serious", "critical")

# a size that rebuilds each dashboard's model, and the names its sliders must carry
DASHBOARDS = {
    "1_mlp.ipynb": ("ctl-n1", 12, ["n_D, number of instances in the batch",
                                 "n[1], units of the hidden layer"]),
    "2_sequence_data.ipynb": ("ctl-seq_len", 20, ["n_E, sequence length: elements per sequence",
                                                "element e of the sequence shown, counted "
                                                "from 1"]),
    "3_lstm_explorer.ipynb": ("ctl-hidden_size", 16, ["H, hidden size: units of the LSTM",
                                                    "step e: the element the LSTM reads"]),
    "4_training.ipynb": ("ctl-hidden_size", 8, ["learning rate of the Adam optimiser",
                                              "H, hidden size: units of the LSTM"]),
}

# every element the keyboard should reach: visible, enabled, in the tab order
_FOCUSABLE_JS = """() => {
  const all = document.querySelectorAll(
    '.lstm-dash [role=slider], .lstm-dash input, .lstm-dash select, .lstm-dash button,' +
    '.lstm-dash a[href], .lstm-dash [tabindex="0"], .lstm-dash [contenteditable=true]');
  const found = [];
  all.forEach((el, k) => {
    const hidden = !el.offsetParent || getComputedStyle(el).visibility === 'hidden';
    if (hidden || el.disabled || el.tabIndex < 0 || el.closest('[disabled]')) return;
    el.dataset.a11yId = String(k);
    found.push(String(k));
  });
  return found;
}"""

_ACTIVE_JS = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return null;
  return {id: el.dataset.a11yId || null,
          name: el.getAttribute('aria-label') || el.innerText.trim().slice(0, 40) ||
                el.getAttribute('title') || el.tagName,
          inDashboard: !!el.closest('.lstm-dash')};
}"""


def audit(page, when: str, within: str | None = None) -> None:
    """axe-core's WCAG 2.1 A and AA rules on the whole page, or on the elements ``within``
    selects (a dashboard inside JupyterLab, whose own chrome is not ours); fail on serious
    or critical."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context=within,
                        options={"runOnly": {"type": "tag", "values": WCAG_21_AA},
                                 "resultTypes": ["violations"]})
    violations = results.response["violations"]
    failing = [v for v in violations if v["impact"] in FAILING]
    for v in violations:
        if v["impact"] not in FAILING:
            print(f"axe ({when}), {v['impact']}: {v['id']} on {len(v['nodes'])} element(s)")
    report = "\n".join(
        f"{v['id']} ({v['impact']}): {v['help']}\n  " + "\n  ".join(
            f"{n['target']}: {n['html'][:140]}" for n in v["nodes"][:5])
        for v in failing)
    assert not failing, f"axe-core, {when}: {len(failing)} serious or critical:\n{report}"


def tab_through(page, limit: int = 200) -> list[dict]:
    """Press Tab from the top of the page until focus leaves the dashboard or comes round."""
    page.evaluate("document.activeElement && document.activeElement.blur()")
    page.evaluate("window.scrollTo(0, 0)")
    seen: list[dict] = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE_JS)
        if active is None:
            continue
        if seen and active["id"] is not None and active["id"] == seen[0]["id"]:
            break
        seen.append(active)
    return seen


def figure_texts(page) -> str:
    return "\n".join(page.locator(".figure-text").all_text_contents())


@pytest.mark.parametrize("notebook", sorted(DASHBOARDS))
def test_axe_finds_nothing_serious_and_the_keyboard_reaches_every_control(dashboard, notebook):
    ctl, size, names = DASHBOARDS[notebook]
    page = dashboard.page
    dashboard.open(notebook)
    page.wait_for_selector(f".{ctl} .noUi-handle[aria-label]", timeout=RENDER_TIMEOUT_MS)
    assert page.evaluate("document.documentElement.lang") == "en"
    for name in names:  # the names a screen reader says, from the accessibility tree
        assert page.get_by_role("slider", name=name, exact=True).count() == 1, name

    audit(page, f"{notebook} as it opens")

    expected = set(page.evaluate(_FOCUSABLE_JS))
    reached = tab_through(page)
    missing = expected - {r["id"] for r in reached}
    assert not missing, f"Tab never reaches {len(missing)} control(s) of {len(expected)}"
    assert all(r["name"] for r in reached if r["inDashboard"])

    before = figure_texts(page)
    set_slider(page, ctl, size)
    wait_until(lambda: figure_texts(page) != before, 60,
               what="the figures' text alternatives following the new size")
    page.get_by_role("button", name="Show the numbers").click()
    page.wait_for_selector(".numbers-scroll table caption", timeout=60_000)
    audit(page, f"{notebook} after {ctl} = {size}, numbers open")
    dashboard.screenshot(f"a11y-{notebook.removesuffix('.ipynb')}")


def _tab_to(page, name: str, names: list[str], most: int = 120) -> None:
    """Press Tab until the control named ``name`` has focus, noting each name on the way."""
    for _ in range(most):
        page.keyboard.press("Tab")
        active = page.evaluate(_ACTIVE_JS)
        if active is not None:
            names.append(active["name"])
            if active["name"] == name:
                return
    raise AssertionError(f"Tab never reached {name!r}; it went through {names}")


def test_the_step_moves_and_plays_from_the_keyboard_alone(dashboard):
    page = dashboard.page
    dashboard.open("3_lstm_explorer.ipynb")
    step_name = "step e: the element the LSTM reads"
    page.get_by_role("slider", name=step_name, exact=True).wait_for(timeout=RENDER_TIMEOUT_MS)
    page.get_by_role("button", name="Play steps", exact=True).wait_for()

    # from the top of a fresh page: Tab to the step, in the order the controls are laid out
    names: list[str] = []
    _tab_to(page, step_name, names)
    order = [names.index(n) for n in ("n_X, input size: values per element",
                                      "H, hidden size: units of the LSTM",
                                      "n_E, sequence length: elements per sequence",
                                      step_name)]
    assert order == sorted(order), f"tab order: {names}"
    focus = page.evaluate("[getComputedStyle(document.activeElement).outlineStyle,"
                          " getComputedStyle(document.activeElement).outlineWidth]")
    assert focus[0] == "solid" and focus[1] != "0px", f"no visible focus: {focus}"

    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    page.wait_for_function("() => document.querySelector('.ctl-step .widget-readout')"
                           ".innerText.trim() === '3'", timeout=30_000)

    _tab_to(page, "Play steps", names, most=4)  # Play sits right after the step
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Pause steps'",
        timeout=30_000)
    wait_until(lambda: slider_value(page, "ctl-step") > 3, 30, what="Play moving the step")
    page.keyboard.press("Enter")  # the same button pauses
    page.wait_for_function(
        "() => document.activeElement.getAttribute('aria-label') === 'Play steps'",
        timeout=30_000)
    _tab_to(page, "unit j of the hidden state, in bold", names, most=12)  # past Play, the speed
