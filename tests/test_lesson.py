"""docs/lesson.md and docs/notation.md, kept true.

The lesson: every dashboard link opens an existing notebook on a state its page's preset parser
reads without a problem; every question it names is on that link's page, with the prompt the
page asks there, the answer the live model gives there, and the bank's named wrong answers
among those it lists; its minutes add up to 50; `make pretrain` trains what its links open.

The notation sheet: its shape table is evaluated at several sizes and held against real
``nn.LSTM``, ``nn.LSTMCell`` and ``nn.Linear`` modules; its gate rows and activations rebuild
one step of ``nn.LSTM`` by hand; and it stays one page.
"""

from __future__ import annotations

import ast
import functools
import re
from pathlib import Path

import pytest
import torch
from torch import nn

from widgets import LSTMExplorer, MLPExplorer, SequenceExplorer
from widgets.dashboards.training_dashboard import TrainingExplorer
from widgets.state import questions
from widgets.state.comparison_model import ComparisonModel
from widgets.state.presets import presenter_section, preset_model
from widgets.store.pretrain import configs_of

ROOT = Path(__file__).resolve().parents[1]
LESSON = (ROOT / "docs" / "lesson.md").read_text(encoding="utf-8")
NOTATION = (ROOT / "docs" / "notation.md").read_text(encoding="utf-8")
DASHBOARDS = {"1_mlp": MLPExplorer, "2_sequence_data": SequenceExplorer,
              "3_lstm_explorer": LSTMExplorer, "4_training": TrainingExplorer}

# a relative Voila address, anywhere in the text (in backquotes, or after a server's address)
LINK = re.compile(r"voila/render/([\w.-]+)\.ipynb(?:\?([^`\s)]*))?")
# a question id: backquoted, lowercase words joined by hyphens (no other backquoted name is)
QUESTION_ID = re.compile(r"`([a-z0-9]+(?:-[a-z0-9]+)+)`")
# a row of a question table: | when | `id`: prompt | answer here | wrong answers to discuss |
QUESTION_ROW = re.compile(r"^\|[^|]*\| `([a-z0-9-]+)`: (.+?) \| (.+?) \|\s*(.*?)\s*\|$")
# any table row that asks a question, however malformed: each must be a QUESTION_ROW
ASKING_ROW = re.compile(r"^\|[^|]*\| `[a-z0-9-]+`:")
AFTER_TRAINING = "after training"


def _settings(query: str) -> str:
    # a projector's link is a student's plus `present=1` (presenter mode): the page reads it
    # apart from its settings (``presenter_section``), and ``parse_preset`` passes it over
    return query


@functools.cache
def _page_state(page: str, query: str):
    """The state model a link opens (as ``Dashboard._preset_model`` builds it), its problems,
    and the training page's comparison (untrained: enough to fill its prompts)."""
    cls = DASHBOARDS[page]
    model, problems = preset_model(cls.MODEL, query, **cls.PRESET)
    comparison = ComparisonModel(model.config) if page == "4_training" else None
    return model, problems, comparison


def _lesson_links() -> list[tuple[int, str, str]]:
    """(position, page, settings query) of every dashboard link in the lesson."""
    return [(m.start(), m.group(1), _settings(m.group(2) or "")) for m in LINK.finditer(LESSON)]


def _page_at(position: int) -> tuple[str, str]:
    """The link a question named at ``position`` is asked at: the nearest one before it."""
    before = [(page, query) for start, page, query in _lesson_links() if start < position]
    assert before, f"a question is named at character {position} before any link"
    return before[-1]


# --- the lesson's links and questions -------------------------------------------------------
def test_the_lesson_links_every_page():
    assert {page for _, page, _ in _lesson_links()} == set(DASHBOARDS)


@pytest.mark.parametrize("page,query", sorted({(p, q) for _, p, q in _lesson_links()}))
def test_every_link_opens_a_notebook_on_a_state_its_page_reads_cleanly(page, query):
    assert (ROOT / "dashboards" / f"{page}.ipynb").is_file(), f"no dashboards/{page}.ipynb"
    _model, problems, _ = _page_state(page, query)
    assert problems == [], f"{page}?{query}: {problems}"
    section, problems = presenter_section(query, 1)  # every page has a first section
    assert problems == [] and section in (0, 1), f"{page}?{query}: {problems}"


def test_the_projectors_links_open_presenter_mode():
    projected = [q for _, _, q in _lesson_links() if "present=" in q]
    assert len(projected) >= 4, "each page is projected in presenter mode"
    assert all(presenter_section(q, 1) == (1, []) for q in projected)


def test_every_question_named_is_on_the_page_of_its_link():
    bank = questions.load_bank()
    named = list(QUESTION_ID.finditer(LESSON))
    assert len(named) >= 30
    for m in named:
        page, query = _page_at(m.start())
        ids = [q.id for q in bank.questions(page)]
        assert m.group(1) in ids, f"{m.group(1)} (after the link {page}?{query}) is not a " \
                                  f"question of {page}: {ids}"


def _question_rows():
    rows = []
    for number, line in enumerate(LESSON.splitlines(), 1):
        if ASKING_ROW.match(line):
            m = QUESTION_ROW.match(line)
            assert m, f"docs/lesson.md:{number}: not | when | `id`: prompt | answer | wrong |"
            position = LESSON.index(line)
            rows.append(pytest.param(*_page_at(position), *m.groups(), id=f"line{number}"))
    return rows


def _normalised(question, model, comparison, answer: str) -> str | None:
    """``answer`` as the page reads it ("(8, 5)" for "8 x 5"), None if it cannot be read."""
    return questions.judge(question, model, answer, comparison).answer


@pytest.mark.parametrize("page,query,qid,prompt,answer,wrong", _question_rows())
def test_each_question_row_says_what_the_page_asks_and_answers_at_its_link(
        page, query, qid, prompt, answer, wrong):
    model, _, comparison = _page_state(page, query)
    question = questions.load_bank().question(page, qid)
    asked = questions.ask(question, model, comparison)
    # markdown escapes, e.g. X^\<s> so that <s> is not read as a tag
    assert re.sub(r"\\([<>*_|])", r"\1", prompt) == asked.prompt
    if answer == AFTER_TRAINING:
        assert not asked.ready, f"{qid} can be answered before training: say its answer"
    else:
        verdict = questions.judge(question, model, answer, comparison)
        assert verdict.right is True, f"{qid}: {answer!r} is not right here; {asked.right} is"
    listed = re.findall(r"\*\*(.+?)\*\*", wrong)
    if asked.ready:
        for text in listed:
            verdict = questions.judge(question, model, text, comparison)
            assert verdict.right is False, f"{qid}: the wrong answer {text!r} is " \
                                           f"{'right' if verdict.right else 'unreadable'}"
    # the bank's named wrong answers are the ones to discuss: each is listed
    vocab = questions.PAGES[page]
    live = vocab.live(model, comparison)
    shown = {_normalised(question, model, comparison, t) for t in listed}
    for named in question.wrong:
        text, missing = questions.fill(named.answer, vocab, live)
        if missing or (asked.ready and questions.judge(question, model, text,
                                                       comparison).right):
            continue  # not on this model, or the right answer here: the page says nothing
        assert _normalised(question, model, comparison, text) in shown, \
            f"{qid}: the bank names {text!r}; discuss it"


def test_the_minutes_add_up_to_fifty():
    headings = re.findall(r"^## (\d+)\. (.+) \((\d+) min\)$", LESSON, re.M)
    table = re.findall(r"^\| (\d+)-(\d+) \| (\d+) \| (\d+)\. (.+?) \|", LESSON, re.M)
    assert headings and sum(int(minutes) for *_, minutes in headings) == 50
    assert [(n, name, minutes) for n, name, minutes in headings] == \
        [(n, name, minutes) for _, _, minutes, n, name in table]
    clock = 0
    for start, end, minutes, *_ in table:
        assert (int(start), int(end)) == (clock, clock + int(minutes))
        clock = int(end)
    assert clock == 50


def test_make_pretrain_trains_what_the_training_links_open():
    line = re.search(r"make pretrain PRESETS='([^']+)'", LESSON)
    assert line, "the lesson says how to pretrain its training links"
    cached = [config for query in line.group(1).split() for config in configs_of(query)[0]]
    training = [query for _, page, query in _lesson_links() if page == "4_training"]
    assert training
    for query in training:
        configs, problems = configs_of(query)
        assert problems == []
        for config in configs:
            assert config in cached, f"make pretrain does not train {config} for ?{query}"


# --- the notation sheet ---------------------------------------------------------------------
# sizes at which the sheet's formulas are evaluated: no two symbols alike within a set, and a
# set each for one layer, stacked layers, both directions, and a projection
SIZES = [
    dict(n_S=10, n_E=14, n_X=5, b_S=4, H=8, num_layers=1, D=1, proj=0, n_D=15, n1=6),
    dict(n_S=11, n_E=6, n_X=3, b_S=2, H=7, num_layers=2, D=2, proj=0, n_D=9, n1=5),
    dict(n_S=13, n_E=9, n_X=2, b_S=3, H=11, num_layers=3, D=2, proj=4, n_D=7, n1=12),
    dict(n_S=12, n_E=7, n_X=1, b_S=6, H=9, num_layers=2, D=1, proj=5, n_D=3, n1=2),
]
SYMBOLS = ("n_S", "n_E", "n_X", "b_S", "H", "H_out", "D", "num_layers", "n_D", "n1")


def _evaluate(expression: str, env: dict[str, int]) -> int:
    """One dimension as the sheet writes it ("4H", "D·H_out", "n[1]", "2H-1") at ``env``:
    whole numbers, the sheet's symbols, +, - and ×; anything else fails the test."""
    text = expression.replace("·", "*").replace("−", "-")
    text = re.sub(r"n\[(\d)\]", r"n\1", text)
    text = re.sub(r"(\d)([A-Za-z])", r"\1*\2", text)

    def value(node) -> int:
        if isinstance(node, ast.Constant) and isinstance(node.value, int):
            return node.value
        if isinstance(node, ast.Name) and node.id in env:
            return env[node.id]
        if isinstance(node, ast.BinOp) and isinstance(node.op, (ast.Add, ast.Sub, ast.Mult)):
            a, b = value(node.left), value(node.right)
            return a + b if isinstance(node.op, ast.Add) else a - b if isinstance(
                node.op, ast.Sub) else a * b
        raise AssertionError(f"the sheet writes {expression!r}, not a formula of its symbols")

    return value(ast.parse(text, mode="eval").body)


def _shape(cell: str, env: dict[str, int]) -> tuple[int, ...]:
    assert cell.startswith("(") and cell.endswith(")"), cell
    parts = [p.strip() for p in cell[1:-1].split(",")]
    if parts[-1] == "":  # "(4H,)"
        parts = parts[:-1]
    return tuple(_evaluate(p, env) for p in parts)


def _sheet_shapes() -> dict[str, str]:
    """The sheet's shape table: tensor -> shape, from its pairs of columns."""
    table = NOTATION.split("| tensor | shape | tensor | shape |", 1)[1].split("\n\n", 1)[0]
    shapes = {}
    for line in table.strip().splitlines()[1:]:
        cells = [c.strip() for c in line.strip("|").split("|")]
        for tensor, shape in zip(cells[::2], cells[1::2], strict=True):
            assert tensor not in shapes, f"the sheet lists {tensor} twice"
            shapes[tensor] = shape
    return shapes


class Modules:
    """Real modules at one set of sizes, and what they return."""

    def __init__(self, s: dict[str, int]):
        torch.manual_seed(0)
        self.s = s
        kw = dict(num_layers=s["num_layers"], bidirectional=s["D"] == 2, proj_size=s["proj"])
        self.lstm = nn.LSTM(s["n_X"], s["H"], batch_first=True, **kw)
        self.time_major = nn.LSTM(s["n_X"], s["H"], batch_first=False, **kw)
        self.output, (self.h_n, self.c_n) = self.lstm(torch.randn(s["b_S"], s["n_E"], s["n_X"]))
        self.unbatched = self.lstm(torch.randn(s["n_E"], s["n_X"]))
        self.layer1 = nn.Linear(s["n_X"], s["n1"])
        self.cell = nn.LSTMCell(s["n_X"], s["H"])

    def batch_of(self, module, shape, sequences: int, time_dim: int):
        """Run ``module`` on a tensor of the sheet's ``shape``, and assert it was read as
        ``sequences`` sequences of n_E elements (h_n's dimension 1 counts the sequences,
        whatever ``batch_first`` is)."""
        output, (h_n, _) = module(torch.zeros(shape))
        assert h_n.shape[1] == sequences and output.shape[time_dim] == self.s["n_E"]
        return shape

    def with_projection(self, tensor):
        return tuple(tensor.shape) if self.s["proj"] else None

    def without_projection(self, tensor):
        return None if self.s["proj"] else tuple(tensor.shape)


# for each tensor the sheet lists: the real shape (None where it does not apply at these
# sizes), or for an input, a check that a tensor of the sheet's shape is read as it says
REAL = {
    "X, the dataset": lambda m, shape: m.batch_of(m.lstm, shape, m.s["n_S"], 1),
    "batched input": lambda m, shape: m.batch_of(m.lstm, shape, m.s["b_S"], 1),
    "batched input, `batch_first=False`":
        lambda m, shape: m.batch_of(m.time_major, shape, m.s["b_S"], 0),
    "unbatched input, X<sup>&lt;s&gt;</sup>":
        lambda m, shape: shape if m.lstm(torch.zeros(shape))[0].shape[:-1] == (m.s["n_E"],)
        and m.lstm(torch.zeros(shape))[1][0].dim() == 2 else "not read as one sequence",
    "x_e, one element":
        lambda m, shape: shape if m.cell(torch.zeros(shape))[0].shape == (m.s["H"],)
        else "not read as one element",
    "h_e, c_e of a batch, no `proj_size`":
        lambda m, shape: m.without_projection(m.cell(torch.zeros(m.s["b_S"], m.s["n_X"]))[1]),
    "`weight_ih_l0`": lambda m, shape: tuple(m.lstm.weight_ih_l0.shape),
    "`weight_hh_l0`": lambda m, shape: m.without_projection(m.lstm.weight_hh_l0),
    "`bias_ih_l0`, `bias_hh_l0`":
        lambda m, shape: tuple(m.lstm.bias_ih_l0.shape)
        if m.lstm.bias_ih_l0.shape == m.lstm.bias_hh_l0.shape else "two shapes",
    "`weight_ih_l1`, layers after the first":
        lambda m, shape: tuple(m.lstm.weight_ih_l1.shape) if m.s["num_layers"] > 1 else None,
    "`weight_hh_l0` with `proj_size`": lambda m, shape: m.with_projection(m.lstm.weight_hh_l0),
    "`weight_hr_l0` with `proj_size`":
        lambda m, shape: tuple(m.lstm.weight_hr_l0.shape) if m.s["proj"] else None,
    "`output`": lambda m, shape: tuple(m.output.shape),
    "`h_n`": lambda m, shape: tuple(m.h_n.shape),
    "`c_n`": lambda m, shape: tuple(m.c_n.shape),
    "`output`, unbatched input": lambda m, shape: tuple(m.unbatched[0].shape),
    "`h_n`, unbatched input": lambda m, shape: tuple(m.unbatched[1][0].shape),
    "`layer1.weight`, nn.Linear(n_X, n[1])": lambda m, shape: tuple(m.layer1.weight.shape),
    "`layer1.bias`": lambda m, shape: tuple(m.layer1.bias.shape),
    "a[1] = layer1(X), X (n_D, n_X)":
        lambda m, shape: tuple(m.layer1(torch.randn(m.s["n_D"], m.s["n_X"])).shape),
    "`head.weight`, head = nn.Linear(H, 1)": lambda m, shape: tuple(nn.Linear(
        m.s["H"], 1).weight.shape),
    "ŷ = head(output[:, -1]), many-to-one": lambda m, shape: tuple(nn.Linear(
        m.output.shape[-1], 1)(m.output[:, -1]).shape),
}
# what the issue asks the sheet to state, at the least
REQUIRED = {"batched input", "unbatched input, X<sup>&lt;s&gt;</sup>", "`weight_ih_l0`",
            "`weight_hh_l0`", "`bias_ih_l0`, `bias_hh_l0`", "`output`", "`h_n`", "`c_n`",
            "`layer1.weight`, nn.Linear(n_X, n[1])", "ŷ = head(output[:, -1]), many-to-one"}


def test_the_sheet_lists_the_shapes_the_lesson_needs_and_only_ones_checked_here():
    shapes = _sheet_shapes()
    assert REQUIRED <= set(shapes), f"the sheet misses {sorted(REQUIRED - set(shapes))}"
    unknown = sorted(set(shapes) - set(REAL))
    assert not unknown, f"the sheet lists {unknown}: add how to check each to REAL"


@pytest.mark.parametrize("sizes", SIZES, ids=lambda s: "-".join(map(str, s.values())))
def test_every_shape_on_the_sheet_is_what_torch_gives(sizes):
    modules = Modules(sizes)
    env = {**sizes, "H_out": sizes["proj"] or sizes["H"]}
    assert set(env) >= set(SYMBOLS)
    for tensor, formula in _sheet_shapes().items():
        shape = _shape(formula, env)
        real = REAL[tensor](modules, shape)
        if real is not None:
            assert shape == real, f"{tensor}: the sheet's {formula} is {shape} at {sizes}, " \
                                  f"torch gives {real}"


GATE_LINE = re.compile(r"^([ifgo])_e = (σ|tanh)\(W_i\1 x_e \+ b_i\1 \+ W_h\1 h_\(e-1\) \+ b_h\1\)"
                       r" .*rows (\S+) … (\S+)$", re.M)


@pytest.mark.parametrize(("n_x", "hidden"), [(5, 8), (3, 1), (1, 6)])
def test_the_sheet_s_gate_rows_and_equations_rebuild_a_step_of_nn_lstm(n_x, hidden):
    gates = GATE_LINE.findall(NOTATION)
    assert [g for g, *_ in gates] == ["i", "f", "g", "o"]
    for line in ("c_e = f_e ⊙ c_(e-1) + i_e ⊙ g_e", "h_e = o_e ⊙ tanh(c_e)"):
        assert line in NOTATION  # the two lines computed by hand below
    torch.manual_seed(1)
    lstm = nn.LSTM(n_x, hidden, batch_first=True)
    x, h0, c0 = torch.randn(3, 1, n_x), torch.randn(1, 3, hidden), torch.randn(1, 3, hidden)
    z = (x[:, 0] @ lstm.weight_ih_l0.T + lstm.bias_ih_l0
         + h0[0] @ lstm.weight_hh_l0.T + lstm.bias_hh_l0)  # (b_S, 4H)
    env, act, covered = {"H": hidden}, {}, []
    for gate, activation, first, last in gates:
        rows = slice(_evaluate(first, env), _evaluate(last, env) + 1)
        covered += range(4 * hidden)[rows]
        act[gate] = (torch.sigmoid if activation == "σ" else torch.tanh)(z[:, rows])
    assert covered == list(range(4 * hidden))  # the four blocks tile the rows, in order
    c1 = act["f"] * c0[0] + act["i"] * act["g"]
    h1 = act["o"] * torch.tanh(c1)
    _, (h_n, c_n) = lstm(x, (h0, c0))
    torch.testing.assert_close(c1, c_n[0], rtol=0, atol=1e-6)
    torch.testing.assert_close(h1, h_n[0], rtol=0, atol=1e-6)


def test_nn_linear_computes_what_the_sheet_writes():
    assert "y = x A<sup>T</sup> + b" in NOTATION
    torch.manual_seed(2)
    layer, x = nn.Linear(5, 8), torch.randn(15, 5)
    torch.testing.assert_close(layer(x), x @ layer.weight.T + layer.bias)


def test_the_sheet_fits_one_a4_page():
    # printed on A4 at 11 pt from a browser, a page holds about 50 lines of about 95
    # characters. Every non-blank line of the source prints as at least one line (a table row,
    # a line of the code block, a line of a paragraph), and the gaps between blocks take the
    # rest; so at most 50 non-blank lines, and at most 3,800 characters (40 full lines), so
    # that the paragraphs cannot wrap into more lines than the page has
    lines = [line for line in NOTATION.splitlines() if line.strip()]
    assert len(lines) <= 50, f"{len(lines)} lines: the sheet no longer fits one page"
    assert len(NOTATION) <= 3800, f"{len(NOTATION)} characters: the sheet no longer fits one page"
    # the code block is printed as it is, in a monospaced font: it must not run off the page
    code = NOTATION.split("```text", 1)[1].split("```", 1)[0]
    assert max(map(len, code.splitlines())) <= 80
