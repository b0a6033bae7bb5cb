"""The questions on each page, answered as the browser sends them, without a browser.

Every message is handed to the widgets as the kernel hands them a comm message from the
websocket: a typed answer is an update of the text box's value, Enter and the buttons are
custom messages. The answers go to a SQLite file of the test's (``LSTM_ANSWERS_DB``), read back
with the store's own reader. The right answers come from ``ask`` on the live model; the
sentences on the cards are read as a screen reader gets them.
"""

from __future__ import annotations

import asyncio
import functools
import json
from urllib.parse import parse_qsl

import ipywidgets as ipw
import pytest
import yaml

from driver.wait import wait_until
from tests.background import first, on_a_loop
from tests.test_layers import _fresh
from tests.widget_state import by_class
from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer, TrainingExplorer
from widgets.dashboards import questions_section
from widgets.dashboards.questions_section import UNAVAILABLE, student_id
from widgets.state import questions
from widgets.state.presets import state_query
from widgets.state.question_answers import format_number, format_shape
from widgets.state.question_bank import DEFAULT_FOLDER
from widgets.state.training_run import Pace
from widgets.store.answers import AnswerStore, Limits

PAGES = {"1_mlp": MLPExplorer, "2_sequence_data": SequenceExplorer,
         "3_lstm_explorer": LSTMExplorer, "4_training": TrainingExplorer}
BANK = questions.load_bank()
BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)
# the training page small enough to train, and compare its three cells, in a few seconds
TINY_TRAINING = "task=adding&hidden_size=4&seq_len=6&epochs=1&batch_size=512"


def _comm_msg(widget, data) -> None:
    """What ipykernel does with a comm_msg from the page: parse it and hand it on."""
    widget._handle_msg({"content": {"data": json.loads(json.dumps(data))}, "buffers": []})


def _update(widget, state) -> None:
    _comm_msg(widget, {"method": "update", "state": state, "buffer_paths": []})


def _event(widget, event: str) -> None:
    _comm_msg(widget, {"method": "custom", "content": {"event": event}})


def answer(card, text: str, key: bool = True) -> None:
    """Type ``text`` and press Enter (``key``) or Check; a choice is picked by its option."""
    if isinstance(card.answer, ipw.Text):
        _update(card.answer, {"value": text})
        _event(card.answer if key else card.check, "submit" if key else "click")
        return
    _update(card.answer, {"index": list(card.answer.options).index((text, text))})
    _event(card.check, "click")


class Clock:
    """The store's rate limits' clock: a minute passes between two answers, or none."""

    def __init__(self, step: float = 60.0):
        self.now, self.step = 1000.0, step

    def __call__(self) -> float:
        self.now += self.step
        return self.now


@pytest.fixture
def db(tmp_path, monkeypatch):
    """The answers' SQLite file of this test, its rate limits' clock a minute an answer."""
    path = tmp_path / "answers.sqlite3"
    monkeypatch.setenv("LSTM_ANSWERS_DB", str(path))
    monkeypatch.delenv("JUPYTERHUB_USER", raising=False)
    monkeypatch.setattr(questions_section, "make_store", functools.partial(AnswerStore,
                                                                          clock=Clock()))
    return path


def stored(path) -> list:
    return AnswerStore(f"sqlite:///{path}").answers()


def page(name: str, preset: str | None = None):
    if name == "4_training":
        return TrainingExplorer(preset=preset or TINY_TRAINING, pace=BY_BATCHES)
    return PAGES[name](preset=preset)


def wrong_answer(asked: questions.Asked) -> str | None:
    """An answer of the question's kind that is not the right one (None: a choice of one)."""
    q = asked.question
    if q.kind == "shape":
        return format_shape((*asked.value, 1))
    if q.kind == "number":
        return format_number(float(asked.value) + q.tolerance + 1)
    others = [o for o in asked.options if o != asked.value]
    return others[0] if others else None


def test_the_section_is_closed_and_asks_nothing_until_opened(db, monkeypatch):
    calls = []
    real = questions.ask
    monkeypatch.setattr(questions, "ask", lambda *a: calls.append(a[0].id) or real(*a))
    d = LSTMExplorer()
    section = by_class(d, "questions-panel")
    assert section is d.questions
    toggle = by_class(d, "ctl-questions")
    assert toggle.description == f"Questions ({len(BANK.questions('3_lstm_explorer'))})"
    assert not toggle.value and section.body.layout.display == "none"
    for step in range(1, d.model.seq_len + 1):  # Play, and the sliders, with it closed
        d.model.step = step
    d.model.hidden_size = 12
    assert calls == [] and section.cards == [] and section.questions == []
    assert not db.exists()  # and no store until the first Check

    _update(toggle, {"value": True})  # the learner opens it
    assert section.body.layout.display is None
    assert [c.prompt.value.split("</b>")[0] for c in section.cards] == \
        [f"<p><b>Question {k} of 10." for k in range(1, 11)]
    assert set(calls) == {q.id for q in section.questions}
    assert "H = 12: how many rows has <code>weight_ih_l0</code>?" in section.cards[0].prompt.value

    _update(toggle, {"value": False})
    calls.clear()
    d.model.step = 3
    d.model.hidden_size = 9
    assert calls == [] and section.body.layout.display == "none"
    assert not db.exists()


def test_a_kernel_reads_the_bank_once_in_the_background(db, monkeypatch, tmp_path):
    """In a kernel the bank is read on a thread soon after the page is built, so opening the
    questions (a whole class at once) finds it read; any number of pages and threads read it
    once."""
    import threading

    folder = tmp_path / "bank"
    folder.mkdir()
    for source in sorted(DEFAULT_FOLDER.glob("*.yaml")):
        (folder / source.name).write_text(source.read_text())
    monkeypatch.setenv("LSTM_QUESTIONS", str(folder))
    monkeypatch.setattr(questions_section, "_banks", {})
    monkeypatch.setattr(questions_section, "PRELOAD_AFTER_S", 0.0)
    reads, real = [], questions.load_bank
    monkeypatch.setattr(questions, "load_bank",
                        lambda *a: reads.append(threading.current_thread().name) or real(*a))
    monkeypatch.setattr(questions_section, "kernel_loop", lambda: asyncio.new_event_loop())
    pages = [LSTMExplorer(), MLPExplorer()]  # each starts a preload; the first one reads
    read = wait_until(lambda: questions_section._banks.get(str(folder)), 30,
                      what="the bank read in the background")
    assert reads == ["questions-preload"]
    for d in pages:
        _update(by_class(d, "ctl-questions"), {"value": True})
    assert reads == ["questions-preload"], "opening the questions read the files again"
    assert [q.id for q in pages[0].questions.questions] == \
        [q.id for q in read.questions("3_lstm_explorer")]
    assert len(pages[1].questions.cards) == len(read.questions("1_mlp"))


@pytest.mark.parametrize("name", PAGES)
def test_every_question_answered_right_and_wrong_is_said_and_recorded(db, name):
    d = page(name)
    if name == "4_training":  # so that every question can be answered
        d.train()
        d.comparison.compare()
        assert d.model.status == "trained" and d.comparison.model.status == "trained"
    section = d.questions
    _update(section.toggle, {"value": True})
    expected = []
    for k, (question, card) in enumerate(zip(section.questions, section.cards, strict=True)):
        asked = questions.ask(question, d.model, section.comparison)
        if not asked.ready:  # the explorer's bidirectional question, one way only
            answer(card, (asked.options or ("yes",))[0])
            assert card.said == f"Not checked. {asked.reason}"
            continue
        answer(card, asked.right, key=k % 2 == 0)
        assert card.said == f"Right: {asked.right}. {asked.reason}", question.id
        expected.append((question.id, asked.right, True))
        wrong = wrong_answer(asked)
        if wrong is None:
            continue
        answer(card, wrong)
        verdict = questions.judge(question, d.model, wrong, section.comparison)
        assert verdict.right is False
        said = " ".join(filter(None, (f"Not right: {verdict.answer}.", verdict.warning,
                                      "Try again, or show the answer.")))
        assert card.said == said, question.id
        assert asked.reason not in said  # the right answer is not given away
        expected.append((question.id, verdict.answer, False))
    assert len(expected) >= len(section.questions) + 2
    in_file = yaml.safe_load((DEFAULT_FOLDER / f"{name}.yaml").read_text())
    assert [q.id for q in section.questions] == [e["id"] for e in in_file["questions"]]
    records = stored(db)
    assert [(r.question, r.answer, r.correct) for r in records] == expected
    settings = dict(parse_qsl(state_query(d.model).lstrip("?")))
    assert all(r.page == name and r.settings == settings for r in records)
    assert {r.student for r in records} == {student_id()}
    assert student_id().startswith("anonymous-") and student_id() == student_id()


def test_named_wrong_answers_get_their_warning_and_show_reveals_the_answer(db):
    d = MLPExplorer(preset="n_x=5&n1=8")
    _update(d.questions.toggle, {"value": True})
    card = d.questions.cards[1]  # layer1.weight
    answer(card, "5 x 8")
    assert card.said == ("Not right: (5, 8). (5, 8) is (in, out); PyTorch stores "
                         "(out_features, in_features). Try again, or show the answer.")
    assert "live-status" in card.feedback._dom_classes  # a polite status: said as it changes
    assert "<span aria-hidden='true'>✗ </span><b>Not right</b>" in card.feedback.value
    _event(card.reveal, "click")
    assert card.said == ("The answer: (8, 5). On the live model, layer1.weight has the shape "
                         "(8, 5). nn.Linear(n_X, n[1]) stores its weight as (out_features, "
                         "in_features) = (n[1], n_X), and computes X A^T + b.")
    answer(card, "torch.Size([8, 5])")
    assert card.said.startswith("Right: (8, 5).")
    assert [(r.answer, r.correct) for r in stored(db)] == [("(5, 8)", False), ("(8, 5)", True)]

    answer(card, "8 by 5")  # not read: said how to type it, and not recorded
    assert card.said == "Not checked. Not a shape I can read: type it like (8, 5)."
    answer(card, "   ")
    assert card.said == "Not checked. Type your answer first, then check it."
    assert len(stored(db)) == 2


def test_prompts_and_options_follow_the_model_while_open(db):
    d = LSTMExplorer()
    section = d.questions
    _update(section.toggle, {"value": True})
    by_id = dict(zip((q.id for q in section.questions), section.cards, strict=True))
    rows = by_id["h-n-forward-row"]
    assert isinstance(rows.answer, ipw.Dropdown)  # the live model makes its options
    assert list(rows.answer.options) == [("0", "0")]
    answer(by_id["weight-ih-rows"], "32")
    assert by_id["weight-ih-rows"].said.startswith("Right: 32.")
    d.model.configure(num_layers=2, bidirectional=1, hidden_size=4)
    assert "H = 4: how many rows" in by_id["weight-ih-rows"].prompt.value
    assert by_id["weight-ih-rows"].said == ""  # it was about the prompt before
    assert [o for o, _ in rows.answer.options] == ["0", "1", "2", "3"]
    answer(rows, "3")  # the last row: the backward direction
    assert rows.said == ("Not right: 3. With both directions, the last row h_n[-1] is the last "
                         "layer's backward direction; its forward one is h_n[-2]. Try again, or "
                         "show the answer.")
    answer(rows, "2")
    assert rows.said.startswith("Right: 2. h_n has D·num_layers = 2·2 = 4 rows")
    choice = by_id["c-grows-or-shrinks"]
    assert isinstance(choice.answer, ipw.ToggleButtons)
    _event(choice.check, "click")  # nothing chosen yet
    assert choice.said == "Not checked. Choose one of the options first."


def test_what_the_page_forces_is_refused_with_a_sentence(db, monkeypatch):
    judged = []
    real = questions.judge
    monkeypatch.setattr(questions, "judge", lambda *a: judged.append(a) or real(*a))
    d = MLPExplorer()
    section = d.questions
    _update(section.toggle, {"value": "yes"})
    assert d.message == "Questions (8): the page may only send true or false; 'yes' was refused."
    assert not section.is_open and section.cards == []
    _update(section.toggle, {"value": True})
    card = section.cards[0]

    _update(card.answer, {"value": "(15, 5)"})
    _update(card.answer, {"value": "x" * 10_000})  # a paste of 10 kB
    assert card.said == ("Not checked. That answer is 10,000 characters long: an answer is at "
                         "most 200. It was not checked.")
    assert card.answer.value == "(15, 5)"  # the page is sent back what the kernel holds
    _update(card.answer, {"value": 15})
    assert card.said == "Not checked. The page sent an answer that is not text; it was refused."
    _update(card.answer, {"value": "(1, 2)", "disabled": True})
    assert card.said == "Not checked. answer: the page may only move the value, not disabled."
    assert card.answer.value == "(15, 5)" and not card.answer.disabled

    # the page's own limit, before any judging, whatever reaches the section
    section.check(section.questions[0], card, "(15, 5)" + " " * 10_000)
    assert card.said.startswith("Not checked. That answer is 10,007 characters long")
    assert judged == [] and not db.exists()

    choice = section.cards[-1]
    _update(choice.answer, {"index": 99})
    assert choice.said == "Not checked. answer: choose one of the 2 options; 99 was refused."
    assert choice.answer.value is None
    _event(card.answer, "submit")  # and the page carries on
    assert card.said.startswith("Right: (15, 5).") and len(stored(db)) == 1


def opened_mlp():
    d = MLPExplorer()
    _update(d.questions.toggle, {"value": True})
    return d, d.questions, d.questions.cards[0]


def test_the_store_s_refusals_are_said_beside_the_verdict(db, monkeypatch):
    # too fast: a frozen clock, so five answers empty the short bucket
    monkeypatch.setattr(questions_section, "make_store",
                        functools.partial(AnswerStore, clock=Clock(step=0)))
    _d, _section, card = opened_mlp()
    for _ in range(5):
        answer(card, "(15, 5)")
        assert card.said.startswith("Right: (15, 5).") and "saved" not in card.said
    answer(card, "(15, 5)")
    assert card.said.startswith("Right: (15, 5).")
    assert card.said.endswith("That is a lot of answers at once: wait a moment, then answer "
                              "again.")
    assert len(stored(db)) == 5

    # the store's own length limit, below the page's
    monkeypatch.setattr(questions_section, "make_store", functools.partial(
        AnswerStore, clock=Clock(), limits=Limits(max_chars=3)))
    _d, _section, card = opened_mlp()
    answer(card, "(15, 5)")
    assert card.said.startswith("Right: (15, 5).")
    assert card.said.endswith("That answer is too long to save: keep it to 3 characters or "
                              "fewer.")
    assert len(stored(db)) == 5


def test_without_a_store_the_answer_is_still_judged_and_the_page_carries_on(
        db, tmp_path, monkeypatch):
    (tmp_path / "not-a-folder").write_text("")  # the store's folder cannot be made
    monkeypatch.setenv("LSTM_ANSWERS_DB", str(tmp_path / "not-a-folder" / "answers.sqlite3"))
    d, section, card = opened_mlp()
    answer(card, "(5, 15)")
    assert card.said == ("Not right: (5, 15). (5, 15) is (n_X, n_D): in PyTorch each row of X "
                         "is one instance, so X is (n_D, n_X). Try again, or show the answer. "
                         + UNAVAILABLE)
    d.model.n_d = 20  # the page lives on
    assert "n_D = 20 instances" in card.prompt.value and card.said == ""
    answer(card, "(20, 5)")
    reason = questions.ask(section.questions[0], d.model).reason
    assert card.said == f"Right: (20, 5). {reason} {UNAVAILABLE}"
    assert d.message == "" and not db.exists()


def test_in_a_kernel_the_answer_is_saved_beside_the_loop(db, tmp_path, monkeypatch):
    """With a loop (a kernel's), Check answers at once and the store writes on a thread of
    its own; a sentence comes back to the card when it could not save."""
    _d, section, card = opened_mlp()

    async def check_twice():
        monkeypatch.setattr(questions_section, "kernel_loop", asyncio.get_running_loop)
        answer(card, "(15, 5)")
        assert card.said.startswith("Right: (15, 5).")  # said before it is saved
        said = card.said
        await section.saving
        assert len(stored(db)) == 1 and card.said == said  # saved: nothing more to say

        (tmp_path / "file").write_text("")
        monkeypatch.setenv("LSTM_ANSWERS_DB", str(tmp_path / "file" / "answers.sqlite3"))
        _d2, _section2, card2 = opened_mlp()
        told = first(card2.feedback, "value", lambda html: "could not be saved" in html)
        answer(card2, "(15, 5)")
        assert card2.said.startswith("Right: (15, 5).") and not told.done()
        await told
        assert card2.said.endswith(UNAVAILABLE)

    on_a_loop(check_twice())


def test_a_hub_user_s_answers_carry_their_name(db, monkeypatch):
    monkeypatch.setenv("JUPYTERHUB_USER", "ada")
    d = SequenceExplorer()
    _update(d.questions.toggle, {"value": True})
    answer(d.questions.cards[0], "(10, 12, 3)")
    assert [(r.student, r.question, r.correct) for r in stored(db)] == \
        [("ada", "dataset-shape", True)]


def test_every_card_control_is_named_for_its_question(db):
    d = TrainingExplorer(pace=BY_BATCHES)
    section = d.questions
    assert "predict, then check" in section.toggle.tooltip
    _update(section.toggle, {"value": True})
    for k, card in enumerate(section.cards, start=1):
        assert card.prompt.value.startswith(f"<p><b>Question {k} of 8.</b>")
        assert card.answer.tooltip.startswith(f"answer to question {k}:")
        assert card.check.tooltip == f"Check your answer to question {k}"
        assert card.reveal.tooltip.startswith(f"Show the answer to question {k}")
        for control in (card.answer, card.check, card.reveal):
            assert "named-by-tooltip" in control._dom_classes
        # and a client finds card k's widgets by its number (bench/loadtest.py does)
        for part in ("prompt", "answer", "check", "reveal", "feedback"):
            assert [w for w in (card.prompt, card.answer, card.check, card.reveal,
                                card.feedback) if f"question-{part}-{k}" in w._dom_classes
                    ] == [getattr(card, part)]
    _event(section.cards[4].reveal, "click")
    assert section.cards[4].said == ("Not checked. Train the model first: press Train and let "
                                     "it finish, then check.")
    # the prompt is text: a question file's markup is shown, never run
    assert "<code>head.weight</code>" in section.cards[2].prompt.value
    assert "&#x27;s" in section.cards[4].prompt.value


def test_a_teacher_s_file_adds_its_questions_after_and_its_markup_is_shown_as_text(
        db, tmp_path, monkeypatch):
    for built_in in DEFAULT_FOLDER.glob("*.yaml"):
        (tmp_path / built_in.name).write_text(built_in.read_text())
    (tmp_path / "5_my_class.yaml").write_text("""
page: 1_mlp
questions:
  - id: hostile
    prompt: "<img src=x onerror=alert(1)> n[1] = {n1}: the rows of `layer1.weight`?"
    check: size_of
    args: {tensor: layer1.weight}
    why: "<script>alert(2)</script> one row a unit."
    wrong:
      - answer: "{n_x}"
        says: "<b>no</b>: that is its columns."
""")
    monkeypatch.setenv("LSTM_QUESTIONS", str(tmp_path))
    d = MLPExplorer()
    section = d.questions
    assert section.toggle.description == "Questions (9)"
    _update(section.toggle, {"value": True})
    card = section.cards[-1]
    assert section.questions[-1].id == "hostile"
    assert card.prompt.value == ("<p><b>Question 9 of 9.</b> &lt;img src=x onerror=alert(1)&gt; "
                                 "n[1] = 8: the rows of <code>layer1.weight</code>?</p>")
    answer(card, "5")
    assert "&lt;b&gt;no&lt;/b&gt;: that is its columns." in card.feedback.value
    answer(card, "8")
    assert "&lt;script&gt;alert(2)&lt;/script&gt; one row a unit." in card.feedback.value
    assert "<script>" not in card.feedback.value and "<img" not in card.prompt.value


def test_loading_a_page_loads_neither_jsonschema_nor_the_store():
    """Checking the questions imports jsonschema (about a second) and saving one SQLAlchemy:
    a page pays for them when its questions are opened and first answered, not on load."""
    loaded = _fresh(
        "import json, sys\n"
        "from widgets import LSTMExplorer\n"
        "page = LSTMExplorer()\n"
        "names = ('jsonschema', 'sqlalchemy')\n"
        "closed = [n in sys.modules for n in names]\n"
        "page.questions.toggle.value = True\n"
        "print(json.dumps([closed, [n in sys.modules for n in names], "
        "page.questions.toggle.description]))")
    assert loaded == [[False, False], [True, False], "Questions (10)"]


def test_the_count_before_opening_is_of_the_questions_written(db, tmp_path, monkeypatch):
    (tmp_path / "1_mlp.yaml").write_text(
        (DEFAULT_FOLDER / "1_mlp.yaml").read_text() + "  - id: no-check\n    prompt: x\n")
    (tmp_path / "5_broken.yaml").write_text("page: 1_mlp\nquestions: [\n")  # skipped whole
    monkeypatch.setenv("LSTM_QUESTIONS", str(tmp_path))
    assert questions.count_questions("1_mlp") == 9 and questions.count_questions("4_training") == 0
    d = MLPExplorer()
    assert d.questions.toggle.description == "Questions (9)"
    _update(d.questions.toggle, {"value": True})  # read and checked: the bad one is skipped
    assert d.questions.toggle.description == "Questions (8)" and len(d.questions.cards) == 8
    assert TrainingExplorer(pace=BY_BATCHES).questions.layout.display == "none"  # none here


def _models(widget) -> list:
    """``widget``, its layout and style, and the same of everything under it: every model the
    page is sent for it."""
    found = [widget, widget.layout, *([widget.style] if hasattr(widget, "style") else [])]
    for child in getattr(widget, "children", ()):
        found += _models(child)
    return found


def test_opening_the_cards_makes_eight_widgets_a_card_and_shares_their_looks():
    """Each layout and style is a widget sent to the page: a hundred students opening ten
    cards at once waited seconds for 223 widgets each. The cards share one set."""
    page = LSTMExplorer()
    page.questions.toggle.value = True
    cards = page.questions.cards
    assert len(cards) == 10
    models = {id(m): m for card in cards for m in _models(card)}.values()
    looks = [m for m in models if type(m).__name__.endswith(("Layout", "Style"))]
    assert len(models) - len(looks) <= 8 * len(cards)  # a card, its parts and its row
    assert len(looks) <= 12  # one set for all the cards, not a layout and a style a control
    first, last = cards[0], cards[-1]
    assert first.check.layout is last.check.layout and first.check.style is last.check.style
    assert first.prompt.style is last.feedback.style
    assert page.questions.body.layout not in looks  # the panel's own, which it hides, is not
