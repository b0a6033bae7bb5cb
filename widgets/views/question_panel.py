"""The learner's questions on a page: a "Questions (n)" toggle over one card a question.

A card shows a question's prompt, an input for the answer, "Check" and "Show the answer", and a
feedback line that says in words (and a mark, never by colour alone) whether the answer was
right. The input follows the kind of answer: a text box for a shape or a number (Enter checks),
toggle buttons for a choice between fixed options, a dropdown for a choice whose options the
live model makes (the rows of h_n). Every input trusts the browser no more than the sliders do:
a forced index, a value that is not text, or an answer over ``max_chars`` is refused with a
sentence on the card's feedback line, and the page is sent back what the kernel holds.

The panel is a view: it is given prompts and sentences as plain text (escaped here; a
`backquoted` name is drawn as code) and calls back with what the learner did. Whoever owns the
questions asks the live model and judges. Closed, the panel is given nothing and asks nothing.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable, Sequence

import ipywidgets as ipw
from ipywidgets.widgets.widget_description import DescriptionStyle
from ipywidgets.widgets.widget_string import HTMLStyle, TextStyle

from .controls import GuardedToggleButton, GuardedToggleButtons, _Guarded
from .series_picker import GuardedDropdown

__all__ = ["FEEDBACK", "CardLooks", "GuardedText", "QuestionCard", "QuestionPanel",
           "as_prompt_html", "spoken"]

# what each verdict says before its sentence: a mark for the eye (hidden from screen readers)
# and the word that carries it for everyone; the colour only repeats it
FEEDBACK = {
    "right": ("✓", "Right", ": "),
    "wrong": ("✗", "Not right", ": "),
    "problem": ("!", "Not checked", ". "),
    "answer": ("→", "The answer", ": "),
}
# what a text box takes, and an example of it
HINTS = {"shape": ("a shape", "(8, 5)"), "number": ("a number", "0.25")}

QUESTION_STYLE = """<style>
.lstm-dash .question-card { border: 1px solid #d0d7de; border-radius: 6px; padding: 2px 10px 6px;
  margin: 4px 0 6px 0; max-width: 980px; }
.lstm-dash .question-card .widget-html-content { line-height: 1.45; height: auto; }
.lstm-dash .question-card .answer-label-box .widget-html-content {
  line-height: var(--jp-widgets-inline-height, 28px); }
.lstm-dash .question-prompt p { margin: 6px 0 2px 0; }
.lstm-dash .question-feedback p { margin: 2px 0; padding: 3px 10px; border-radius: 4px; }
.lstm-dash .question-feedback .feedback-right { background: #e3f4e8; color: #14532d; }
.lstm-dash .question-feedback .feedback-wrong { background: #fdecea; color: #8b1a10; }
.lstm-dash .question-feedback .feedback-problem { background: #fff4e5; color: #7a4100; }
.lstm-dash .question-feedback .feedback-answer { background: #e8f0fb; color: #1d3f72; }
.lstm-dash .question-feedback .feedback-note { background: none; color: #1f2328; }
</style>"""

_CODE = re.compile(r"`([^`]+)`")


def spoken(feedback: str) -> str:
    """A card's feedback (its HTML) as a screen reader says it: no marks, no tags."""
    text = re.sub(r"<span aria-hidden='true'>[^<]*</span>", "", feedback)
    text = re.sub(r"<[^>]+>", "", text.replace("</p>", " "))
    return " ".join(html.unescape(text).split())


def as_prompt_html(text: str) -> str:
    """``text`` escaped, with each `backquoted` name drawn as code."""
    return _CODE.sub(r"<code>\1</code>", html.escape(text))


class GuardedText(_Guarded, ipw.Text):
    """A ``Text`` whose browser side may only send text of at most ``max_chars`` characters."""

    _unnamed = "answer"

    def __init__(self, max_chars: int, **kwargs):
        super().__init__(**kwargs)
        self.max_chars = max_chars
        self._guard_init()

    def _check_synced(self, name: str, value) -> str | None:
        if not isinstance(value, str):
            return "The page sent an answer that is not text; it was refused."
        if len(value) > self.max_chars:
            return (f"That answer is {len(value):,} characters long: an answer is at most "
                    f"{self.max_chars}. It was not checked.")
        return None


class CardLooks:
    """The layouts and styles a panel's cards share.

    Every control's layout and style is a widget of its own, sent to the page when made: a card
    made its own would be 22 widgets, and a class opening ten cards at once would send 220 a
    student. None of these is changed after it is made, so one of each serves every card.
    """

    def __init__(self):
        self.card, self.plain = ipw.Layout(), ipw.Layout()
        self.row = ipw.Layout(flex_flow="row wrap", align_items="center")
        self.label = ipw.Layout(width="64px")
        self.box = ipw.Layout(width="236px")  # a text box or a dropdown
        self.auto = ipw.Layout(width="auto")
        self.html, self.button = HTMLStyle(), ipw.ButtonStyle()
        self.text, self.dropdown = TextStyle(), DescriptionStyle()
        self.choice = ipw.ToggleButtonsStyle(description_width="64px")


class QuestionCard(ipw.VBox):
    """One question: its prompt, an answer input, Check, Show the answer, and the feedback.

    Parameters
    ----------
    number, total : int
        Its place among the page's questions, for its heading and its controls' names.
    kind : str
        "shape", "number" or "choice".
    options : sequence of str, optional
        A choice's options as first shown.
    fixed : bool
        Whether a choice's options never change (toggle buttons) or follow the model (a
        dropdown).
    max_chars : int
        The longest answer the text box takes from the page.
    looks : CardLooks, optional
        The layouts and styles it shares with the other cards of its panel (its own if none).

    Attributes
    ----------
    prompt : HTML (``question-prompt``); answer : the input (``question-answer``);
    check, reveal : Buttons (``question-check``, ``question-reveal``);
    feedback : HTML (``question-feedback``), a polite status.
    Each also carries its card's number (``question-answer-3``, ...): a client without the
    page's layout (the load test) finds card k's widgets by those.
    """

    def __init__(self, number: int, total: int, kind: str, options: Sequence[str] | None = None,
                 fixed: bool = True, max_chars: int = 200, looks: CardLooks | None = None,
                 **kwargs):
        looks = looks or CardLooks()
        super().__init__(**{"layout": looks.card, **kwargs})
        self.add_class("question-card")
        self.number, self.kind = number, kind
        self._heading = f"Question {number} of {total}."
        self.prompt = ipw.HTML(layout=looks.plain, style=looks.html)
        self.prompt.add_class("question-prompt")
        # ipywidgets 8 drops the tooltip of a text box or a dropdown that has a description:
        # those two show a label of their own, and carry their name in the tooltip
        label = ipw.HTML("<span class='answer-label' aria-hidden='true'>answer</span>",
                         layout=looks.label, style=looks.html)
        label.add_class("answer-label-box")
        if kind != "choice":
            what, example = HINTS[kind]
            self.answer = GuardedText(max_chars, placeholder=f"e.g. {example}",
                                      tooltip=f"answer to question {number}: {what}, like "
                                              f"{example}; Enter checks it",
                                      continuous_update=True, layout=looks.box,
                                      style=looks.text)
            self.answer.on_msg(self._on_message)
        elif fixed:
            self.answer = GuardedToggleButtons(
                options=[(o, o) for o in options or ()], value=None, description="answer",
                tooltip=f"answer to question {number}: choose one",
                style=looks.choice, layout=looks.auto)
            label = None
        else:
            self.answer = GuardedDropdown(
                options=[(o, o) for o in options or ()], value=None,
                tooltip=f"answer to question {number}: choose one", layout=looks.box,
                style=looks.dropdown)
            self.answer._unnamed = "answer"  # what its refusals call it
        self.answer.add_class("question-answer")
        self.answer.on_reject(lambda _control, sentence: self.say("problem", sentence))
        self.check = ipw.Button(description="Check", icon="check",
                                tooltip=f"Check your answer to question {number}",
                                layout=looks.plain, style=looks.button)
        self.reveal = ipw.Button(description="Show the answer", icon="eye",
                                 tooltip=f"Show the answer to question {number}, read from "
                                         "the live model",
                                 layout=looks.auto, style=looks.button)
        self.check.add_class("question-check")
        self.reveal.add_class("question-reveal")
        # a screen reader names each by its tooltip, which says which question (accessibility.js)
        for control in (self.answer, self.check, self.reveal):
            control.add_class("named-by-tooltip")
        self.feedback = ipw.HTML(layout=looks.plain, style=looks.html)
        self.feedback.add_class("question-feedback")
        self.feedback.add_class("live-status")  # said by a screen reader as it changes
        for part in ("prompt", "answer", "check", "reveal", "feedback"):
            getattr(self, part).add_class(f"question-{part}-{number}")
        self._checked: Callable[[object], None] | None = None
        self.check.on_click(lambda _b: self._submit())
        self.children = [self.prompt,
                         ipw.HBox([*([label] if label else []), self.answer, self.check,
                                   self.reveal], layout=looks.row),
                         self.feedback]
        self._said = ""  # the feedback's sentence, before any note

    def on_check(self, callback: Callable[[object], None]) -> None:
        """``callback(answer)`` on Check or Enter: the text typed, or the option chosen (None
        when none is)."""
        self._checked = callback

    def on_reveal(self, callback: Callable[[], None]) -> None:
        """``callback()`` on "Show the answer"."""
        self.reveal.on_click(lambda _b: callback())

    def show(self, prompt: str, options: Sequence[str] | None = None) -> bool:
        """Show ``prompt`` (plain text) and, for a choice, ``options``; the one chosen stays
        chosen while it is still an option. True when the prompt is another than before."""
        value = (f"<p><b>{html.escape(self._heading)}</b> {as_prompt_html(prompt)}</p>")
        changed = value != self.prompt.value
        self.prompt.value = value
        if self.kind == "choice" and options is not None:
            options = [(o, o) for o in options]
            if list(self.answer.options) != options:
                chosen = self.answer.value
                with self.answer.hold_sync():
                    self.answer.options = options
                    self.answer.value = chosen if (chosen, chosen) in options else None
        return changed

    def say(self, verdict: str, sentence: str) -> None:
        """The feedback line: ``verdict`` (a key of ``FEEDBACK``) and its sentence, plain
        text; "" clears it."""
        if not verdict:
            self._said = self.feedback.value = ""
            return
        mark, word, joint = FEEDBACK[verdict]
        self._said = (f"<p class='feedback-{verdict}'><span aria-hidden='true'>{mark} </span>"
                      f"<b>{word}</b>{joint}{as_prompt_html(sentence)}</p>")
        self.feedback.value = self._said

    def note(self, sentence: str) -> None:
        """A second line under the feedback (plain text): e.g. that the answer was not saved."""
        self.feedback.value = (self._said + "<p class='feedback-note'>"
                               f"{html.escape(sentence)}</p>")

    @property
    def said(self) -> str:
        """The feedback line's text, as a screen reader says it ('' when empty)."""
        return spoken(self.feedback.value)

    def _on_message(self, _widget, content, _buffers) -> None:
        if isinstance(content, dict) and content.get("event") == "submit":  # Enter
            self._submit()

    def _submit(self) -> None:
        if self._checked is not None:
            self._checked(self.answer.value)


class QuestionPanel(ipw.VBox):
    """A "Questions (n)" toggle (``ctl-questions``) over the page's question cards.

    Closed at first, and nothing is shown or asked while closed; ``on_toggle`` hears it open
    and close. The cards are given with ``show_cards`` (once, when first opened).

    Attributes
    ----------
    toggle : GuardedToggleButton -- open or closed; ``toggle.on_reject`` hears refused values
    body : VBox (``questions-body``) -- the cards, shown while open
    cards : list of QuestionCard
    """

    def __init__(self, count: int, **kwargs):
        super().__init__(**kwargs)
        self.add_class("questions-panel")
        self.toggle = GuardedToggleButton(
            value=False, icon="question-circle",
            layout=ipw.Layout(width="auto", align_self="flex-start"))
        self.toggle.add_class("ctl-questions")
        self.set_count(count)
        self.body = ipw.VBox(layout=ipw.Layout(display="none"))
        self.body.add_class("questions-body")
        self.cards: list[QuestionCard] = []
        self._toggled: list[Callable[[bool], None]] = []
        self.toggle.observe(self._on_toggle, names="value")
        self.children = [self.toggle, self.body]
        if count == 0:  # a page without questions shows no toggle
            self.layout.display = "none"

    def set_count(self, count: int) -> None:
        """Say how many questions the page has, on the toggle."""
        with self.toggle.hold_sync():
            self.toggle.description = f"Questions ({count})"
            self.toggle.tooltip = (f"{count} questions on this page: predict, then check your "
                                   "answer against the live model")

    @property
    def is_open(self) -> bool:
        return self.toggle.value

    def on_toggle(self, callback: Callable[[bool], None]) -> None:
        """``callback(is_open)`` when the learner opens or closes the panel."""
        self._toggled.append(callback)

    def show_cards(self, cards: Sequence[QuestionCard], intro: str) -> None:
        """Put ``cards`` in the panel under ``intro`` (plain text)."""
        self.cards = list(cards)
        self.body.children = [ipw.HTML(f"{QUESTION_STYLE}<p class='hint'>"
                                       f"{html.escape(intro)}</p>"), *self.cards]

    def _on_toggle(self, _change=None) -> None:
        for callback in self._toggled:  # the cards are filled in before they are shown
            callback(self.is_open)
        self.body.layout.display = None if self.is_open else "none"
