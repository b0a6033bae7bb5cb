"""JupyterHub on one machine for a try-out or a small lab: every student logs in with a name
of their choosing and the class's shared password, and lands on the LSTM explorer in Voila.

    LSTM_HUB_PASSWORD=... jupyterhub --config docs/jupyterhub_config.py

from the repository, with the `hub` extra installed (JupyterHub 5.3 or newer, the idle culler)
and `configurable-http-proxy` from npm. See docs/deploy.md.

It is the local twin of docs/z2jh-values.yaml (Zero to JupyterHub on Kubernetes): the same
default URL, server culling, memory and CPU figures and environment; tests/test_hub_config.py
keeps the two in step. Settings come from the environment:

- `LSTM_HUB_PASSWORD`: the password every student types, 8 characters or more (default:
  one is made up and printed);
- `LSTM_HUB_IP`, `LSTM_HUB_PORT`: where students open it (127.0.0.1 and 8000; 0.0.0.0 for a
  lab's network);
- `LSTM_HUB_DIR`: the hub's database and cookie secret, the students' homes and the shared
  model cache (`.hub/` in the repository);
- `LSTM_HUB_MAX_SERVERS`: students' servers at once, the next is asked to try again later (30);
- `LSTM_HUB_CULL_TIMEOUT`, `LSTM_HUB_CULL_EVERY`: seconds of idleness after which a student's
  server is stopped, and how often the culler looks (1800 and 300, as in Zero to JupyterHub);
- `LSTM_HUB_API_PORT`, `LSTM_HUB_PROXY_API_PORT`: the hub's and the proxy's own ports on
  127.0.0.1 (8081 and 8001), for a second hub on the same machine;
- `LSTM_HUB_PROXY`: the command of `configurable-http-proxy`, if it is not on PATH;
- `LSTM_MODEL_CACHE`: the training dashboard's model cache, one for every student
  (`$LSTM_HUB_DIR/models`);
- `LSTM_ANSWERS_DB`, `LSTM_ANSWERS_URL`: where the class's answers to the pages' questions go,
  one SQLite file for every student (`$LSTM_HUB_DIR/answers.sqlite3`), or the database the URL
  names.
- `LSTM_TEACHER_TOKEN`: the token of the teacher's page, a hub service at
  `/services/teacher/` (classroom/teacher_app.py) that shows the class's answers live (default:
  one is made up, and the page's address printed); `LSTM_HUB_TEACHER_PORT` its own port on
  127.0.0.1 (8082).

Not for the open internet: anyone with the password can log in as any student (JupyterHub's
SharedPasswordAuthenticator says as much), every server runs as the hub's own user, and
nothing enforces the memory and CPU limits (below). Put it behind https as docs/deploy.md
does for `make classroom`, or use Zero to JupyterHub.
"""

import os
import secrets
import shutil
import sys
from pathlib import Path

c = get_config()  # noqa: F821 (JupyterHub's config loader provides it)

ROOT = Path(__file__).resolve().parents[1]  # the repository: docs/ is in it
STATE = Path(os.environ.get("LSTM_HUB_DIR") or ROOT / ".hub").resolve()
STATE.mkdir(mode=0o700, parents=True, exist_ok=True)  # it holds the cookie secret

# --- the hub ------------------------------------------------------------------------------
c.JupyterHub.bind_url = (f"http://{os.environ.get('LSTM_HUB_IP', '127.0.0.1')}:"
                         f"{int(os.environ.get('LSTM_HUB_PORT', '8000'))}")
# its state in one folder, not in whatever directory it was started from
c.JupyterHub.db_url = f"sqlite:///{STATE / 'jupyterhub.sqlite'}"
c.JupyterHub.cookie_secret_file = str(STATE / "jupyterhub_cookie_secret")
c.ConfigurableHTTPProxy.pid_file = str(STATE / "jupyterhub-proxy.pid")
c.ConfigurableHTTPProxy.command = [os.environ.get("LSTM_HUB_PROXY", "configurable-http-proxy")]
# the hub's and the proxy's own ports, where only the hub and the servers talk
c.JupyterHub.hub_bind_url = f"http://127.0.0.1:{int(os.environ.get('LSTM_HUB_API_PORT', '8081'))}"
c.ConfigurableHTTPProxy.api_url = (
    f"http://127.0.0.1:{int(os.environ.get('LSTM_HUB_PROXY_API_PORT', '8001'))}")
# a student who logs out leaves: their server and kernels go at once, not at the culler's turn
c.JupyterHub.shutdown_on_logout = True
# the hub's cap, like make classroom's seats: the next student gets "Active user limit
# exceeded. Try again in a few minutes." (HTTP 429)
c.JupyterHub.active_server_limit = int(os.environ.get("LSTM_HUB_MAX_SERVERS", "30"))

# --- who may log in: any name, one password for the class (JupyterHub 5.3+) ----------------
c.JupyterHub.authenticator_class = "jupyterhub.authenticators.shared.SharedPasswordAuthenticator"
PASSWORD = os.environ.get("LSTM_HUB_PASSWORD") or secrets.token_hex(5)
if len(PASSWORD) < 8:
    sys.exit("LSTM_HUB_PASSWORD is shorter than 8 characters; JupyterHub refuses it.")
if "LSTM_HUB_PASSWORD" not in os.environ:
    print(f"Students log in with a name of their choosing and the password: {PASSWORD}",
          file=sys.stderr)
c.SharedPasswordAuthenticator.user_password = PASSWORD
c.Authenticator.allow_all = True
# a name becomes a folder: letters, digits, '.', '-' and '_', not starting with a dot
c.Authenticator.username_pattern = r"^\w[\w.-]{0,39}$"

# --- each student's server ----------------------------------------------------------------
# No system accounts for the students: every server runs as the hub's user (root on the
# development machine), each with a home of its own under LSTM_HUB_DIR.
c.JupyterHub.spawner_class = "jupyterhub.spawner.SimpleLocalProcessSpawner"
c.SimpleLocalProcessSpawner.home_dir_template = str(STATE / "homes" / "{username}")
# the hub's own interpreter (the project's .venv): it has Voila, torch and dashboard_server
c.Spawner.cmd = [sys.executable, "-m", "jupyterhub.singleuser"]
# the student's home is the server's root, with the dashboards in it, as in the Zero to
# JupyterHub image (the repository is $HOME there): the explorer has the same address in both,
# and an nbgitpuller link pulls into the home, never into this repository
c.Spawner.notebook_dir = "~"
c.Spawner.default_url = "/voila/render/dashboards/3_lstm_explorer.ipynb"


def give_dashboards(spawner) -> None:
    """Copy the dashboards into the student's home before each start (the newest, always)."""
    home = Path(spawner.home_dir)
    home.mkdir(parents=True, exist_ok=True)
    shutil.copytree(ROOT / "dashboards", home / "dashboards", dirs_exist_ok=True)


c.Spawner.pre_spawn_hook = give_dashboards
c.Spawner.args = [
    # every kernel websocket frame at once (docs/performance.md); the command line wins over
    # any config file, as in `make lab`
    "--ServerApp.kernel_websocket_connection_class=dashboard_server.NoDelayConnection",
    # Jupyter refuses to run as root without it, and these servers run as the hub's user
    *(["--allow-root"] if os.geteuid() == 0 else []),
]
# room for thirty servers starting at once on two cores (JupyterHub allows 30 s to answer and
# 60 s to start; not measured here yet)
c.Spawner.http_timeout = 120
c.Spawner.start_timeout = 120

# Sizes from `make loadtest` (docs/classroom.md): an explorer kernel takes about 360 MB RSS at
# the lesson's sizes and the Jupyter server about 100 MB; a student exploring keeps 0.02 of a
# core busy, a page load takes a whole one for a few seconds. LocalProcessSpawner does NOT
# enforce these: it only passes them to the server as MEM_LIMIT, MEM_GUARANTEE, CPU_LIMIT and
# CPU_GUARANTEE. Kubernetes enforces the same figures in docs/z2jh-values.yaml.
c.Spawner.mem_guarantee = "512M"
c.Spawner.mem_limit = "1G"
c.Spawner.cpu_guarantee = 0.05
c.Spawner.cpu_limit = 1.0

c.Spawner.environment = {
    # one torch thread: a machine runs many students' kernels
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "TORCH_NUM_THREADS": "1",
    # the servers read docs/jupyter_config.json, Binder's settings: Voila sends no tracebacks or
    # sources, a kernel whose tab is gone is culled after two minutes (in the Zero to
    # JupyterHub image postBuild puts it in ~/.jupyter)
    "JUPYTER_CONFIG_PATH": str(ROOT / "docs"),
    # every student's training dashboard shares one model cache, as on one classroom server
    "LSTM_MODEL_CACHE": os.environ.get("LSTM_MODEL_CACHE") or str(STATE / "models"),
    # and the class's answers go to one SQLite file beside the hub (widgets/store/answers.py)
    "LSTM_ANSWERS_DB": os.environ.get("LSTM_ANSWERS_DB") or str(STATE / "answers.sqlite3"),
}
if os.environ.get("LSTM_ANSWERS_URL"):  # or to the database it names, e.g. PostgreSQL
    c.Spawner.environment["LSTM_ANSWERS_URL"] = os.environ["LSTM_ANSWERS_URL"]
ANSWERS = {name: c.Spawner.environment[name]
           for name in ("LSTM_ANSWERS_DB", "LSTM_ANSWERS_URL") if name in c.Spawner.environment}

# the marks whoever started the hub put in its environment (the test suite's run and its
# driver's server, driver/processes.py): passed on to every student's server and the culler, as
# the proxy inherits them, so that all of this hub's processes can be found and stopped
MARKS = ("LSTM_TEST_RUN", "LSTM_SERVER_ID")
c.Spawner.env_keep.extend(MARKS)

# --- culling: stop the servers of students who left ---------------------------------------
# the culler of Zero to JupyterHub, with docs/z2jh-values.yaml's cull.timeout and cull.every;
# it sees a server as idle when none of its kernels or tabs has done anything for that long
CULL_TIMEOUT_S = int(os.environ.get("LSTM_HUB_CULL_TIMEOUT", "1800"))
CULL_EVERY_S = int(os.environ.get("LSTM_HUB_CULL_EVERY", "300"))
KEEP = {name: os.environ[name] for name in MARKS if name in os.environ}
# --- the teacher's page: the class's answers, live, behind a token of its own --------------
# a hub service the proxy routes /services/teacher/ to; it reads the store the students'
# kernels write to (the same variables), and asks the hub for nothing
TEACHER_TOKEN = os.environ.get("LSTM_TEACHER_TOKEN") or secrets.token_urlsafe(24)
TEACHER_PORT = int(os.environ.get("LSTM_HUB_TEACHER_PORT", "8082"))
if "LSTM_TEACHER_TOKEN" not in os.environ:
    print(f"The teacher's page: {c.JupyterHub.bind_url}/services/teacher/?token={TEACHER_TOKEN}",
          file=sys.stderr)
c.JupyterHub.services = [
    {
        "name": "jupyterhub-idle-culler",
        "command": [sys.executable, "-m", "jupyterhub_idle_culler",
                    f"--timeout={CULL_TIMEOUT_S}", f"--cull-every={CULL_EVERY_S}"],
        "environment": KEEP,
    },
    {
        "name": "teacher",
        "url": f"http://127.0.0.1:{TEACHER_PORT}",
        "command": [sys.executable, "-m", "classroom.teacher_app"],
        "cwd": str(ROOT),  # classroom/ is the repository's, not an installed package
        "environment": {"LSTM_TEACHER_TOKEN": TEACHER_TOKEN, **ANSWERS, **KEEP},
        "display": False,  # not a link on students' home page
    },
]
c.JupyterHub.load_roles = [
    {
        # only what it needs (jupyterhub-idle-culler's README, "Permissions")
        "name": "jupyterhub-idle-culler",
        "scopes": ["list:users", "read:users:activity", "read:servers", "delete:servers"],
        "services": ["jupyterhub-idle-culler"],
    },
]
