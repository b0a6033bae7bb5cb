"""A real JupyterHub (docs/jupyterhub_config.py, `make hub`) with real students in Chromium.

The hub starts on free ports with its own proxy (configurable-http-proxy from npm, which
`make test` installs) and state in a temporary folder. Three students log in at once and each
lands on an explorer of their own; a wrong password gets the login page again; nobody opens
another's server; logging out stops the server, and so does the culler for a student who went
idle; an nbgitpuller link pulls a clone of this repository for a student who never saw it.
The teacher's page runs as the hub's service: a student's answer reaches it under the
student's hub name, and the hub's password does not open it.
"""

from __future__ import annotations

import csv
import io
import re
import subprocess
import sys

import pytest

from driver.servers import HUB_PASSWORD as PASSWORD
from driver.servers import HUB_TEACHER, ROOT, HubServer
from driver.ui import set_slider, slider_value, wait_text
from driver.wait import wait_until

from .conftest import RENDER_TIMEOUT_MS

pytestmark = pytest.mark.e2e

EXPLORER = "/voila/render/dashboards/3_lstm_explorer.ipynb"
DRAWN = ".ctl-hidden_size .noUi-handle[aria-label]"  # the page script ran: widgets are drawn


@pytest.fixture(scope="module")
def hub(tmp_path_factory):
    hub = _hub(tmp_path_factory.mktemp("hub"))
    yield hub
    hub.stop()


@pytest.fixture
def students(browser):
    contexts = []

    def new():
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(30_000)
        # no internet here: Voila's template asks a CDN for Font Awesome's CSS
        page.route(lambda url: not url.startswith("http://127.0.0.1"),
                   lambda route: route.fulfill(status=200, body="", content_type="text/css"))
        return page

    yield new
    for context in contexts:
        context.close()


def _hub(folder, **env) -> HubServer:
    try:
        return HubServer(folder, **env)
    except FileNotFoundError as missing:  # a clear failure, never a skip: CI must run these
        pytest.fail(str(missing))


def log_in(page, hub: HubServer, name: str, password: str = PASSWORD, next_url: str = "") -> None:
    """Fill the hub's login form and press Sign in, without waiting for where it leads."""
    page.goto(f"{hub.url}/hub/login{next_url}")
    page.fill("input[name=username]", name)
    page.fill("input[name=password]", password)
    page.click("input[type=submit], button[type=submit]", no_wait_after=True)


def test_three_students_each_land_on_an_explorer_of_their_own(hub, students):
    pages = {name: students() for name in ("alice", "bob", "carol")}
    for name, page in pages.items():  # all three at once: the hub spawns while others log in
        log_in(page, hub, name)
    for name, page in pages.items():
        page.wait_for_selector(DRAWN, timeout=2 * RENDER_TIMEOUT_MS)
        assert page.url.startswith(f"{hub.url}/user/{name}{EXPLORER}"), page.url
    servers = hub.servers()
    assert {"alice", "bob", "carol"} <= set(servers) and len(set(servers.values())) == len(servers)

    # a kernel each: alice's H moves, bob's and carol's stay where they were
    set_slider(pages["alice"], "ctl-hidden_size", 12)
    pages["alice"].wait_for_function(
        "() => document.querySelector('.param-count')?.innerText.includes('4·12·')")
    for name in ("bob", "carol"):
        assert slider_value(pages[name], "ctl-hidden_size") == 8
        assert "4·8·(5 + 8)" in pages[name].locator(".param-count").inner_text()

    # nobody opens another's server, even knowing its address
    answer = pages["alice"].goto(f"{hub.url}/user/bob{EXPLORER}")
    assert answer.status == 403, (answer.status, pages["alice"].url)
    assert pages["alice"].locator(".jupyter-widgets").count() == 0

    # logging out stops the server and its kernel
    pages["carol"].goto(f"{hub.url}/hub/logout")
    wait_until(lambda: "carol" not in hub.servers(), 30, what="carol's server stopping",
               details=hub.log)
    assert {"alice", "bob"} <= set(hub.servers())


def test_a_students_answer_reaches_the_teachers_page_under_their_hub_name(hub, students):
    page = students()
    log_in(page, hub, "dana")
    page.wait_for_selector(DRAWN, timeout=2 * RENDER_TIMEOUT_MS)
    page.get_by_role("button", name=re.compile(r"Questions \(\d+\)$")).click()
    box = page.get_by_role("textbox", name=re.compile(r"^answer to question 1: a number"))
    box.fill("8")  # H = 8 at the explorer's defaults: H, not 4H
    box.press("Enter")
    wait_text(page, ".question-card .question-feedback", r"^✗ Not right: 8\.")

    desk = students()  # the teacher, in a browser of their own
    assert desk.goto(f"{hub.url}/services/teacher/").status == 403
    assert desk.goto(f"{hub.url}/services/teacher/?token={PASSWORD}").status == 403
    desk.goto(f"{hub.url}/services/teacher/?token={HUB_TEACHER}")
    assert desk.url.startswith(f"{hub.url}/services/teacher"), desk.url
    assert "token" not in desk.url
    wait_text(desk, 'tr[data-key="3_lstm_explorer/weight-ih-rows"] .wrong', r"\b8 × \d+")

    def danas() -> list[dict]:
        text = desk.evaluate("async () => (await fetch('/services/teacher/answers.csv')).text()")
        return [row for row in csv.DictReader(io.StringIO(text)) if row["student"] == "dana"]

    (answer,) = wait_until(danas, 30, what="dana's answer in the CSV")
    assert (answer["page"], answer["question"], answer["answer"], answer["correct"]) == \
        ("3_lstm_explorer", "weight-ih-rows", "8", "0")


def test_a_wrong_password_gets_the_login_page_again(hub, students):
    page = students()
    log_in(page, hub, "mallory", password="not-the-password")
    page.wait_for_selector("text=Invalid username or password")
    assert page.url.startswith(f"{hub.url}/hub/login")
    assert page.locator("input[name=password]").is_visible()
    assert "mallory" not in hub.servers()


def test_an_nbgitpuller_link_opens_the_explorer_for_a_new_student(hub, students, tmp_path):
    lesson = tmp_path / "lesson"  # a clone of this repository, as a teacher's would be
    subprocess.run(["git", "clone", "--quiet", str(ROOT), str(lesson)], check=True)
    branch = subprocess.run(["git", "-C", str(lesson), "rev-parse", "--abbrev-ref", "HEAD"],
                            check=True, capture_output=True, text=True).stdout.strip()
    link = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "hub_link.py"), hub.url, str(lesson),
         "--branch", branch, "--dashboard", "lstm_explorer", "--query", "hidden_size=16"],
        check=True, capture_output=True, text=True).stdout.strip()
    page = students()
    page.goto(link)  # not logged in yet: the hub asks first, then pulls, then opens
    page.fill("input[name=username]", "dave")
    page.fill("input[name=password]", PASSWORD)
    page.click("input[type=submit], button[type=submit]", no_wait_after=True)
    page.wait_for_selector(DRAWN, timeout=2 * RENDER_TIMEOUT_MS)
    assert "/user/dave/voila/render/lesson/dashboards/3_lstm_explorer.ipynb" in page.url
    assert slider_value(page, "ctl-hidden_size") == 16  # the link's preset
    home = hub.log_path.parent / "state" / "homes" / "dave"
    assert (home / "lesson" / "dashboards" / "3_lstm_explorer.ipynb").is_file()


def test_the_culler_stops_the_server_of_a_student_who_went_idle(students, tmp_path):
    hub = _hub(tmp_path, LSTM_HUB_CULL_TIMEOUT="45", LSTM_HUB_CULL_EVERY="5")
    try:
        page = students()
        log_in(page, hub, "erin")
        page.wait_for_selector(DRAWN, timeout=2 * RENDER_TIMEOUT_MS)
        assert "erin" in hub.servers()
        page.close(run_before_unload=True)  # the tab closes; nothing comes from erin again
        wait_until(lambda: "erin" not in hub.servers(), 45 + 5 + 40,
                   what="the culler stopping an idle server", details=hub.log)
        assert "Culling server" in hub.log() or "culling" in hub.log().lower()
    finally:
        hub.stop()
