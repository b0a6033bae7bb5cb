"""What a classroom throws at the dashboards: forged control values, malformed messages, a
killed kernel and a restarted server. The kernel must stay up, the learner must be told.
"""

from __future__ import annotations

import html
import math
import os
import re
import signal

import pytest

from driver.kernel_client import KernelClient
from driver.ui import set_slider, wait_text
from widgets import KERNEL_STOPPED

from .conftest import RENDER_TIMEOUT_MS, ROOT, DashboardPage, VoilaServer

pytestmark = pytest.mark.e2e

# per dashboard: a control whose valid move must change the dashboard afterwards
DASHBOARDS = {"3_lstm_explorer.ipynb": "ctl-hidden_size", "1_mlp.ipynb": "ctl-n1",
              "2_sequence_data.ipynb": "ctl-hidden_size"}
WRONG_TYPES = ["7", 2.5, [3], None, True, {"v": 1}]
HUGE = [10**30, -(10**30), 1e308, -1e308]


def _banner(client: KernelClient) -> str:
    """The banner's text as the learner reads it ('' when hidden)."""
    state = client.state("lstm-banner")
    layout = client.states.get(state["layout"].removeprefix("IPY_MODEL_"), {})
    if layout.get("display") == "none":
        return ""
    return html.unescape(re.sub(r"<[^>]+>", "", state["value"]))


def _assert_alive_and_usable(client: KernelClient, dom_class: str) -> None:
    """A valid move is taken, clears the banner and changes other widgets."""
    control = client.find(dom_class)
    state = client.states[control]
    value = state["min"] if state["value"] != state["min"] else state["min"] + 1
    replies = client.update(control, {"value": value})
    changed = {m["content"]["comm_id"] for m in replies if m["msg_type"] == "comm_msg"}
    changed -= {control, client.find("lstm-banner")}
    assert changed, "a valid move changed nothing on the dashboard"
    assert client.states[control]["value"] == value
    assert _banner(client) == ""


@pytest.fixture(params=sorted(DASHBOARDS), scope="module")
def client(request, voila_server):
    with KernelClient(voila_server.url, request.param) as client:
        client.load_widgets()
        client.notebook = request.param
        yield client


def test_forged_values_for_every_control_are_refused(client):
    controls = client.controls()
    assert len(controls) >= 5, controls
    for dom_class, comm_id in sorted(controls.items()):
        state = client.states[comm_id]
        if "_options_labels" in state:  # toggle buttons: the page sends the option's index
            key, lo, hi = "index", 0, len(state["_options_labels"]) - 1
            bads = [lo - 1, hi + 1, *HUGE, *WRONG_TYPES]
        elif isinstance(state["value"], bool):  # a switch: true or false, nothing else
            key = "value"
            bads = [0, 1, *HUGE, *(w for w in WRONG_TYPES if w is not True), "true"]
        else:
            key, lo, hi = "value", state["min"], state["max"]
            bads = [lo - 1, hi + 1, *HUGE, *WRONG_TYPES]
        # Play's buttons are icons: it has no description, and the banner calls it Play
        name = state.get("description") or ("Play" if dom_class == "ctl-play" else dom_class)
        for bad in bads:
            before = client.states[comm_id][key]
            replies = client.update(comm_id, {key: bad})
            errors = [m["content"] for m in replies if m["msg_type"] == "error"]
            assert not errors, (dom_class, bad, errors)
            told = _banner(client)
            assert told.startswith(name) and "refused" in told, (dom_class, bad, told)
            assert client.states[comm_id][key] == before, (dom_class, bad)
        # the bounds themselves are not the page's to move
        client.update(comm_id, {"max": 10**9, key: 10**9} if key == "value" else
                      {"_options_labels": ["x"], key: 0})
        assert "may only move the value" in _banner(client), dom_class
    _assert_alive_and_usable(client, DASHBOARDS[client.notebook])


def test_malformed_messages_leave_the_kernel_alive(client):
    control = client.find(DASHBOARDS[client.notebook])
    malformed = [
        (control, {"method": "no-such-method"}),
        (control, {"method": "update"}),  # no state
        (control, {"method": "update", "state": None, "buffer_paths": []}),
        (control, {"method": "update", "state": {"value": 3}, "buffer_paths": [["value"]]}),
        (control, {"method": "custom", "content": None}),
        (control, {"state": {"value": 3}}),  # no method
        (control, "not even a dict"),
        ("no-such-comm", {"method": "update", "state": {"value": 3}, "buffer_paths": []}),
    ]
    for comm_id, data in malformed:
        replies = client.comm_msg(comm_id, data)  # returns once the kernel is idle again
        for error in (m["content"] for m in replies if m["msg_type"] == "error"):
            assert error["traceback"] == [], error  # the name and message at most
    # hover positions the page could forge: not finite, not numbers, not there
    hover = next(cid for cid, s in client.states.items()
                 if s.get("_model_name") == "MouseInteractionModel")
    for domain in [{"x": math.nan, "y": 1.0}, {"x": 1.0, "y": math.inf}, {"x": 1e308, "y": -1e308},
                   {"x": "1", "y": [2]}, None]:
        replies = client.comm_msg(hover, {"method": "custom",
                                          "content": {"event": "mousemove", "domain": domain}})
        assert not [m for m in replies if m["msg_type"] == "error"], domain
    assert client.request("kernel_info_request", {})["content"]["status"] == "ok"
    _assert_alive_and_usable(client, DASHBOARDS[client.notebook])


# --- a kernel that dies, a server that restarts ------------------------------------------

def _open(browser, server: VoilaServer, notebook: str = "3_lstm_explorer.ipynb"):
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    page.set_default_timeout(30_000)
    dash = DashboardPage(page, server)
    dash.open(notebook)
    page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
    return context, dash


def _kernel_id(page) -> str:
    return page.evaluate("window.jupyterapp.widgetManager.kernel.id")


def _notice(page, timeout_ms: int = 60_000) -> str:
    page.wait_for_selector(".kernel-stopped", timeout=timeout_ms)
    return page.inner_text(".kernel-stopped")


def test_a_killed_kernel_tells_the_learner_to_reload(browser, voila_server):
    context, dash = _open(browser, voila_server)
    page = dash.page
    try:
        set_slider(page, "ctl-hidden_size", 6)  # a working page first, and no notice on it
        assert page.locator(".kernel-stopped").count() == 0
        os.kill(voila_server.kernel_pid(_kernel_id(page)), signal.SIGKILL)
        assert _notice(page).startswith(KERNEL_STOPPED)
        dash.screenshot("kernel-stopped")
        # Reload gives a fresh kernel and a dashboard that works again
        page.click(".kernel-stopped button")
        page.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
        set_slider(page, "ctl-hidden_size", 12)
        wait_text(page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(48 × 12\)", nth=1)
        assert page.locator(".kernel-stopped").count() == 0
    finally:
        context.close()


def test_a_restarted_server_serves_new_learners(browser, tmp_path):
    first = VoilaServer(ROOT, tmp_path / "first.log")
    second = None
    try:
        first.wait_ready()
        context, old = _open(browser, first, "1_mlp.ipynb")  # the lighter page
        first.stop()
        second = VoilaServer(ROOT, tmp_path / "second.log", port=first.port)
        second.wait_ready()
        # the learner still on the old page is told; a new one gets a working dashboard
        assert _notice(old.page, timeout_ms=90_000).startswith(KERNEL_STOPPED)
        context.close()
        context, new = _open(browser, second)
        set_slider(new.page, "ctl-hidden_size", 5)
        wait_text(new.page, ".heatmap-title", r"weight_hh_l0 \(4H × H\) = \(20 × 5\)", nth=1)
        assert new.page.locator(".kernel-stopped").count() == 0
        assert not new.errors, new.errors
        context.close()
    finally:
        first.stop()
        if second is not None:
            second.stop()

