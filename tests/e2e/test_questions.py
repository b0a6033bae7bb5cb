"""A learner answers a question in Voila and Chromium, with the keyboard, and the class's store
holds the answer; axe-core finds nothing serious in the open cards."""

from __future__ import annotations

import pytest

from driver.ui import wait_text
from driver.wait import wait_until
from widgets.store.answers import AnswerStore

from .conftest import RENDER_TIMEOUT_MS
from .test_accessibility import audit

pytestmark = pytest.mark.e2e


def test_a_learner_types_an_answer_presses_enter_and_is_told(dashboard, answer_store):
    store = AnswerStore(f"sqlite:///{answer_store}")
    earlier = len([a for a in store.answers() if a.page == "1_mlp"])  # other tests' answers
    dashboard.open("1_mlp.ipynb", "?n_x=5&n1=8")
    page = dashboard.page
    toggle = page.get_by_role("button", name="Questions (8)")  # after its icon
    toggle.wait_for(timeout=RENDER_TIMEOUT_MS)
    assert page.locator(".question-card").count() == 0  # closed: nothing built
    toggle.click()
    page.wait_for_selector(".question-card:nth-child(9) .question-prompt p")
    # a screen reader names the box by its question (the page script copies the tooltip)
    box = page.get_by_role("textbox", name="answer to question 2: a shape, like (8, 5); "
                                           "Enter checks it", exact=True)
    box.wait_for()
    feedback = ".question-card .question-feedback"
    assert page.locator(feedback).nth(1).get_attribute("role") == "status"

    box.fill("5 x 8")
    box.press("Enter")
    wait_text(page, feedback, r"^✗ Not right: \(5, 8\)\. \(5, 8\) is \(in, out\); PyTorch "
              r"stores \(out_features, in_features\)\. Try again", nth=1)
    box.fill("(8, 5)")
    box.press("Enter")
    wait_text(page, feedback, r"^✓ Right: \(8, 5\)\. On the live model, layer1\.weight has the "
              r"shape \(8, 5\)\.", nth=1)
    page.get_by_role("button", name="Show the answer to question 3, read from the live model",
                     exact=True).press("Enter")
    wait_text(page, feedback, r"^→ The answer: \(8,\)\. On the live model, layer1\.bias", nth=2)

    def both() -> list | None:  # each is written on a worker thread: wait for the second
        kept = [a for a in store.answers() if a.page == "1_mlp"]
        return kept[-2:] if len(kept) >= earlier + 2 else None
    mine = wait_until(both, 60, what="the two answers in the store")
    assert [(a.question, a.answer, a.correct) for a in mine] == [
        ("layer1-weight-shape", "(5, 8)", False), ("layer1-weight-shape", "(8, 5)", True)]
    assert mine[0].student == mine[1].student and mine[0].student.startswith("anonymous-")
    assert mine[1].settings["n_x"] == "5" and mine[1].settings["n1"] == "8"

    audit(page, "the MLP page with its questions open")
    dashboard.screenshot("questions")
