"""The classroom server (classroom/, ``make classroom``) as students and the teacher meet it in
Chromium.

The classroom as ``make classroom`` starts it on Linux, its kernels forked from a warm parent
(forkkernel/). One seat (``--max_kernels=1``) and a warm pool of one: the first student gets the
warm kernel, the second the "class is full" page and no kernel (nor does the pool start one);
the first closes the tab (Voila's unload beacon, authenticated by the login cookie the token
set) and the second gets in. Then the teacher's page: refused with the class token, opened with
the teacher's, a new session started from it; a student answers in Voila and the teacher's page
shows the answer without being reloaded; axe-core on the teacher's page.
"""

import json
import re
import secrets

import pytest

from driver.ui import wait_text
from driver.wait import wait_until

from .conftest import RENDER_TIMEOUT_MS, ROOT, DashboardPage, VoilaServer, assert_forked
from .test_accessibility import audit

pytestmark = pytest.mark.e2e
EXPLORER = "3_lstm_explorer.ipynb"
TEACHER = secrets.token_hex(16)


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    server = VoilaServer(ROOT, tmp_path_factory.mktemp("classroom") / "classroom.log",
                         module="classroom", token=secrets.token_hex(12),
                         extra_args=["--max_kernels=1", "--pool_size=1",
                                     f"--teacher_token={TEACHER}"])
    try:
        server.wait_ready()
        yield server
    finally:
        server.stop()


def _kernel_id(page) -> str:
    return json.loads(page.locator("#jupyter-config-data").text_content())["kernelId"]


def test_without_the_token_a_student_is_asked_to_log_in(browser, classroom):
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"{classroom.url}/voila/render/{EXPLORER}")
        assert "/login" in page.url
        assert page.locator("input[type=password]").count() >= 1  # the token, or a password
        assert not page.locator(".jupyter-widgets").count()
    finally:
        context.close()


def test_a_full_class_gets_a_clear_page_and_a_closed_tab_frees_the_seat(browser, classroom):
    first = browser.new_context(viewport={"width": 1400, "height": 1000})
    second = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        # the first student follows the teacher's link, token included
        page1 = first.new_page()
        page1.set_default_navigation_timeout(RENDER_TIMEOUT_MS)  # the pool may still be warming
        dash1 = DashboardPage(page1, classroom)
        dash1.open(EXPLORER, classroom.query)
        page1.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
        kernel1 = _kernel_id(page1)
        assert classroom.kernel_alive(kernel1)
        assert_forked(classroom, kernel1)  # make classroom's default on Linux
        # the warm kernel became the student's; the pool refills only under the cap
        before = set(classroom.kernel_pids())
        assert len(before) == 1, "a warm kernel started with the class already full"

        page2 = second.new_page()
        page2.set_default_navigation_timeout(RENDER_TIMEOUT_MS)
        dash2 = DashboardPage(page2, classroom)
        response = page2.goto(f"{classroom.url}/voila/render/{EXPLORER}{classroom.query}")
        assert response.status == 503
        text = page2.inner_text("body")
        assert "The class is full: 1 dashboard is open on this server" in text
        assert "Ask your teacher, or try again in a minute" in text
        assert set(classroom.kernel_pids()) == before, "a kernel started for a full class"

        # the first student closes the tab: the beacon frees the seat
        page1.close(run_before_unload=True)
        wait_until(lambda: not classroom.kernel_alive(kernel1), 30,
                   what="the closed tab's kernel stopping")

        # the second student tries again, from the page's own link
        assert all("503" in e for e in dash2.errors), dash2.errors  # Chromium logs the status
        dash2.errors.clear()
        page2.click("text=Try again now", timeout=RENDER_TIMEOUT_MS)  # a kernel may be starting
        page2.wait_for_selector(".heatmap-figure", timeout=RENDER_TIMEOUT_MS)
        dash2.assert_no_error_cells()
        banner = page2.locator(".banner-warning")
        assert not banner.count(), "the login token was taken for a setting"
        assert classroom.kernel_alive(_kernel_id(page2))
        assert not dash1.errors and not dash2.errors, dash1.errors + dash2.errors
        with page2.expect_event("close", timeout=10_000):
            page2.close(run_before_unload=True)
    finally:
        first.close()
        second.close()


def test_the_teacher_sees_a_students_answer_live(browser, classroom):
    """After the seat test: its students have closed their tabs, so the seat is free."""
    teacher = browser.new_context(viewport={"width": 1280, "height": 900})
    student = browser.new_context(viewport={"width": 1400, "height": 1000})
    try:
        desk = teacher.new_page()
        refused = desk.goto(f"{classroom.url}/teacher{classroom.query}")  # the class token
        assert refused.status == 403
        assert "That is not the teacher's token" in desk.inner_text("main")
        assert desk.goto(f"{classroom.url}/teacher").status == 403
        desk.goto(f"{classroom.url}/teacher?token={TEACHER}")
        assert desk.url == f"{classroom.url}/teacher", "the token must leave the address bar"
        desk.get_by_label("Name of the new session (optional)").fill("Browser test's class")
        desk.get_by_role("button", name="Start a new session").click()
        wait_text(desk, "#status", r"^Browser test's class: no answer yet\.$")
        row = desk.locator('tr[data-key="3_lstm_explorer/weight-ih-rows"]')
        assert row.locator(".right-text").inner_text() == "Nobody has answered yet."

        page = student.new_page()
        page.set_default_navigation_timeout(RENDER_TIMEOUT_MS)
        address = f"{classroom.url}/voila/render/{EXPLORER}{classroom.query}&hidden_size=6"
        dash = DashboardPage(page, classroom)
        # the seat test's last kernel may still be stopping: "the class is full" until it has
        wait_until(lambda: page.goto(address, wait_until="domcontentloaded").status == 200,
                   60, every=2, what="a seat for the student")
        dash.errors[:] = [e for e in dash.errors if "503" not in e]
        page.wait_for_selector(".jupyter-widgets", timeout=RENDER_TIMEOUT_MS)
        dash.assert_no_error_cells()
        toggle = page.get_by_role("button", name=re.compile(r"Questions \(\d+\)$"))
        toggle.wait_for(timeout=RENDER_TIMEOUT_MS)
        toggle.click()
        box = page.get_by_role("textbox", name=re.compile(r"^answer to question 1: a number"))
        box.wait_for(timeout=RENDER_TIMEOUT_MS)
        box.fill("6")  # H, not 4H: the wrong answer the tutorial warns about
        box.press("Enter")
        wait_text(page, ".question-card .question-feedback", r"^✗ Not right: 6\.")

        # the teacher's page, not reloaded, shows it within a few refreshes
        wait_text(desk, 'tr[data-key="3_lstm_explorer/weight-ih-rows"] .wrong li',
                  r"^6 × 1$", timeout_ms=30_000)
        box.fill("24")
        box.press("Enter")
        wait_text(page, ".question-card .question-feedback", r"^✓ Right: 24\.")
        wait_text(desk, 'tr[data-key="3_lstm_explorer/weight-ih-rows"] .right-text',
                  r"^1 of 1 right \(100%\); 0 at the first try\.$", timeout_ms=30_000)
        wait_text(desk, "#status", r"^Browser test's class: 1 student, 2 answers, 1 right\.$")
        assert row.locator(".answered").inner_text() == "1"
        audit(desk, "the teacher's page with an answer")
        assert not dash.errors, dash.errors

        csv_text = desk.evaluate(
            "async () => (await fetch('teacher/answers.csv')).text()")
        assert csv_text.splitlines()[1:] and ",6,0," in csv_text and ",24,1," in csv_text
        page.close(run_before_unload=True)
    finally:
        teacher.close()
        student.close()
