"""The question files: the built-in bank, and every way a teacher's file can be wrong.

A bad question is reported with its file and line and skipped, the rest load; a file that
tries to run code, or to blow up as it is read, is refused without running or growing
anything.
"""

from __future__ import annotations

import textwrap

import pytest

from widgets.state.question_bank import DEFAULT_FOLDER, MAX_BYTES, PAGES, load_bank
from widgets.state.question_checks import CHECKS

GOOD = """\
  - id: good-one
    prompt: "n_X = {n_x}: the shape of layer1.weight?"
    check: shape_of
    args: {tensor: layer1.weight}
"""


def _bank(tmp_path, text: str, name: str = "1_mlp.yaml"):
    (tmp_path / name).write_text(textwrap.dedent(text))
    return load_bank(tmp_path)


def _file(*entries: str, page: str = "1_mlp") -> str:
    return f"page: {page}\nquestions:\n" + "".join(entries)


# --- the built-in bank ----------------------------------------------------------------------
def test_the_built_in_bank_loads_clean_with_at_least_four_questions_a_page():
    bank = load_bank()
    assert bank.problems == []
    assert [p.name for p in sorted(DEFAULT_FOLDER.glob("*.yaml"))] == [f"{p}.yaml" for p in PAGES]
    for page in PAGES:
        questions = bank.questions(page)
        assert len(questions) >= 4, page
        assert len({q.id for q in questions}) == len(questions)
        assert all(q.source.startswith(f"{page}.yaml:") for q in questions)
    assert {q.kind for p in PAGES for q in bank.questions(p)} == {"shape", "number", "choice"}
    assert {q.check for p in PAGES for q in bank.questions(p)} == set(CHECKS)


def test_the_issue_s_examples_are_in_the_bank():
    bank = load_bank()
    q = bank.question("1_mlp", "layer1-weight-shape")
    assert q.kind == "shape" and q.args == {"tensor": "layer1.weight"} and q.source == \
        "1_mlp.yaml:16"
    assert q.wrong[0].says == "({n_x}, {n1}) is (in, out); PyTorch stores (out_features, " \
        "in_features)."
    assert bank.question("3_lstm_explorer", "c-grows-or-shrinks").options == ("grows", "shrinks")
    assert bank.question("3_lstm_explorer", "h-n-forward-row").options is None  # the model's
    assert bank.question("4_training", "rnn-beats-memoryless").options == ("yes", "no")
    assert bank.question("3_lstm_explorer", "c-from-gates").tolerance == 0.01


def test_an_unknown_page_is_a_programming_error():
    with pytest.raises(ValueError, match="No page 'mlp'"):
        load_bank().questions("mlp")


def test_the_folder_comes_from_lstm_questions(tmp_path, monkeypatch):
    (tmp_path / "extra.yml").write_text(_file(GOOD))
    monkeypatch.setenv("LSTM_QUESTIONS", str(tmp_path))
    assert [q.id for q in load_bank().questions("1_mlp")] == ["good-one"]
    monkeypatch.setenv("LSTM_QUESTIONS", str(tmp_path / "nowhere"))
    bank = load_bank()
    assert bank.problems == [f"{tmp_path / 'nowhere'}: no such folder of questions."]


def test_a_teacher_s_file_adds_to_a_page_after_the_files_before_it(tmp_path):
    for path in DEFAULT_FOLDER.glob("*.yaml"):
        (tmp_path / path.name).write_text(path.read_text())
    (tmp_path / "5_more.yaml").write_text(_file(GOOD))
    bank = load_bank(tmp_path)
    assert bank.problems == []
    assert bank.questions("1_mlp")[-1].id == "good-one"
    assert bank.questions("1_mlp")[-1].source == "5_more.yaml:3"


# --- a bad question: its file and line, skipped; the rest load ------------------------------
BAD = {
    "unknown check": ("""\
  - id: bad
    prompt: "a question"
    check: eval
    args: {tensor: X}
""", 9, "check 'eval' is not one the project provides here; it must be one of shape_of"),
    "missing field": ("""\
  - id: bad
    prompt: "a question"
    check: shape_of
""", 7, "question 'bad': the question has no 'args'"),
    "wrong type": ("""\
  - id: bad
    prompt: 42
    check: shape_of
    args: {tensor: X}
""", 8, "prompt must be text, not '42'"),
    "args not a mapping": ("""\
  - id: bad
    prompt: "a question"
    check: shape_of
    args: X
""", 10, "args must be a mapping of fields"),
    "unknown tensor": ("""\
  - id: bad
    prompt: "a question"
    check: shape_of
    args:
      tensor: layer3.weight
""", 11, "args.tensor 'layer3.weight' is not one the project provides here"),
    "a check's argument missing": ("""\
  - id: bad
    prompt: "a question"
    check: number
    args: {tolerance: 0.1}
""", 10, "args has no 'quantity'"),
    "a check's extra argument": ("""\
  - id: bad
    prompt: "a question"
    check: size_of
    args:
      tensor: X
      code: "__import__('os')"
""", 12, "unknown field 'code' in args"),
    "a negative tolerance": ("""\
  - id: bad
    prompt: "a question"
    check: number
    args:
      quantity: n_x
      tolerance: -1
""", 12, "args.tolerance: -1 is less than the minimum of 0"),
    "a tolerance that is not a number": ("""\
  - id: bad
    prompt: "a question"
    check: number
    args:
      quantity: n_x
      tolerance: .nan
""", 12, "args.tolerance must be a finite number, not nan"),
    "unknown rule": ("""\
  - id: bad
    prompt: "a question"
    check: choice
    args: {rule: always_yes}
""", 10, "args.rule 'always_yes' is not one the project provides here"),
    "unknown field": ("""\
  - id: bad
    prompt: "a question"
    check: shape_of
    args: {tensor: X}
    answer: "(8, 5)"
""", 11, "unknown field 'answer' in the question"),
    "unknown placeholder": ("""\
  - id: bad
    check: shape_of
    args: {tensor: X}
    prompt: "H = {H}: the shape?"
""", 10, "the placeholder {H} is not one of this page's: n_d, n_x"),
    "a placeholder reaching into Python": ("""\
  - id: bad
    check: shape_of
    args: {tensor: X}
    why: "{n_x.__class__.__mro__}"
    prompt: "the shape?"
""", 10, "the placeholder {n_x.__class__.__mro__} is not one of this page's"),
    "a broken template": ("""\
  - id: bad
    check: shape_of
    args: {tensor: X}
    prompt: "the shape of {X?"
""", 10, "prompt is not a template"),
    "a wrong answer that is no shape": ("""\
  - id: bad
    prompt: "the shape?"
    check: shape_of
    args: {tensor: X}
    wrong:
      - answer: "eight by five"
        says: "no"
""", 12, "the wrong answer 'eight by five' is not a shape answer"),
    "a wrong answer without its sentence": ("""\
  - id: bad
    prompt: "the shape?"
    check: shape_of
    args: {tensor: X}
    wrong:
      - answer: "(5, 8)"
""", 12, "wrong[0] has no 'says'"),
    "a bad id": ("""\
  - id: "no spaces allowed"
    prompt: "the shape?"
    check: shape_of
    args: {tensor: X}
""", 7, "id 'no spaces allowed' must be letters, digits, '-', '_' or '.'"),
    "not a mapping": ("""\
  - just a sentence
""", 7, "the question must be a mapping of fields, not 'just a sentence'"),
}


@pytest.mark.parametrize("kind", BAD)
def test_a_bad_question_is_reported_with_its_line_and_skipped(tmp_path, kind):
    entry, line, sentence = BAD[kind]
    bank = _bank(tmp_path, _file(GOOD, entry, GOOD.replace("good-one", "good-two")))
    assert [q.id for q in bank.questions("1_mlp")] == ["good-one", "good-two"]
    assert len(bank.problems) == 1, bank.problems
    problem = bank.problems[0]
    assert problem.startswith(f"1_mlp.yaml:{line}: "), problem
    assert problem.endswith("; skipped."), problem
    if sentence:
        assert sentence in problem, problem


def test_a_word_quantity_is_no_number_to_check(tmp_path):
    bank = _bank(tmp_path, _file("""\
  - id: bad
    prompt: "the cell?"
    check: number
    args: {quantity: cell}
""", page="4_training"))
    assert bank.questions("4_training") == []
    assert "args.quantity 'cell' is not one the project provides here" in bank.problems[0]


def test_a_repeated_id_keeps_the_first(tmp_path):
    bank = _bank(tmp_path, _file(GOOD, GOOD.replace("n_X", "again n_X")))
    assert [q.prompt for q in bank.questions("1_mlp")] == [
        "n_X = {n_x}: the shape of layer1.weight?"]
    assert bank.problems == ["1_mlp.yaml:7: the id 'good-one' is already a question of "
                             "1_mlp; skipped."]


# --- a bad file: refused whole, with its line --------------------------------------------
@pytest.mark.parametrize(("text", "line", "sentence"), [
    ("page: 9_nothing\nquestions: []\n", 1, "'page' must be one of 1_mlp, 2_sequence_data"),
    ("questions: []\n", 1, "'page' must be one of"),
    ("page: 1_mlp\nquestions: {a: 1}\n", 2, "'questions' must be a list of questions"),
    ("page: 1_mlp\nquestions: []\nscript: run.sh\n", 3, "unknown field 'script'"),
    ("- page: 1_mlp\n", 1, "a question file is a mapping with 'page' and 'questions'"),
    ("", 1, "a question file is a mapping"),
    ("page: 1_mlp\nquestions:\n  - id: [unclosed\n", 4, "the file was skipped"),
    ("page: 1_mlp\n---\npage: 1_mlp\n", 2,
     "expected a single document in the stream, but found another document"),
    ("page: !!python/name:os.system 1_mlp\nquestions: []\n", 1, "'page' must be one of"),
])
def test_a_bad_file_is_refused_with_its_line(tmp_path, text, line, sentence):
    bank = _bank(tmp_path, text)
    assert all(bank.questions(p) == [] for p in PAGES)
    assert len(bank.problems) == 1
    assert bank.problems[0].startswith(f"1_mlp.yaml:{line}: ") and sentence in \
        bank.problems[0], bank.problems


def test_a_file_that_is_not_utf8_or_too_big_is_refused(tmp_path):
    (tmp_path / "a.yaml").write_bytes(b"page: 1_mlp\nquestions: []\n# \xff\xfe\n")
    (tmp_path / "b.yaml").write_text(_file(GOOD) + "#" * MAX_BYTES)
    (tmp_path / "c.txt").write_text("not a question file: not read")
    assert load_bank(tmp_path).problems == [
        "a.yaml:1: the file is not UTF-8 text; skipped.",
        "b.yaml:1: the file is over 256 kB; skipped."]


# --- never code, never a bomb -----------------------------------------------------------
@pytest.mark.parametrize("tag", [
    "!!python/object/apply:os.system",
    "!!python/object/new:os.system",
    "!!python/name:os.system",
    "!!python/object:builtins.object",
    "!!python/module:os",
])
def test_a_python_tag_is_refused_and_never_run(tmp_path, tag):
    marker = tmp_path / "ran"
    bank = _bank(tmp_path, _file(GOOD, f"""\
  - id: evil
    prompt: "x"
    check: shape_of
    args: {tag} ["touch {marker}"]
"""))
    assert not marker.exists()
    assert [q.id for q in bank.questions("1_mlp")] == ["good-one"]
    assert len(bank.problems) == 1 and bank.problems[0].startswith("1_mlp.yaml:10: ")
    assert "could not determine a constructor for the tag" in bank.problems[0]


def test_a_tag_of_data_beyond_json_is_refused(tmp_path):
    bank = _bank(tmp_path, _file(GOOD.replace("prompt: ", "prompt: !!binary ")
                                 .replace('"n_X = {n_x}: the shape of layer1.weight?"',
                                          "aGVsbG8=")))
    assert bank.questions("1_mlp") == []
    assert bank.problems[0].startswith("1_mlp.yaml:4: question 'good-one': prompt must be text")


def test_an_anchor_bomb_is_refused_before_it_grows(tmp_path):
    levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"]
    levels += [f"{chr(98 + k)}: &{chr(98 + k)} [" + ", ".join([f"*{chr(97 + k)}"] * 9) + "]"
               for k in range(8)]
    text = "page: 1_mlp\nbomb:\n" + "".join(f"  {row}\n" for row in levels) + "questions: []\n"
    bank = _bank(tmp_path, text)
    assert bank.problems == ["1_mlp.yaml:3: anchors and aliases (&name, *name) are not allowed "
                             "in a question file; the file was skipped."]


def test_an_alias_inside_a_question_is_refused(tmp_path):
    bank = _bank(tmp_path, _file(GOOD.replace("args: {tensor: layer1.weight}",
                                              "args: &same {tensor: layer1.weight}"),
                                 GOOD.replace("good-one", "two")
                                 .replace("args: {tensor: layer1.weight}", "args: *same")))
    assert bank.questions("1_mlp") == []
    assert bank.problems[0].startswith("1_mlp.yaml:6: anchors and aliases")


def test_deep_nesting_is_refused_without_a_crash(tmp_path):
    depth = 20000
    bank = _bank(tmp_path, "page: 1_mlp\nquestions: " + "[" * depth + "]" * depth + "\n")
    assert len(bank.problems) == 1 and "the file was skipped" in bank.problems[0]


def test_the_folder_s_readme_names_every_check_and_every_name_of_each_page():
    from widgets.state.question_facts import PARAMETERS

    text = (DEFAULT_FOLDER / "README.md").read_text()
    assert all(f"`{check}`" in text for check in CHECKS)
    for page, vocab in PAGES.items():
        section = text.split(f"**{page}**")[1].split("\n\n")[0]
        names = [*vocab.quantities, *vocab.rules,
                 *(t for t in vocab.tensors if t not in PARAMETERS)]
        missing = [n for n in names if f"`{n}`" not in section]
        assert missing == [], (page, missing)
