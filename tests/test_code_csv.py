"""The training page's code for task "csv", run in a fresh interpreter in a folder holding the
learner's file: it reads the file as the page did and gives the page's numbers bit for bit (the
series, the windows, the yardsticks, the training curves and weights); a learner's file name
stays a string in the code and plain text in the prose."""

import ast
import html
import math
import re
from dataclasses import replace
from datetime import date, datetime, timedelta

import nbformat
import numpy as np
import pytest
import torch

from tests.generated_code import ALLOWED_IMPORTS, run_all
from tests.test_code_training import NAMES, WEIGHTS
from widgets import TrainingExplorer, TrainingModel
from widgets.codegen.csv_read import local_name
from widgets.codegen.training import training_recipe
from widgets.maths.series_csv import (
    SeriesChoice,
    bundled_bytes,
    choose_series,
    read_csv_bytes,
)
from widgets.maths.series_task import series_task
from widgets.maths.training import TrainConfig, Trainer
from widgets.state.training_run import Pace
from widgets.store.model_cache import ModelCache

# the CSV task's code reads the file with pandas and checks it is the page's with hashlib
CSV_IMPORTS = ALLOWED_IMPORTS | {"pandas", "hashlib"}
CSV_NAMES = [*NAMES, "values"]
BY_BATCHES = Pace(seconds=None, batches=50, replay_s=0.0, wait_s=0.0)


# --- files the tests make ---------------------------------------------------------------------
# a series' name with both quotes and a backslash: in the code, a literal; in the prose, text
BERGEN = 'Bergen\'s "Fjord" \\ {x}'


def weather_csv() -> bytes:
    """A long table in Windows-1252 with CRLF line ends: two title lines, semicolons, decimal
    commas, day-first dates, two cities' rows interleaved, missing cells of several kinds (at
    the ends too), a cell that is text, an infinite one, and a row with too many fields."""
    lines = ["Weather log (€)", "exported by hand", "date;city;temp °C;rain 'mm'"]
    for k in range(45):
        day = f"{date(2020, 1, 1) + timedelta(days=k):%d.%m.%Y}"
        for city, base in (("Oslo", -3.0), (BERGEN, 4.0)):
            temp = f"{base + 4 * math.sin(k / 5) + 0.13 * k:.2f}".replace(".", ",")
            rain = f"{(k * 7 % 11) / 2:.1f}".replace(".", ",")
            if city == "Oslo":
                temp = {6: "ERR", 7: "-", 20: "", 30: "inf", 44: "?"}.get(k, temp)
                rain = {0: "", 9: "n/a", 10: " "}.get(k, rain)
            quoted = '"' + city.replace('"', '""') + '"'  # as a spreadsheet quotes it
            lines.append(f"{day};{quoted if city == BERGEN else city};{temp};{rain}")
        if k == 15:
            lines.append(f"{day};Oslo;1,0;2,0;9;9")  # one field too many: left out
    return "\r\n".join(lines).encode("cp1252")


def unnamed_csv() -> bytes:
    """UTF-16 with a byte-order mark, tab-separated, no header and no time: missing cells are
    filled in row order."""
    rows = []
    for k in range(70):
        a, b = f"{math.cos(k / 3):.4f}", f"{10 + 2 * math.sin(k / 4) + 0.01 * k:.3f}"
        rows.append(f"{'' if k in (0, 33) else a}\t{'' if k in (12, 13, 69) else b}")
    return "\n".join(rows).encode("utf-16")


def zoned_csv() -> bytes:
    """Hourly values across a change of summer time: mixed UTC offsets, read as UTC; missing
    values filled in time."""
    start = datetime(2021, 3, 27, 12)
    rows = ["time,load"]
    for k in range(60):
        local = start + timedelta(hours=k)
        offset = "+01:00" if local < datetime(2021, 3, 28, 2) else "+02:00"
        load = "" if k in (0, 13, 14, 40) else f"{50 + 10 * math.sin(k / 6):.2f}"
        rows.append(f"{local:%Y-%m-%dT%H:%M:%S}{offset},{load}")
    return "\n".join(rows).encode()


# (name, bytes, choice, settings): the cases trained by Trainer here and by the code there
CASES = [
    ("us-employment.csv", lambda: bundled_bytes("us-employment"),
     SeriesChoice(target="nonfarm", features=("construction",)),
     {"seq_len": 12, "epochs": 2, "batch_size": 16, "seed": 3}),
    ("weather log.csv", weather_csv,
     SeriesChoice(target="temp °C", features=("rain 'mm'",), missing="drop"),
     {"seq_len": 5, "epochs": 2, "batch_size": 8, "seed": 1}),
    ("weather log.csv", weather_csv,
     SeriesChoice(target="rain 'mm'", group=BERGEN),
     {"seq_len": 4, "epochs": 1, "batch_size": 8, "seed": 2}),
    ("numbers.tsv", unnamed_csv,
     SeriesChoice(target="column 2", features=("column 1",)),
     {"seq_len": 6, "epochs": 2, "batch_size": 16, "seed": 4}),
    ("load.csv", zoned_csv, SeriesChoice(target="load"),
     {"seq_len": 6, "epochs": 2, "batch_size": 8, "seed": 5}),
]


def test_the_files_hold_what_the_cases_are_meant_to_test():
    weather = read_csv_bytes(weather_csv(), "weather log.csv")
    assert (weather.encoding, weather.delimiter, weather.decimal) == ("cp1252", ";", ",")
    assert (weather.titles, weather.skiprows, weather.header) == (2, 3, True)
    assert weather.time_column == "date" and ("dayfirst", True) in weather.time_options
    assert weather.group_column == "city" and weather.groups == ("Oslo", BERGEN)
    assert any("Left out 1 row" in note for note in weather.notes)
    oslo = choose_series(weather, SeriesChoice(target="temp °C", features=("rain 'mm'",)))
    assert oslo.missing == 8 and np.isfinite(oslo.values).all()
    unnamed = read_csv_bytes(unnamed_csv(), "numbers.tsv")
    assert (unnamed.encoding, unnamed.delimiter, unnamed.header) == ("utf-16", "\t", False)
    assert unnamed.time_column is None
    zoned = read_csv_bytes(zoned_csv(), "load.csv")
    assert zoned.time_zone and ("utc", True) in zoned.time_options
    assert choose_series(zoned, SeriesChoice(target="load")).missing == 4


@pytest.fixture(scope="module")
def runs():
    """Each case: (the page's data, Trainer run to the end, the code's run)."""
    done, jobs, files = [], [], {}
    for name, make, choice, settings in CASES:
        data = make()
        parsed = read_csv_bytes(data, name)
        series = choose_series(parsed, choice)
        task = series_task(series, settings["seq_len"])
        config = TrainConfig(task="csv", data=series.digest, hidden_size=4, **settings)
        trainer = Trainer(config, data=task)
        trainer.run()
        assert trainer.status == "finished", trainer.message
        recipe = training_recipe(config, csv=(parsed, choice), phase="trained",
                                 sample=len(task.X_valid) - 1, step=settings["seq_len"], unit=3)
        files[name] = data
        done.append((series, task, trainer))
        jobs.append((recipe.code + WEIGHTS, CSV_NAMES))
    ran = run_all(jobs, files=files, allowed=CSV_IMPORTS)
    return [(*case, r) for case, r in zip(done, ran, strict=True)]


def test_the_code_reads_the_pages_series_and_windows_bit_for_bit(runs):
    for series, task, _trainer, ran in runs:
        v = ran.values
        np.testing.assert_array_equal(v["values"], series.values)  # (n, n_X), the file's units
        for name in ("X_train", "y_train", "X_valid", "y_valid"):
            assert v[name].dtype == torch.float32
            assert torch.equal(v[name], getattr(task, name)), (series.name, name)
        np.testing.assert_array_equal(v["truth"].numpy(), task.truth)
        assert f"{series.missing} missing values in " in ran.stdout
        assert "is not the file the page read" not in ran.stdout


def test_the_yardsticks_are_the_pages(runs):
    for _series, task, _trainer, ran in runs:
        v = ran.values
        assert list(v["yardsticks"]) == list(task.yardsticks)
        for name, p in task.yardsticks.items():
            np.testing.assert_array_equal(v["yardsticks"][name].numpy(), p)
            error, mae = v["scores"][name]
            assert error == pytest.approx(task.error(p), rel=1e-12)
            assert mae == pytest.approx(task.mae(p), rel=1e-12)


def test_training_gives_the_trainers_curves_and_weights_bit_for_bit(runs):
    for series, _task, t, ran in runs:
        v = ran.values
        for name, tensor in t.initial.items():
            assert torch.equal(v["initial"][name], tensor), (series.name, name)
        assert v["history"]["train"] == t.history.train, series.name
        assert v["history"]["valid"] == pytest.approx(t.history.valid, rel=1e-12)
        for name, tensor in t.model.state_dict().items():
            assert torch.equal(v["model_state"][name], tensor), (series.name, name)
        np.testing.assert_array_equal(v["predictions"].numpy(), t.valid_predictions)


def _data_code(recipe) -> str:
    """The settings' and the data's code alone: enough to read the file."""
    return "\n\n".join(section.code for section in recipe.sections[:2])


def test_another_file_under_the_name_is_said_to_differ_and_none_is_asked_for():
    name, make, choice, settings = CASES[3]
    parsed = read_csv_bytes(make(), name)
    series = choose_series(parsed, choice)
    config = TrainConfig(task="csv", data=series.digest, hidden_size=4, **settings)
    code = _data_code(training_recipe(config, csv=(parsed, choice)))
    changed = make().replace("1".encode("utf-16-le"), "2".encode("utf-16-le"), 1)
    (ran,) = run_all([(code, ["X_train"])], files={name: changed}, allowed=CSV_IMPORTS)
    assert "Note: numbers.tsv is not the file the page read" in ran.stdout
    with pytest.raises(AssertionError, match=r"Put your file numbers\.tsv next to this notebook"):
        run_all([(code, ["X_train"])], allowed=CSV_IMPORTS)  # no file by the notebook


def test_the_recipe_refuses_a_file_that_is_not_the_configs_data():
    parsed = read_csv_bytes(weather_csv(), "weather log.csv")
    choice = SeriesChoice(target="temp °C")
    series = choose_series(parsed, choice)
    config = TrainConfig(task="csv", data=series.digest, seq_len=5)
    with pytest.raises(ValueError, match="not the series"):
        training_recipe(config, csv=(parsed, replace(choice, group=BERGEN)))
    with pytest.raises(ValueError, match="needs the file"):
        training_recipe(config)


# --- the page: an example, and an upload with its picks ------------------------------------------
def _page_run(tmp_path, upload: tuple[str, bytes] | None, **picks):
    model = TrainingModel(cache=ModelCache(tmp_path / "models"))
    page = TrainingExplorer(model, preset="task=csv&epochs=1&hidden_size=4&seq_len=6",
                            pace=BY_BATCHES)
    if upload is not None:
        model.pick_series("file", upload)
    for what, value in picks.items():
        model.pick_series(what, value)
    page.train()
    assert model.status == "trained", model.message
    return page


def test_the_pages_code_for_an_example_and_an_upload_gives_its_numbers(tmp_path):
    example = _page_run(tmp_path / "a", None)  # the page opens on seattle-temps
    assert example.model.csv.origin == "seattle-temps"
    name = "weather log.csv"
    own = _page_run(tmp_path / "b", (name, weather_csv()), features=("rain 'mm'",),
                    missing="interpolate")
    assert own.model.csv.is_file and own.model.data.n_x == 2
    codes = [page.recipe().code for page in (example, own)]
    assert "vega_datasets" in codes[0] and "seattle-temps.csv" in codes[0]
    assert "vega_datasets" not in codes[1] and f"path = Path({name!r})" in codes[1]
    ran = run_all([(code + WEIGHTS, CSV_NAMES) for code in codes], files={name: weather_csv()},
                  allowed=CSV_IMPORTS)
    for page, r in zip((example, own), ran, strict=True):
        m, v = page.model, r.values
        for key in ("X_train", "y_train", "X_valid", "y_valid"):
            assert torch.equal(v[key], getattr(m.data, key)), key
        assert v["history"]["train"] == m.trainer.history.train
        for key, tensor in m.trainer.model.state_dict().items():
            assert torch.equal(v["model_state"][key], tensor), key
        assert v["y_hat"] == m.prediction()


# --- a learner's file name, and their columns' ---------------------------------------------------
HOSTILE = ["a'); import os; os.system('x') #.csv", 'b"""\nimport os\n""".csv',
           "<img src=x onerror=alert(1)>.csv", "../../etc/c.csv", "..\\d [x](http://e).csv"]


def _strings(code: str) -> set[str]:
    return {n.value for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Constant)
            and isinstance(n.value, str)}


@pytest.mark.parametrize("name", HOSTILE)
def test_a_hostile_file_name_stays_a_string_and_plain_text(name):
    parsed = read_csv_bytes(weather_csv(), name)
    choice = SeriesChoice(target="temp °C", features=("rain 'mm'",))
    config = TrainConfig(task="csv", data=choose_series(parsed, choice).digest, seq_len=5)
    recipe = training_recipe(config, csv=(parsed, choice))
    code = recipe.code
    local = local_name(name)
    assert "/" not in local and "\\" not in local
    # the name is one string literal of the code, and the code imports only what it should
    assert local in _strings(code) and "os" not in {
        n.names[0].name for n in ast.walk(ast.parse(code)) if isinstance(n, ast.Import)}
    cells = nbformat.reads(recipe.notebook_bytes().decode(), as_version=4).cells
    (markdown,) = [c.source for c in cells if c.source.startswith("## 2. The data")]
    assert "<img" not in markdown and "](" not in markdown and "http://" not in markdown
    assert "\n" not in markdown.split("\n\n", 1)[1]  # the prose is one paragraph
    assert name not in recipe.script.replace(repr(local), "")  # raw, only inside the literal


def test_a_hostile_file_name_reads_the_file_by_that_name():
    name = HOSTILE[0]
    parsed = read_csv_bytes(weather_csv(), name)
    choice = SeriesChoice(target="temp °C")
    series = choose_series(parsed, choice)
    config = TrainConfig(task="csv", data=series.digest, seq_len=5)
    code = _data_code(training_recipe(config, csv=(parsed, choice)))
    (ran,) = run_all([(code, ["X_valid"])], files={name: weather_csv()}, allowed=CSV_IMPORTS)
    assert f"{name}: 90 rows of 4 columns" in ran.lines  # the row with too many fields: out
    assert torch.equal(ran.values["X_valid"], series_task(series, 5).X_valid)


def test_the_open_code_panel_follows_the_series_and_its_columns(tmp_path):
    model = TrainingModel(cache=ModelCache(tmp_path / "models"))
    page = TrainingExplorer(model, preset="task=csv&epochs=1&hidden_size=4&seq_len=6",
                            pace=BY_BATCHES)
    page.code.toggle.value = True

    def shown() -> str:  # the code as the panel shows it, highlighted
        return html.unescape(re.sub(r"<[^>]+>", "", page.code.view.value))

    assert "seattle-temps.csv" in shown()
    model.pick_series("file", ("weather log.csv", weather_csv()))
    assert "'weather log.csv'" in shown() and "seattle-temps" not in shown()
    assert "group_column, group = 'city', 'Oslo'" in shown()
    model.pick_series("group", BERGEN)  # the series changes, the settings and status do not
    assert f"group_column, group = 'city', {BERGEN!r}" in shown()
