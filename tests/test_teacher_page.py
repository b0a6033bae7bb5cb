"""The teacher's page over real HTTP, headless: a tornado server with the classroom's teacher
routes and a real answer store (SQLite in a temporary folder) that a "student" writes to.

Access (no token, the class token, a wrong token: 403; the teacher's token once: a cookie,
then the address without it), what the page and its JSON show (every question in the bank's
order, the counts, the wrong answers grouped, a hostile answer as text), the CSV export, a new
session (XSRF required; the old one kept and readable), bad queries, and the headers that keep
the page private. The page in Chromium, live, with a student answering in Voila, is
tests/e2e/test_teacher.py.
"""

from __future__ import annotations

import csv
import io
import json
import re
from http.cookies import SimpleCookie
from urllib.parse import urlencode

import pytest
import tornado.web
from tornado.testing import AsyncHTTPTestCase

from classroom.teacher import COOKIE, TeacherDesk, teacher_handlers
from widgets.state.class_answers import MORE_WRONG, class_view, teacher_prompt
from widgets.state.question_bank import PAGES, load_bank
from widgets.store.answer_records import Activity, QuestionSummary, Session
from widgets.store.answers import AnswerStore

TEACHER, CLASS = "teacher-secret-token", "class-token-the-students-have"
BANK = load_bank()


class TeacherPageCase(AsyncHTTPTestCase):
    """One server a test; ``self.store`` writes as the students' kernels do."""

    @pytest.fixture(autouse=True)
    def _folder(self, tmp_path):
        self.url = f"sqlite:///{tmp_path / 'answers.sqlite3'}"

    def get_app(self):
        self.store = AnswerStore(self.url)
        self.desk = TeacherDesk(TEACHER, store=lambda: AnswerStore(self.url), bank=BANK)
        return tornado.web.Application(teacher_handlers("/teacher", self.desk),
                                       cookie_secret="a test's secret")

    def record(self, question, answer, correct, student, page="1_mlp"):
        assert self.store.record(page=page, question=question, settings="n_x=5&n1=8",
                                 answer=answer, correct=correct, student=student)

    def login(self) -> str:
        """The teacher's first visit: the cookie it sets, as a Cookie header."""
        first = self.fetch(f"/teacher?token={TEACHER}&session=1", follow_redirects=False)
        assert first.code == 302
        assert first.headers["Location"] == "/teacher?session=1", "the token stays in the URL"
        jar = SimpleCookie(first.headers["Set-Cookie"])
        morsel = jar[COOKIE]
        assert morsel["path"] == "/teacher" and morsel["httponly"]
        assert morsel["samesite"] == "Strict"
        return f"{COOKIE}={morsel.value}"

    def teacher(self, path, **kwargs):
        return self.fetch(path, headers={"Cookie": self.login(), **kwargs.pop("headers", {})},
                          **kwargs)


class TestAccess(TeacherPageCase):
    def test_only_the_teachers_token_opens_it(self):
        for path in ("/teacher", f"/teacher?token={CLASS}", "/teacher?token=",
                     "/teacher/class.json", f"/teacher/answers.csv?token={CLASS}"):
            refused = self.fetch(path, follow_redirects=False)
            assert refused.code == 403, path
            assert b"make classroom" in refused.body and b"/teacher?token=" in refused.body
        page = self.teacher("/teacher")
        assert page.code == 200 and b"The class's answers" in page.body

    def test_a_forged_cookie_or_header_is_refused(self):
        forged = self.fetch("/teacher", headers={"Cookie": f"{COOKIE}={'0' * 64}"})
        assert forged.code == 403
        assert self.fetch("/teacher/class.json",
                          headers={"Authorization": f"token {CLASS}"}).code == 403
        assert self.fetch("/teacher/class.json",
                          headers={"Authorization": f"token {TEACHER}"}).code == 200

    def test_the_page_is_private_in_its_headers(self):
        page = self.teacher("/teacher")
        assert page.headers["Cache-Control"] == "no-store"
        assert page.headers["X-Frame-Options"] == "DENY"
        assert page.headers["Referrer-Policy"] == "no-referrer"
        assert "frame-ancestors 'none'" in page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in page.headers["Content-Security-Policy"]
        assert 'style="' not in page.body.decode() and "<script>" not in page.body.decode()
        for asset in ("/teacher/teacher.js", "/teacher/teacher.css"):  # the refusal uses them
            assert self.fetch(asset).code == 200


class TestWhatItShows(TeacherPageCase):
    def test_every_question_in_the_banks_order_with_the_classs_counts(self):
        self.record("layer1-weight-shape", "(5, 8)", False, "ana")
        self.record("layer1-weight-shape", "(5, 8)", False, "ben")
        self.record("layer1-weight-shape", "(8, 5)", True, "ana")
        self.record("layer1-weight-shape", "(8,)", False, "cem")
        view = json.loads(self.teacher("/teacher/class.json").body)
        assert view["status"] == "Session 1: 3 students, 4 answers, 1 right."
        assert [p["page"] for p in view["pages"]] == list(PAGES)
        mlp = view["pages"][0]
        assert mlp["title"] == "1 · The feed-forward network"
        assert [r["id"] for r in mlp["rows"]] == [q.id for q in BANK.questions("1_mlp")]
        row = next(r for r in mlp["rows"] if r["id"] == "layer1-weight-shape")
        assert (row["answered"], row["right"], row["attempts"]) == (3, 1, 4)
        assert row["right_text"] == "1 of 3 right (33%); 0 at the first try."
        assert row["wrong"] == [["(5, 8)", 2], ["(8,)", 1]]
        assert row["wrong_text"] == "3 wrong answers, 2 different."
        assert row["prompt"] == "n_X = …, n[1] = …: what is the shape of `layer1.weight`?"
        assert row["number"] == str(1 + [q.id for q in BANK.questions("1_mlp")]
                                    .index("layer1-weight-shape"))
        untouched = mlp["rows"][0]
        assert (untouched["answered"], untouched["right_text"]) == (0, "Nobody has answered yet.")

        html = self.teacher("/teacher").body.decode()
        assert html.count("<tr data-key=") == sum(len(BANK.questions(p)) for p in PAGES)
        assert "1 of 3 right (33%); 0 at the first try." in html
        assert "<code>(5, 8)</code> × 2" in html

    def test_a_hostile_answer_is_shown_as_text(self):
        self.record("x-shape", "<script>alert(1)</script>", False, "eve")
        self.record("x-shape", '"><img src=x onerror=alert(1)>', False, "eve")
        html = self.teacher("/teacher").body.decode()
        assert "<script>alert" not in html and "<img src=x" not in html
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        row = json.loads(self.teacher("/teacher/class.json").body)["pages"][0]["rows"][0]
        assert ["<script>alert(1)</script>", 1] in row["wrong"]  # JSON; the script sets text

    def test_an_answer_to_a_question_the_bank_lost_is_still_shown(self):
        self.record("a-question-since-removed", "42", True, "ana")
        self.record("q", "1", True, "ana", page="0_renamed")
        view = json.loads(self.teacher("/teacher/class.json").body)
        lost = view["pages"][0]["rows"][-1]
        assert (lost["id"], lost["number"], lost["answered"]) == \
            ("a-question-since-removed", "", 1)
        assert "no longer in the question bank" in lost["prompt"]
        assert view["pages"][-1]["title"] == "Other pages"
        assert view["pages"][-1]["rows"][0]["key"] == "0_renamed/q"


class TestSessionsAndExport(TeacherPageCase):
    def test_the_csv_of_a_session_or_of_all(self):
        self.record("x-shape", "=HYPERLINK(\"http://evil\")", False, "ana")
        self.store.new_session("second class")
        self.record("x-shape", "(4, 3)", True, "ben")
        current = self.teacher("/teacher/answers.csv")
        assert current.headers["Content-Disposition"] == \
            'attachment; filename="answers-current.csv"'
        rows = list(csv.DictReader(io.StringIO(current.body.decode())))
        assert [(r["session"], r["student"], r["answer"]) for r in rows] == \
            [("2", "ben", "(4, 3)")]
        every = self.fetch("/teacher/answers.csv?session=all",
                           headers={"Authorization": f"token {TEACHER}"})
        rows = list(csv.DictReader(io.StringIO(every.body.decode())))
        assert [r["session"] for r in rows] == ["1", "2"]
        assert rows[0]["answer"].startswith("'=HYPERLINK"), "a formula must stay text"

    def test_a_new_session_needs_the_pages_form_and_keeps_the_old(self):
        self.record("x-shape", "(8, 5)", False, "ana")
        cookie = self.login()
        forged = self.fetch("/teacher/session", method="POST", body="label=x",
                            headers={"Cookie": cookie})
        assert forged.code == 403, "a POST without the page's XSRF token must be refused"
        page = self.fetch("/teacher", headers={"Cookie": cookie})
        xsrf = re.search(r'name="_xsrf" value="([^"]+)"', page.body.decode()).group(1)
        xsrf_cookie = SimpleCookie(page.headers["Set-Cookie"])["_xsrf"].value
        made = self.fetch("/teacher/session", method="POST", follow_redirects=False,
                          body=urlencode({"_xsrf": xsrf, "label": "Tuesday, 2nd period"}),
                          headers={"Cookie": f"{cookie}; _xsrf={xsrf_cookie}"})
        assert made.code == 303 and made.headers["Location"] == "/teacher"
        now = json.loads(self.teacher("/teacher/class.json").body)
        assert (now["session"]["label"], now["answers"]) == ("Tuesday, 2nd period", 0)
        old = self.teacher("/teacher?session=1").body.decode()
        assert 'data-live="no"' in old and "Session 1: 1 student, 1 answer, 0 right." in old
        assert self.store.sessions()[0].answers == 1, "nothing is deleted"

    def test_bad_queries_get_a_sentence(self):
        for query, code in (("session=banana", 400), ("session=-1", 400),
                            ("session=" + "9" * 40, 400), ("session=99", 404)):
            reply = self.teacher(f"/teacher/class.json?{query}")
            assert reply.code == code, query
            assert b"Go back to the teacher's page" in reply.body
        assert self.teacher("/teacher?session=99").code == 404


def test_a_prompt_shows_its_live_numbers_as_ellipses():
    assert teacher_prompt("H = {H}: rows of `weight_ih_l0`?") == \
        "H = …: rows of `weight_ih_l0`?"
    assert teacher_prompt("c = {c:.3f}, f = {f}") == "c = …, f = …"
    assert teacher_prompt("a lone { brace") == "a lone { brace"


def test_many_different_wrong_answers_are_cut_to_the_most_frequent():
    from datetime import UTC, datetime

    wrong = tuple((f"({k},)", 20 - k) for k in range(MORE_WRONG + 3))
    summary = [QuestionSummary("1_mlp", "x-shape", 30, 5, 60, wrong)]
    session = Session(1, "Session 1", datetime.now(UTC), 60)
    view = class_view(Activity(session, 30, 60, 5, datetime.now(UTC)), summary, BANK)
    row = view.pages[0].rows[0]
    assert row.wrong == wrong[:MORE_WRONG]
    rest = sum(n for _, n in wrong[MORE_WRONG:])
    assert row.wrong_text == (f"{sum(n for _, n in wrong)} wrong answers, {len(wrong)} "
                              f"different; the 3 least frequent ({rest} in all) are in the CSV.")
    assert view.status == "Session 1: 30 students, 60 answers, 5 right."
