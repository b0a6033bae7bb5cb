"""The teacher's page: the class's answers, live, behind the teacher's own token.

Routes, under the server's base URL (or a hub service's prefix, ``classroom.teacher_app``):

- ``teacher``: the page. Every question of the four dashboards, in the tutorial's order, with
  how many students answered it, how many got it right, and the wrong answers grouped (most
  frequent first), for the current class session or an earlier one. Its script asks for
  ``teacher/class.json`` every few seconds and updates the numbers in place.
- ``teacher/class.json``: the same, as JSON (``widgets.state.class_answers``).
- ``teacher/answers.csv``: the answers of one session, or of all, as CSV (a file to save).
- ``teacher/session`` (POST): start a new session for the next class; nothing is deleted.

Access is the teacher's token only, never the students' class token: ``?token=<teacher token>``
once (the page then sets a signed cookie, limited to these routes, and sends the browser on to
the address without the token, so the token is not on the projector nor in the history), or
an ``Authorization: token <teacher token>`` header (a script fetching the CSV). Anything else
gets 403 and a page that says where the teacher's address is. The pages forbid framing, send
no referrer and are never cached.

The store is read on a worker thread, so a slow database never holds up the server's loop
(which carries every student's kernel messages).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import secrets
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import jinja2
import tornado.web
from markupsafe import Markup

from widgets.state.class_answers import ClassView, class_view
from widgets.state.question_bank import Bank, load_bank
from widgets.views.nav import PAGES as NAV

__all__ = ["COOKIE", "TeacherDesk", "teacher_handlers"]

log = logging.getLogger(__name__)
HERE = Path(__file__).resolve().parent
COOKIE = "lstm-teacher"
REFRESH_S = 3  # how often the page asks for the class's numbers
ASSET_TYPES = {"js": "text/javascript", "css": "text/css"}
LABEL_CHARS = 200  # a session's label (the store's limit)
TITLES = {notebook.removesuffix(".ipynb"): title for notebook, title in NAV}
_templates = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"),
                                autoescape=True, trim_blocks=True, lstrip_blocks=True)


def make_token() -> str:
    return secrets.token_urlsafe(24)


class TeacherDesk:
    """What the teacher's routes read and do: the answer store (made at the first request, on
    the desk's own thread) and the question bank (read once).

    Parameters
    ----------
    token : str
        The teacher's token; never the class's.
    store : callable, optional
        Makes the ``AnswerStore`` (default: the one ``$LSTM_ANSWERS_URL`` or
        ``$LSTM_ANSWERS_DB`` names, as the kernels' is).
    bank : Bank, optional
        The questions (default ``load_bank()``, the files the pages read).
    """

    def __init__(self, token: str, store=None, bank: Bank | None = None):
        if not token:
            raise ValueError("The teacher's page needs a token of its own.")
        self.token = token
        self.fingerprint = hashlib.sha256(token.encode()).hexdigest()
        self._make_store = store
        self._store = None
        self._bank = bank
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="teacher")

    def allows(self, token: str | None) -> bool:
        return bool(token) and hmac.compare_digest(token.encode(), self.token.encode())

    async def run(self, work, *args):
        """``work(*args)`` on the desk's thread."""
        return await asyncio.get_running_loop().run_in_executor(self._thread, work, *args)

    @property
    def store(self):
        if self._store is None:
            if self._make_store is None:
                from widgets.store.answers import AnswerStore

                self._make_store = AnswerStore
            self._store = self._make_store()
        return self._store

    @property
    def bank(self) -> Bank:
        if self._bank is None:
            self._bank = load_bank()
            for problem in self._bank.problems:
                log.warning("question bank: %s", problem)
        return self._bank

    def view(self, session: int | None = None) -> tuple[ClassView, list]:
        """The class's view of ``session`` (default the current one), and every session."""
        store = self.store
        view = class_view(store.activity(session), store.summary(session), self.bank, TITLES)
        return view, store.sessions()

    def csv(self, session) -> str:
        return self.store.export_csv(session)

    def new_session(self, label: str):
        return self.store.new_session(label)


class TeacherHandler(tornado.web.RequestHandler):
    """The teacher's token or cookie in front of every route; headers that keep it private."""

    def initialize(self, desk: TeacherDesk, base: str):
        self.desk, self.base = desk, base

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")
        self.set_header("X-Frame-Options", "DENY")
        self.set_header("Referrer-Policy", "no-referrer")
        self.set_header("X-Content-Type-Options", "nosniff")
        self.set_header("Content-Security-Policy",
                        "default-src 'none'; script-src 'self'; style-src 'self'; "
                        "connect-src 'self'; img-src 'self'; form-action 'self'; "
                        "frame-ancestors 'none'; base-uri 'none'")

    def prepare(self):
        token = self.get_query_argument("token", None)
        if token is not None:
            if not self.desk.allows(token):
                return self._refuse("That is not the teacher's token.")
            self.set_signed_cookie(COOKIE, self.desk.fingerprint, expires_days=None,
                                   path=self.base, httponly=True, samesite="Strict",
                                   secure=self.request.protocol == "https")
            if self.request.method == "GET":  # the same address without the token
                rest = [(k, v) for k, vs in self.request.query_arguments.items()
                        for v in vs if k != "token"]
                self.redirect(self.request.path + ("?" + urlencode(
                    [(k, v.decode()) for k, v in rest]) if rest else ""))
            return None
        header = self.request.headers.get("Authorization", "")
        if header.lower().startswith("token ") and self.desk.allows(header[6:].strip()):
            return None
        cookie = self.get_signed_cookie(COOKIE, max_age_days=1)
        if cookie is not None and hmac.compare_digest(cookie, self.desk.fingerprint.encode()):
            return None
        return self._refuse("This page is the teacher's: it opens with the teacher's token.")

    def _refuse(self, why: str):
        self.set_status(403)
        self.finish(_templates.get_template("teacher_refused.html").render(why=why,
                                                                          base=self.base))

    def session_argument(self, allow_all: bool = False):
        """``?session=`` as a session id, ``"all"`` (where allowed) or None (the current)."""
        raw = self.get_query_argument("session", "")
        if raw == "" or raw == "current":
            return None
        if allow_all and raw == "all":
            return "all"
        if not raw.isdigit() or len(raw) > 9:
            raise tornado.web.HTTPError(400, "session is a session's number, or 'all'")
        return int(raw)

    def write_error(self, status_code: int, **kwargs):
        reason = self._reason
        if "exc_info" in kwargs:
            error = kwargs["exc_info"][1]
            if isinstance(error, tornado.web.HTTPError) and error.log_message:
                reason = error.log_message
        self.set_header("Content-Type", "text/plain; charset=utf-8")
        self.finish(f"{status_code}: {reason}. Go back to the teacher's page and try again.\n")


class ClassPage(TeacherHandler):
    async def get(self):
        session = self.session_argument()
        try:
            view, sessions = await self.desk.run(self.desk.view, session)
        except ValueError as error:  # no such session
            raise tornado.web.HTTPError(404, str(error)) from None
        current = sessions[-1].id
        self.finish(_templates.get_template("teacher.html").render(
            view=view, sessions=sessions, live=view.session.id == current,
            refresh_s=REFRESH_S, xsrf=Markup(self.xsrf_form_html()), label_chars=LABEL_CHARS,
            json_url=f"{self.base}/class.json"
                     + ("" if session is None else f"?session={session}"),
            csv_url=f"{self.base}/answers.csv", base=self.base))


class ClassJSON(TeacherHandler):
    async def get(self):
        try:
            view, _sessions = await self.desk.run(self.desk.view, self.session_argument())
        except ValueError as error:
            raise tornado.web.HTTPError(404, str(error)) from None
        self.set_header("Content-Type", "application/json; charset=utf-8")
        self.finish(json.dumps(view.to_json()))


class AnswersCSV(TeacherHandler):
    async def get(self):
        session = self.session_argument(allow_all=True)
        try:
            text = await self.desk.run(self.desk.csv, session)
        except ValueError as error:
            raise tornado.web.HTTPError(404, str(error)) from None
        name = f"answers-{'all-sessions' if session == 'all' else session or 'current'}.csv"
        self.set_header("Content-Type", "text/csv; charset=utf-8")
        self.set_header("Content-Disposition", f'attachment; filename="{name}"')
        self.finish(text)


class NewSession(TeacherHandler):
    async def post(self):
        self.check_xsrf_cookie()
        label = self.get_body_argument("label", "").strip()
        if len(label) > LABEL_CHARS:
            raise tornado.web.HTTPError(400, f"a session's label is at most {LABEL_CHARS} "
                                             "characters")
        try:
            await self.desk.run(self.desk.new_session, label)
        except ValueError as error:
            raise tornado.web.HTTPError(400, str(error)) from None
        self.redirect(self.base, status=303)


class Asset(TeacherHandler):
    """The page's script and style sheet: nothing secret, so also for the refusal page."""

    def prepare(self):
        return None

    def get(self, kind: str):
        self.set_header("Content-Type", f"{ASSET_TYPES[kind]}; charset=utf-8")
        self.finish((HERE / "templates" / f"teacher.{kind}").read_text())


def teacher_handlers(at: str, desk: TeacherDesk) -> list[tuple]:
    """The teacher's routes: the page at the path ``at`` ("/teacher" on the classroom server,
    "/services/teacher" as a hub's service), the rest under it."""
    base = "/" + at.strip("/")
    args = {"desk": desk, "base": base}
    return [(base, ClassPage, args), (f"{base}/", ClassPage, args),
            (f"{base}/class.json", ClassJSON, args),
            (f"{base}/answers.csv", AnswersCSV, args), (f"{base}/session", NewSession, args),
            (rf"{base}/teacher\.(js|css)", Asset, args)]
