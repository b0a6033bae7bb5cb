"""A page's questions, bound to its live model: asked while open, judged on Check, recorded.

The section is the page's ``QuestionPanel`` (``views.question_panel``) wired to the question
bank (``state.questions``) and the class's answer store (``store.answers``). Closed, it asks
nothing: the sliders and Play cost what they did without it. Opened, it builds a card a
question, in the order of the page's file, and asks each again when the model's view changes
(a prompt's live numbers, a choice's options). Check judges the answer on the live model, says
so on the card and records it; "Show the answer" reads the answer and its reason from the model.

Each checked answer is recorded: the page, the question's id, the page's link query (the
settings it was judged on), the answer as read ("(8, 5)" for "8 x 5"), right or wrong, and the
student (``$JUPYTERHUB_USER`` behind a hub, else an anonymous id made once a kernel, which
under Voila is once a browser tab). The store is made at the first Check, never when the page
loads; in a kernel it writes on a worker thread of its own, so a busy or lost database never
holds up the page, and a sentence comes back to the card when the answer was not saved.
"""

from __future__ import annotations

import asyncio
import functools
import logging
import os
import threading
import uuid
from concurrent.futures import ThreadPoolExecutor

from ..state import questions
from ..state.presets import state_query, view_traits
from ..state.question_answers import MAX_CHARS
from ..views.controls import MessageBanner
from ..views.question_panel import CardLooks, QuestionCard, QuestionPanel
from .kernel_loop import kernel_loop

__all__ = ["QuestionsSection", "student_id"]

log = logging.getLogger(__name__)
INTRO = ("Predict, then check: every answer is read from the live model, so it follows the "
         "settings above. An answer you check is saved for your teacher's view of the class; "
         "other students never see it.")
UNAVAILABLE = ("Your answer was checked, but it could not be saved: the class's answer store "
               "cannot be reached. Please tell your teacher.")
# what a model publishes when it is rebuilt: a page set from a link changes its settings
# quietly, then rebuilds once
BUILT = ("trace", "data")


def make_store():
    """The class's answer store (``store.answers.AnswerStore``), imported only when the first
    answer is saved: SQLAlchemy is no part of loading a page."""
    from ..store.answers import AnswerStore

    return AnswerStore()


@functools.cache
def _anonymous() -> str:
    return f"anonymous-{uuid.uuid4()}"


def student_id() -> str:
    """The JupyterHub user's name behind a hub, else this kernel's anonymous id."""
    return os.environ.get("JUPYTERHUB_USER") or _anonymous()


# the bank this kernel read, by folder: read once, by the first card or in the background
_banks: dict[str, questions.Bank] = {}
_reading = threading.Lock()
PRELOAD_AFTER_S = 1.5  # after a page is built: its first moves come first


def _bank() -> questions.Bank:
    """The question bank ``load_bank()`` reads, read once a kernel (a second thread asking
    meanwhile waits for the first's)."""
    folder = os.environ.get("LSTM_QUESTIONS", "")
    with _reading:
        if folder not in _banks:
            bank = _banks[folder] = questions.load_bank()
            for problem in bank.problems:  # the teacher's, in the server's log
                log.warning("question bank: %s", problem)
        return _banks[folder]


def preload_bank() -> None:
    """Read the bank on a thread of its own, ``PRELOAD_AFTER_S`` from now, so that opening
    the questions finds it read: checking it imports jsonschema (about a core-second), which a
    whole class opening the questions at once would otherwise wait for together. A kernel of
    Voila's warm pool reads it while it waits for its student."""
    if os.environ.get("LSTM_QUESTIONS", "") in _banks:
        return
    timer = threading.Timer(PRELOAD_AFTER_S, _bank)
    timer.daemon = True
    timer.name = "questions-preload"
    timer.start()


class QuestionsSection(QuestionPanel):
    """The page's questions on its live ``model``.

    Parameters
    ----------
    page : str
        The page's name in the question bank and the store: "1_mlp", "2_sequence_data",
        "3_lstm_explorer" or "4_training".
    model : SettingsModel
        The page's state model.
    banner : MessageBanner
        Where a refused toggle is reported.
    comparison : ComparisonModel, optional
        The training page's comparison of the three cells.
    bank : Bank, optional
        The questions (default: ``load_bank()``, the repository's or ``$LSTM_QUESTIONS``, read
        once a kernel, in the background soon after the page is built, or at the first open if
        that comes first; until then the toggle counts the files' questions unchecked, since
        checking them imports jsonschema, about a second the page's load does not wait for).

    Attributes
    ----------
    questions : list of Question -- the page's, in order, once opened ([] before)
    saving : asyncio.Future or None -- in a kernel, the last answer's write to the store
    """

    def __init__(self, page: str, model, banner: MessageBanner, comparison=None,
                 bank: questions.Bank | None = None, **kwargs):
        self.page, self.model, self.comparison = page, model, comparison
        self._bank = bank
        self.questions: list[questions.Question] = []
        super().__init__(len(bank.questions(page)) if bank is not None
                         else questions.count_questions(page), **kwargs)
        self.toggle.on_reject(lambda _control, message: banner.show(message))
        self.on_toggle(lambda is_open: self.refresh() if is_open else None)
        if bank is None and kernel_loop() is not None:
            preload_bank()
        traits = [*view_traits(model), *(n for n in BUILT if model.has_trait(n))]
        model.observe(self._on_state, names=traits)
        if comparison is not None:
            comparison.observe(self._on_state, names="status")
        self._store = None  # an AnswerStore, made at the first Check
        self._writer: ThreadPoolExecutor | None = None
        self.saving: asyncio.Future | None = None
        self._attempts: dict[str, int] = {}  # a card's checks: a late "not saved" for an old
        # one is not said over a newer answer

    # --- asking ---------------------------------------------------------------------------
    def ask(self, question: questions.Question) -> questions.Asked:
        return questions.ask(question, self.model, self.comparison)

    def refresh(self) -> None:
        """Ask every question on the live model and show its prompt (and a choice's options);
        a card whose prompt changed loses its feedback, which was about the prompt before."""
        if not self.cards:
            self.questions = (self._bank or _bank()).questions(self.page)
            self.set_count(len(self.questions))  # the ones that were read
            looks = CardLooks()  # one set of layouts and styles for all the cards
            self.show_cards([self._card(k, q, looks) for k, q in enumerate(self.questions, 1)],
                            INTRO)
        for question, card in zip(self.questions, self.cards, strict=True):
            asked = self.ask(question)
            if card.show(asked.prompt, asked.options):
                card.say("", "")

    def _card(self, number: int, question: questions.Question,
              looks: CardLooks) -> QuestionCard:
        options = question.options
        if question.kind == "choice" and options is None:
            options = self.ask(question).options
        card = QuestionCard(number, len(self.questions), question.kind, options,
                            fixed=question.options is not None, max_chars=MAX_CHARS,
                            looks=looks)
        card.on_check(lambda answer: self.check(question, card, answer))
        card.on_reveal(lambda: self.reveal(question, card))
        return card

    def _on_state(self, _change=None) -> None:
        if self.is_open:
            self.refresh()

    # --- checking -------------------------------------------------------------------------
    def check(self, question: questions.Question, card: QuestionCard, answer) -> None:
        """Judge ``answer`` on the live model, say so on ``card``, and record it."""
        if answer is None or (isinstance(answer, str) and not answer.strip()):
            card.say("problem", "Choose one of the options first." if question.kind == "choice"
                     else "Type your answer first, then check it.")
            return
        if isinstance(answer, str) and len(answer) > MAX_CHARS:
            card.say("problem", f"That answer is {len(answer):,} characters long: an answer "
                     f"is at most {MAX_CHARS}. It was not checked.")
            return
        verdict = questions.judge(question, self.model, answer, self.comparison)
        if verdict.right is None:  # unread, or the model cannot answer yet
            card.say("problem", _sentence(verdict.problem))
            return
        if verdict.right:
            card.say("right", f"{verdict.answer}. {verdict.reason}")
        else:
            card.say("wrong", " ".join(filter(None, (
                f"{verdict.answer}.", verdict.warning, "Try again, or show the answer."))))
        self._record(question, card, verdict)

    def reveal(self, question: questions.Question, card: QuestionCard) -> None:
        """Say the right answer on the live model, and why; or what to do first."""
        asked = self.ask(question)
        if asked.ready:
            card.say("answer", f"{asked.right}. {asked.reason}")
        else:
            card.say("problem", _sentence(asked.reason))

    # --- recording ------------------------------------------------------------------------
    def _record(self, question: questions.Question, card: QuestionCard, verdict) -> None:
        attempt = self._attempts[question.id] = self._attempts.get(question.id, 0) + 1
        save = functools.partial(self._save, question.id, state_query(self.model),
                                 verdict.answer, bool(verdict.right))

        def saved(sentence: str) -> None:
            if sentence and self._attempts[question.id] == attempt:
                card.note(sentence)

        loop = kernel_loop()
        if loop is None:  # a script or a test: no page to keep answering
            saved(save())
            return
        if self._writer is None:
            self._writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="answers")
        self.saving = loop.run_in_executor(self._writer, save)
        # the card is told on the loop's thread, as ipykernel expects widget updates
        self.saving.add_done_callback(lambda done: saved(done.result()))

    def _save(self, question: str, settings: str, answer: str, correct: bool) -> str:
        """Record one answer; '' when stored, else the sentence to say. Never raises."""
        try:
            if self._store is None:
                self._store = make_store()
            outcome = self._store.record(page=self.page, question=question,
                                         settings=settings, answer=answer, correct=correct,
                                         student=student_id())
        except Exception:
            log.exception("the answer store could not be used")
            return UNAVAILABLE
        return "" if outcome.stored else outcome.message


def _sentence(text: str) -> str:
    """``text`` as a sentence: a capital first, a stop last."""
    text = text.strip()
    if not text:
        return text
    text = text[0].upper() + text[1:]
    return text if text[-1] in ".!?" else text + "."
