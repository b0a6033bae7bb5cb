"""The question bank: YAML files of questions, one page each, read safely and checked.

A file is data: the page it is for and a list of questions, each naming one of the checks the
project provides (``question_checks.CHECKS``) with arguments from the page's vocabulary
(``question_facts``), never code. Files are read with PyYAML's safe loader, refusing tags
beyond plain data, anchors and aliases (no "billion laughs"), files over ``MAX_BYTES`` and
nesting past the parser's depth; each question is checked against a JSON Schema made from
the checks and the page's names (``question_schema``). A bad question is reported as
"file:line: sentence" and skipped; the others load.

The folder is ``questions/`` at the repository's top, or ``$LSTM_QUESTIONS``; a teacher adds
a file there (``5_more.yaml`` with ``page: 1_mlp`` adds to the MLP page, after the ones
before it by name).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from .question_checks import CHECKS
from .question_facts import EXPLORER, MLP, SEQUENCE, Vocabulary
from .question_schema import label, schema_problem, templates_problem
from .question_training import TRAINING

__all__ = ["DEFAULT_FOLDER", "PAGES", "Bank", "Question", "WrongAnswer", "count_questions",
           "load_bank", "read_file"]

PAGES: dict[str, Vocabulary] = {v.page: v for v in (MLP, SEQUENCE, EXPLORER, TRAINING)}
DEFAULT_FOLDER = Path(__file__).resolve().parents[2] / "questions"
MAX_BYTES = 256 * 1024  # a page's questions fit in a few kB
MAX_QUESTIONS = 200  # a file's


@dataclass(frozen=True)
class WrongAnswer:
    """A wrong answer the tutorial warns about, and what to say to it; both may hold
    ``{placeholders}`` filled from the live model."""

    answer: str
    says: str


@dataclass(frozen=True)
class Question:
    """One question of a page, as its file gives it.

    ``kind`` is the check's: "shape", "number" or "choice". ``options`` are a choice's fixed
    options, or None for a number, a shape, or a choice whose options the live model makes
    (``ask`` gives them). ``tolerance`` is how far a number may be from the right one.
    ``source`` is where it was written, "file:line".
    """

    id: str
    page: str
    prompt: str
    kind: str
    check: str
    args: Mapping = field(hash=False)
    options: tuple[str, ...] | None = None
    tolerance: float = 0.0
    why: str = ""
    wrong: tuple[WrongAnswer, ...] = ()
    source: str = ""


@dataclass
class Bank:
    """Every page's questions, in order, and the problems met while reading them."""

    by_page: dict[str, list[Question]] = field(default_factory=lambda: {p: [] for p in PAGES})
    problems: list[str] = field(default_factory=list)

    def questions(self, page: str) -> list[Question]:
        if page not in PAGES:
            raise ValueError(f"No page {page!r}: the pages are {', '.join(PAGES)}.")
        return list(self.by_page[page])

    def question(self, page: str, id: str) -> Question | None:
        return next((q for q in self.questions(page) if q.id == id), None)


def load_bank(folder: str | os.PathLike | None = None) -> Bank:
    """Read every ``*.yaml`` and ``*.yml`` file of ``folder`` (else ``$LSTM_QUESTIONS``, else
    the repository's ``questions/``) in the order of their names."""
    folder = _folder(folder)
    bank = Bank()
    if not folder.is_dir():
        bank.problems.append(f"{folder}: no such folder of questions.")
        return bank
    for path in _files(folder):
        read_file(path, bank)
    return bank


def count_questions(page: str, folder: str | os.PathLike | None = None) -> int:
    """How many questions the files ``load_bank`` reads hold for ``page``, read but not
    checked: cheap (no JSON Schema), for a page that shows the count before the questions.
    A file ``load_bank`` skips whole counts none; a question it skips still counts."""
    if page not in PAGES:
        raise ValueError(f"No page {page!r}: the pages are {', '.join(PAGES)}.")
    folder, unsaid = _folder(folder), Bank()
    found = (_read_top(path, unsaid)[:2] for path in _files(folder)) if folder.is_dir() else ()
    return sum(min(len(entries), MAX_QUESTIONS) for of, entries in found if of == page)


def _folder(folder: str | os.PathLike | None) -> Path:
    return Path(folder or os.environ.get("LSTM_QUESTIONS") or DEFAULT_FOLDER)


def _files(folder: Path) -> list[Path]:
    """The question files of ``folder``, in the order of their names."""
    return sorted(p for p in folder.iterdir() if p.suffix in (".yaml", ".yml")
                  and not p.name.startswith(".") and p.is_file())


# --- reading a file safely ----------------------------------------------------------------
class _Loader(yaml.SafeLoader):
    """The safe loader, refusing anchors and aliases before anything is built from them."""

    def compose_node(self, parent, index):
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases (&name, *name) are not allowed in a "
                "question file", event.start_mark)
        return super().compose_node(parent, index)


def read_file(path: Path, bank: Bank) -> None:
    """Add the good questions of ``path`` to ``bank``, and a problem for each bad one."""
    name = path.name
    page, entries, loader = _read_top(path, bank)
    if page is None:
        return
    seen = {q.id for q in bank.by_page[page]}
    for node in entries[:MAX_QUESTIONS]:
        try:
            question = _question(name, page, node, loader, bank)
        except RecursionError:
            bank.problems.append(f"{name}:{node.start_mark.line + 1}: the question is nested "
                                 "too deeply; skipped.")
            continue
        if question is None:
            continue
        if question.id in seen:
            bank.problems.append(f"{question.source}: the id {question.id!r} is already a "
                                 f"question of {page}; skipped.")
            continue
        seen.add(question.id)
        bank.by_page[page].append(question)
    if len(entries) > MAX_QUESTIONS:
        bank.problems.append(f"{name}:{entries[MAX_QUESTIONS].start_mark.line + 1}: more than "
                             f"{MAX_QUESTIONS} questions in one file; the rest were skipped.")


def _read_top(path: Path, bank: Bank) -> tuple[str | None, list, yaml.SafeLoader | None]:
    """``path`` read safely: its page, its questions' nodes and the loader that read them, or
    (None, [], None) with a problem in ``bank``."""
    name = path.name
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)  # never more, whatever the file claims to be
        if len(data) > MAX_BYTES:
            bank.problems.append(f"{name}:1: the file is over {MAX_BYTES // 1024} kB; skipped.")
            return None, [], None
        loader = _Loader(data.decode("utf-8"))
        try:
            root = loader.get_single_node()
        finally:
            loader.dispose()
    except UnicodeDecodeError:
        bank.problems.append(f"{name}:1: the file is not UTF-8 text; skipped.")
        return None, [], None
    except yaml.MarkedYAMLError as err:
        mark = err.problem_mark or err.context_mark
        line = mark.line + 1 if mark else 1
        said = ", ".join(filter(None, (err.context, err.problem)))
        bank.problems.append(f"{name}:{line}: {said}; the file was skipped.")
        return None, [], None
    except (yaml.YAMLError, RecursionError, OSError) as err:
        what = "nested too deeply" if isinstance(err, RecursionError) else str(err)
        bank.problems.append(f"{name}:1: {what}; the file was skipped.")
        return None, [], None
    return (*_top(name, root, loader, bank), loader)


def _top(name: str, root, loader, bank: Bank) -> tuple[str | None, list]:
    """The file's page and its questions' nodes, or (None, []) with a problem."""
    where = f"{name}:{root.start_mark.line + 1 if root else 1}"
    if not isinstance(root, yaml.MappingNode):
        bank.problems.append(f"{where}: a question file is a mapping with 'page' and "
                             "'questions'; skipped.")
        return None, []
    fields = {}
    for key, value in root.value:
        if not isinstance(key, yaml.ScalarNode):
            bank.problems.append(f"{name}:{key.start_mark.line + 1}: a field's name must be "
                                 "a word; skipped.")
            return None, []
        fields[key.value] = value
    extra = sorted(set(fields) - {"page", "questions", "about"})
    if extra:
        line = fields[extra[0]].start_mark.line + 1
        bank.problems.append(f"{name}:{line}: unknown field {extra[0]!r} (a file has page, "
                             "questions and about); skipped.")
        return None, []
    page = fields.get("page")
    if (not isinstance(page, yaml.ScalarNode) or page.tag != "tag:yaml.org,2002:str"
            or page.value not in PAGES):
        line = (page or root).start_mark.line + 1
        bank.problems.append(f"{name}:{line}: 'page' must be one of {', '.join(PAGES)}; the "
                             "file was skipped.")
        return None, []
    entries = fields.get("questions")
    if not isinstance(entries, yaml.SequenceNode):
        line = (entries or root).start_mark.line + 1
        bank.problems.append(f"{name}:{line}: 'questions' must be a list of questions; the "
                             "file was skipped.")
        return None, []
    return page.value, entries.value


# --- one question -------------------------------------------------------------------------
def _question(name: str, page: str, node, loader, bank: Bank) -> Question | None:
    vocab = PAGES[page]
    where = f"{name}:{node.start_mark.line + 1}"
    try:
        entry = loader.construct_document(node)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = mark.line + 1 if mark else node.start_mark.line + 1
        bank.problems.append(f"{name}:{line}: {getattr(err, 'problem', None) or err}; "
                             "the question was skipped.")
        return None
    problem = schema_problem(entry, node, vocab)
    if problem:
        bank.problems.append(f"{name}:{problem[0]}: {label(entry)}{problem[1]}; skipped.")
        return None
    check = CHECKS[entry["check"]]
    static = check.static_options(vocab, entry["args"]) if check.static_options else None
    question = Question(
        id=entry["id"], page=page, prompt=entry["prompt"], kind=check.kind,
        check=entry["check"], args=dict(entry["args"]),
        options=tuple(static) if static is not None else None,
        tolerance=float(entry["args"].get("tolerance", 0)), why=entry.get("why", ""),
        wrong=tuple(WrongAnswer(str(w["answer"]), w["says"]) for w in entry.get("wrong", ())),
        source=where)
    problem = templates_problem(question, vocab, node)
    if problem:
        bank.problems.append(f"{name}:{problem[0]}: {label(entry)}{problem[1]}; skipped.")
        return None
    return question
