"""The JupyterHub deployments of docs/deploy.md agree with each other and with their schemas.

- ``docs/jupyterhub_config.py`` (one machine) and ``docs/z2jh-values.yaml`` (Kubernetes) give a
  student the same default URL, culling, memory and CPU figures and environment;
- the values file is valid for the Zero to JupyterHub chart whose schema ``tests/data/`` keeps
  (merged over the chart's defaults first, as Helm does);
- ``scripts/hub_link.py`` builds the links nbgitpuller's own generator builds.

Headless and quick: the config is loaded as JupyterHub loads it, no hub is started.
"""

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import jsonschema
import pytest
import yaml
from traitlets.config.loader import PyFileConfigLoader

ROOT = Path(__file__).resolve().parents[1]
HUB_CONFIG = ROOT / "docs" / "jupyterhub_config.py"
VALUES = ROOT / "docs" / "z2jh-values.yaml"
CHART_VERSION = "4.4.0"  # tests/data/README.md: where the schema and defaults came from
SCHEMA = ROOT / "tests" / "data" / f"z2jh-values.schema-{CHART_VERSION}.json"
CHART_DEFAULTS = ROOT / "tests" / "data" / f"z2jh-chart-values-{CHART_VERSION}.yaml"
# the local hub's own: Zero to JupyterHub's image has docs/jupyter_config.json in ~/.jupyter
# (postBuild), a model cache per pod, and its class's answers need a database the pods share
LOCAL_ONLY_ENV = {"JUPYTER_CONFIG_PATH", "LSTM_MODEL_CACHE", "LSTM_ANSWERS_DB"}
NO_DELAY = "dashboard_server.NoDelayConnection"


def _load_hub_config(monkeypatch, tmp_path, **env):
    monkeypatch.setenv("LSTM_HUB_DIR", str(tmp_path / "hub"))
    for name in ("LSTM_HUB_PASSWORD", "LSTM_HUB_IP", "LSTM_HUB_PORT", "LSTM_MODEL_CACHE",
                 "LSTM_ANSWERS_DB", "LSTM_ANSWERS_URL",
                 "LSTM_HUB_CULL_TIMEOUT", "LSTM_HUB_CULL_EVERY", "LSTM_HUB_API_PORT",
                 "LSTM_HUB_PROXY_API_PORT", "LSTM_TEACHER_TOKEN", "LSTM_HUB_TEACHER_PORT"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    return PyFileConfigLoader(HUB_CONFIG.name, path=str(HUB_CONFIG.parent)).load_config()


@pytest.fixture
def hub_config(monkeypatch, tmp_path):
    return _load_hub_config(monkeypatch, tmp_path, LSTM_HUB_PASSWORD="lesson-4b-password")


@pytest.fixture(scope="module")
def values():
    return yaml.safe_load(VALUES.read_text())


def _culler_flags(hub_config) -> dict[str, str]:
    (culler,) = [s for s in hub_config.JupyterHub.services if s["name"] == "jupyterhub-idle-culler"]
    assert culler["command"][1:3] == ["-m", "jupyterhub_idle_culler"]
    return dict(arg.removeprefix("--").split("=", 1) for arg in culler["command"][3:])


def test_hub_opens_the_explorer_where_z2jh_does(hub_config, values, tmp_path):
    url = hub_config.Spawner.default_url
    assert url == values["singleuser"]["defaultUrl"]
    # relative to the server's root, the home, where the dashboards are copied before a start
    assert hub_config.Spawner.notebook_dir == "~"
    home = tmp_path / "home"

    class Spawner:  # what the hook reads of JupyterHub's spawner
        home_dir = str(home)

    hub_config.Spawner.pre_spawn_hook(Spawner())
    assert (home / url.removeprefix("/voila/render/")).is_file()


def test_hub_culls_idle_servers_as_z2jh_does(hub_config, values):
    assert values["cull"]["enabled"] is True
    flags = _culler_flags(hub_config)
    assert int(flags["timeout"]) == values["cull"]["timeout"]
    assert int(flags["cull-every"]) == values["cull"]["every"]
    (role,) = [r for r in hub_config.JupyterHub.load_roles
               if "jupyterhub-idle-culler" in r["services"]]
    # what the culler needs (its README, "Permissions"), and no more than that
    assert set(role["scopes"]) == {"list:users", "read:users:activity", "read:servers",
                                   "delete:servers"}


def test_hub_sizes_servers_as_z2jh_does(hub_config, values):
    single = values["singleuser"]
    assert hub_config.Spawner.mem_guarantee == single["memory"]["guarantee"]
    assert hub_config.Spawner.mem_limit == single["memory"]["limit"]
    assert hub_config.Spawner.cpu_guarantee == pytest.approx(single["cpu"]["guarantee"])
    assert hub_config.Spawner.cpu_limit == pytest.approx(single["cpu"]["limit"])


def test_hub_environment_is_z2jh_s_plus_local_paths(hub_config, values):
    env = hub_config.Spawner.environment
    assert {k: env[k] for k in values["singleuser"]["extraEnv"]} == values["singleuser"]["extraEnv"]
    assert set(env) - set(values["singleuser"]["extraEnv"]) == LOCAL_ONLY_ENV


def test_hub_passes_its_launchers_marks_on(monkeypatch, tmp_path):
    """Whoever started the hub finds every process of it by these (driver/processes.py): the
    students' servers keep them from the hub's environment, the culler is given them."""
    from jupyterhub.spawner import SimpleLocalProcessSpawner

    marks = {"LSTM_TEST_RUN": "run-1", "LSTM_SERVER_ID": "hub-1"}
    config = _load_hub_config(monkeypatch, tmp_path, LSTM_HUB_PASSWORD="lesson-4b-password",
                              **marks)
    assert set(marks) <= set(SimpleLocalProcessSpawner(config=config).env_keep)
    culler, teacher = config.JupyterHub.services
    assert culler["environment"] == marks
    assert marks.items() <= teacher["environment"].items()


def test_hub_serves_the_teachers_page_on_the_students_answers(monkeypatch, tmp_path, capsys):
    """A service the proxy routes /services/teacher/ to, reading the store the students'
    kernels write to, behind a token of its own (made up and printed when none is given)."""
    config = _load_hub_config(monkeypatch, tmp_path, LSTM_HUB_TEACHER_PORT="8123",
                              LSTM_ANSWERS_URL="postgresql+psycopg://class@db/answers")
    teacher = next(s for s in config.JupyterHub.services if s["name"] == "teacher")
    assert teacher["url"] == "http://127.0.0.1:8123" and teacher["display"] is False
    assert teacher["command"][1:] == ["-m", "classroom.teacher_app"]
    assert (Path(teacher["cwd"]) / "classroom" / "teacher_app.py").is_file()
    env, students = teacher["environment"], config.Spawner.environment
    for name in ("LSTM_ANSWERS_DB", "LSTM_ANSWERS_URL"):
        assert env[name] == students[name], f"the page must read where the kernels write: {name}"
    token = env["LSTM_TEACHER_TOKEN"]
    assert len(token) >= 32
    assert f"/services/teacher/?token={token}" in capsys.readouterr().err
    config = _load_hub_config(monkeypatch, tmp_path, LSTM_TEACHER_TOKEN="the-teachers-own")
    teacher = next(s for s in config.JupyterHub.services if s["name"] == "teacher")
    assert teacher["environment"]["LSTM_TEACHER_TOKEN"] == "the-teachers-own"
    assert "the-teachers-own" not in capsys.readouterr().err


def test_hub_servers_get_the_jupyter_config_of_binder_and_z2jh(hub_config):
    # the folder on JUPYTER_CONFIG_PATH holds the file postBuild installs for Binder and Z2JH
    folder = Path(hub_config.Spawner.environment["JUPYTER_CONFIG_PATH"])
    jupyter_config = folder / "jupyter_config.json"
    assert jupyter_config == ROOT / "docs" / "jupyter_config.json"
    settings = json.loads(jupyter_config.read_text())
    assert settings["ServerApp"]["kernel_websocket_connection_class"] == NO_DELAY
    # and the command line says it too, so no other config file can undo it
    assert f"--ServerApp.kernel_websocket_connection_class={NO_DELAY}" in hub_config.Spawner.args


def test_hub_defaults_to_localhost_and_a_made_up_password(monkeypatch, tmp_path, capsys):
    config = _load_hub_config(monkeypatch, tmp_path)
    assert urlsplit(config.JupyterHub.bind_url).hostname == "127.0.0.1"
    password = config.SharedPasswordAuthenticator.user_password
    assert len(password) >= 8 and password in capsys.readouterr().err
    assert (tmp_path / "hub").is_dir()
    assert config.Spawner.environment["LSTM_MODEL_CACHE"] == str(tmp_path / "hub" / "models")
    assert config.Spawner.environment["LSTM_ANSWERS_DB"] == str(tmp_path / "hub" /
                                                                "answers.sqlite3")
    assert "LSTM_ANSWERS_URL" not in config.Spawner.environment


def test_hub_takes_its_settings_from_the_environment(monkeypatch, tmp_path, capsys):
    config = _load_hub_config(monkeypatch, tmp_path, LSTM_HUB_PASSWORD="lesson-4b-password",
                              LSTM_HUB_IP="0.0.0.0", LSTM_HUB_PORT="8900",
                              LSTM_MODEL_CACHE=str(tmp_path / "models"),
                              LSTM_ANSWERS_URL="postgresql+psycopg://class@db/answers")
    assert config.JupyterHub.bind_url == "http://0.0.0.0:8900"
    assert config.SharedPasswordAuthenticator.user_password == "lesson-4b-password"
    assert "lesson-4b-password" not in capsys.readouterr().err
    assert config.Spawner.environment["LSTM_MODEL_CACHE"] == str(tmp_path / "models")
    assert (config.Spawner.environment["LSTM_ANSWERS_URL"] ==
            "postgresql+psycopg://class@db/answers")


def test_hub_refuses_a_short_password(monkeypatch, tmp_path):
    with pytest.raises(SystemExit, match="shorter than 8"):
        _load_hub_config(monkeypatch, tmp_path, LSTM_HUB_PASSWORD="short")


def test_hub_config_names_only_real_settings(hub_config):
    """Every setting is a configurable trait of its class: a misspelt one would be ignored."""
    pytest.importorskip("jupyterhub")
    from jupyterhub.app import JupyterHub
    from jupyterhub.auth import Authenticator
    from jupyterhub.proxy import ConfigurableHTTPProxy
    from jupyterhub.spawner import Spawner
    from traitlets.utils.importstring import import_item

    authenticator = import_item(hub_config.JupyterHub.authenticator_class)
    spawner = import_item(hub_config.JupyterHub.spawner_class)
    classes = {cls.__name__: cls for cls in (JupyterHub, Authenticator, ConfigurableHTTPProxy,
                                             Spawner, authenticator, spawner)}
    for section, settings in hub_config.items():
        traits = classes[section].class_traits(config=True)
        assert set(settings) <= set(traits), (section, set(settings) - set(traits))


# --- the values file against the chart's schema ---------------------------------------------

def _coalesce(user: dict, defaults: dict) -> dict:
    """Helm's merge of user values over a chart's: mappings merge, a null removes a default."""
    merged = dict(defaults)
    for key, value in user.items():
        if value is None:
            merged.pop(key, None)
        elif isinstance(value, dict) and isinstance(merged.get(key), dict):
            merged[key] = _coalesce(value, merged[key])
        else:
            merged[key] = value
    return merged


@pytest.fixture(scope="module")
def chart():
    schema = json.loads(SCHEMA.read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    return jsonschema.Draft7Validator(schema), yaml.safe_load(CHART_DEFAULTS.read_text())


def test_chart_defaults_meet_their_own_schema(chart):
    validator, defaults = chart
    assert list(validator.iter_errors(defaults)) == []


def test_z2jh_values_meet_the_chart_schema(chart, values):
    validator, defaults = chart
    errors = [f"{'.'.join(map(str, e.path))}: {e.message}"
              for e in validator.iter_errors(_coalesce(values, defaults))]
    assert errors == []


@pytest.mark.parametrize("change, complaint", [
    ({"singleuser": {"memory": {"limt": "1G"}}}, "'limt' was unexpected"),
    ({"singleuser": {"cpu": {"limit": "1"}}}, "is not of type 'number', 'null'"),
    ({"cull": {"timeout": "30m"}}, "is not of type 'integer', 'null'"),
])
def test_the_schema_catches_mistakes(chart, values, change, complaint):
    validator, defaults = chart
    messages = [e.message for e in validator.iter_errors(
        _coalesce(_coalesce(change, values), defaults))]
    assert any(complaint in m for m in messages), messages


# --- the nbgitpuller link -------------------------------------------------------------------

def _link_module():
    spec = importlib.util.spec_from_file_location("hub_link", ROOT / "scripts" / "hub_link.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


hub_link = _link_module().hub_link
REPO = "https://github.com/owner/disentangling-lstm"


def _pulled(link: str) -> dict[str, str]:
    """The link's parameters as nbgitpuller's handler reads them (tornado decodes once)."""
    parts = urlsplit(link)
    assert parts.path.endswith("/hub/user-redirect/git-pull")
    params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=True)
    assert all(len(v) == 1 for v in params.values())
    return {k: v[0] for k, v in params.items()}


def test_link_is_nbgitpullers_with_the_preset_in_urlpath():
    assert hub_link("https://hub.example.edu", REPO, query="hidden_size=16") == (
        "https://hub.example.edu/hub/user-redirect/git-pull?repo=" + REPO + "&branch=main"
        "&urlpath=voila/render/disentangling-lstm/dashboards/3_lstm_explorer.ipynb"
        "%3Fhidden_size%3D16")


@pytest.mark.parametrize("hub, repo, kwargs, expected", [
    # a hub under a path; several settings; a whole "Link to this view"
    ("https://example.edu/jupyter/", REPO,
     {"dashboard": "training", "query": "http://localhost:8866/voila/render/4_training.ipynb"
                                        "?task=adding&phase=trained"},
     {"repo": REPO, "branch": "main",
      "urlpath": "voila/render/disentangling-lstm/dashboards/4_training.ipynb"
                 "?task=adding&phase=trained"}),
    # nbgitpuller keeps a .git ending in the folder's name; no branch: the repository's own
    ("http://hub.lan:8000", REPO + ".git", {"branch": "", "dashboard": "1_mlp.ipynb"},
     {"repo": REPO + ".git",
      "urlpath": "voila/render/disentangling-lstm.git/dashboards/1_mlp.ipynb"}),
    # a folder of one's own, under the hub's NBGITPULLER_PARENTPATH; characters that need escaping
    ("https://hub.example.edu", "git@github.com:owner/lstm.git",
     {"branch": "week 4+5", "target_path": "lstm lessons", "parent_path": "courses/",
      "dashboard": "dashboards/sequence_data", "query": "?dataset=temperatures&seq_len=30#x"},
     {"repo": "git@github.com:owner/lstm.git", "branch": "week 4+5",
      "targetPath": "lstm lessons",
      "urlpath": "voila/render/courses/lstm lessons/dashboards/2_sequence_data.ipynb"
                 "?dataset=temperatures&seq_len=30#x"}),
])
def test_link_carries_every_value_through_one_decoding(hub, repo, kwargs, expected):
    link = hub_link(hub, repo, **kwargs)
    assert link.startswith(hub.rstrip("/") + "/hub/user-redirect/git-pull?repo=")
    assert " " not in link and "#" not in link and "+" not in link
    assert _pulled(link) == expected


def test_link_takes_a_dashboard_with_or_without_its_lesson_number():
    links = {hub_link("https://hub.example.edu", REPO, dashboard=name)
             for name in ("3_lstm_explorer", "lstm_explorer", "3_lstm_explorer.ipynb",
                          "dashboards/lstm_explorer.ipynb")}
    assert links == {hub_link("https://hub.example.edu", REPO)}
    assert "/dashboards/3_lstm_explorer.ipynb" in links.pop()


@pytest.mark.parametrize("hub, kwargs, complaint", [
    ("hub.example.edu", {}, "must start with https://"),
    ("https://hub.example.edu", {"dashboard": "gru"}, "There is no dashboard 'gru'"),
])
def test_link_refuses_with_a_sentence(hub, kwargs, complaint):
    with pytest.raises(ValueError, match=complaint):
        hub_link(hub, REPO, **kwargs)


def test_link_command_line():
    script = str(ROOT / "scripts" / "hub_link.py")
    shown = subprocess.run([sys.executable, script, "--help"], capture_output=True, text=True,
                           check=True).stdout
    assert "nbgitpuller" in shown and "--query" in shown
    done = subprocess.run([sys.executable, script, "https://hub.example.edu", REPO, "--query",
                           "hidden_size=16&step=4"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == hub_link("https://hub.example.edu", REPO,
                                           query="hidden_size=16&step=4")
    refused = subprocess.run([sys.executable, script, "https://hub.example.edu", REPO,
                              "--dashboard", "gru"], capture_output=True, text=True)
    assert refused.returncode == 2 and re.search(r"the dashboards are .*lstm_explorer",
                                                 refused.stderr)
