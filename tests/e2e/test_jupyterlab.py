"""The training dashboard in JupyterLab's own notebook view, as `make lab` serves it.

A real JupyterLab server on a free port (a copy of the notebook, so nothing is saved into the
repository), a real Chromium: run the notebook, press Train, move the step while it trains,
Stop, and Train again to the end. The same behaviour the Voila tests check, in the other
front end the dashboards promise.
"""

import shutil

import pytest

from driver.servers import ROOT, JupyterServer
from driver.ui import run_in_jupyterlab, set_slider, wait_text

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    root = tmp_path_factory.mktemp("lab")
    shutil.copy(ROOT / "dashboards" / "4_training.ipynb", root / "4_training.ipynb")
    server = JupyterServer(
        root / "lab.log", app=("jupyter", "lab"),
        args=[f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
              "--ServerApp.kernel_websocket_connection_class="
              "dashboard_server.NoDelayConnection"],
        # a model cache of its own: Train must train here, not replay a run that another
        # test of the session cached at the same settings (Stop is what this test presses)
        env={"TORCH_NUM_THREADS": "1", "PYTHONPATH": str(ROOT),
             "LSTM_MODEL_CACHE": str(root / "models")})
    try:
        server.wait_ready()
        yield server.url, server.token
    finally:
        server.stop()


@pytest.fixture
def training(browser, lab):
    """(context, page, url): the training notebook run in JupyterLab, its dashboard drawn."""
    url, token = lab
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        page = context.new_page()
        run_in_jupyterlab(page, f"{url}/lab/tree/4_training.ipynb?token={token}")
        page.wait_for_selector(".training-explorer .train-button", timeout=RENDER_TIMEOUT_MS)
        yield context, page, url
    finally:
        context.close()


def test_training_in_jupyterlab_behaves_as_in_voila(training):
    context, page, url = training
    # the page script came with the dashboard's output: the sliders have their names here too
    slider = page.get_by_role("slider", name="H, hidden size: units of the LSTM", exact=True)
    slider.wait_for(timeout=30_000)
    assert page.get_by_role("button", name="Play steps", exact=True).count() == 1
    page.click(".ctl-task >> text=the adding problem")
    wait_text(page, ".training-status", r"Untrained: press Train\. epoch 0 of 60")
    page.click(".train-button")
    wait_text(page, ".training-status", r"Training… epoch [1-9]")
    set_slider(page, "ctl-step", 30)  # the kernel answers while the model trains
    wait_text(page, ".step-title", r"step e = 30 of n_E = 50")
    page.click(".stop-button")
    # within one slice (tests/test_training_dashboard.py counts it); the wait is generous
    # for a machine whose two cores other work shares
    wait_text(page, ".training-status", r"Stopped\.", timeout_ms=30_000)
    wait_text(page, ".step-title", r"after training")
    # the code says where it and the stopped run part ways
    page.get_by_role("button", name="Show the code").click()
    wait_text(page, "pre.code-text", r"# Note: The page's run was stopped after \d+ of 60")
    page.click(".train-button")  # goes on from where it stopped
    wait_text(page, ".training-status", r"Trained\. epoch 60 of 60", timeout_ms=90_000)
    assert "this LSTM" in page.locator(".training-results").inner_text()
    page.wait_for_function("() => !document.querySelector('pre.code-text')"
                           "?.textContent.includes('# Note:')")
    # Copy works in JupyterLab's output area as under Voila
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=url)
    page.get_by_role("button", name="Copy the code").click()
    wait_text(page, ".code-status", r"^Copied \d+ lines to the clipboard\.$")
    copied = page.evaluate("navigator.clipboard.readText()")
    assert copied == page.locator("pre.code-text").text_content()
    assert "seq_len = 50  #" in copied
    # why the LSTM runs beside JupyterLab's kernel loop as beside Voila's
    page.get_by_role("button", name="Compare the three cells").click()
    wait_text(page, ".comparison-status", r"Compared\.", timeout_ms=120_000)
    names = page.locator(".comparison-results tbody th").all_text_contents()
    assert sorted(names) == ["GRU", "LSTM", "plain RNN"]
    assert page.locator(".comparison-verdict").inner_text().startswith("At n_E = 50,")
    page.screenshot(path=str(ROOT / "test-artifacts" / "jupyterlab-training.png"))


def test_an_upload_in_jupyterlab_becomes_the_series(training):
    """The upload through JupyterLab's output area: the page's guard stops a file over the
    cap before it is sent, a good file becomes the series; axe-core finds nothing serious."""
    from .test_accessibility import audit
    from .test_own_data import _csv, _pick

    _context, page, _url = training
    page.click(".ctl-task >> text=your own CSV")
    wait_text(page, ".csv-summary", r"seattle-temps\.csv")
    page.locator(".ctl-series select").select_option(label="a CSV file of yours")
    page.wait_for_selector(".csv-upload", state="visible")
    _pick(page, "huge.csv", b"0" * (5 * 1024 * 1024 + 1))
    wait_text(page, ".csv-upload-status", r"huge\.csv is 5\.0 MB.*Nothing was sent")
    _pick(page, "meter.csv", _csv())
    wait_text(page, ".csv-summary", r"meter\.csv: 90 rows")
    audit(page, "the training page's own series in JupyterLab", within=".lstm-dash")
