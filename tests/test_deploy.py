"""The deployment files of docs/deploy.md: they load, they serve the explorer, they parse.

- Binder: ``postBuild`` installs ``docs/jupyter_config.json`` as the user's Jupyter config; a
  real ``jupyter server`` with that config (and nothing else of ours) serves
  ``/voila/render/dashboards/3_lstm_explorer.ipynb`` through Voila's server extension, the
  widgets answer, and a closed tab's kernel goes. Under Jupyter server the unload beacon is
  refused (no ``_xsrf`` cookie on a Voila page, voila#1458), so culling frees it: the config
  culls kernels without a tab after two minutes, shortened here to seconds.
- Zero to JupyterHub: ``docs/z2jh-values.yaml`` parses and opens the explorer in Voila with
  the resources the load test measured.
"""

import os
import re
import shutil
import subprocess
import sys

import pytest
import yaml

from driver.kernel_session import KernelSession, run
from driver.servers import ROOT, JupyterServer
from driver.wait import wait_until

CONFIG = ROOT / "docs" / "jupyter_config.json"
VALUES = ROOT / "docs" / "z2jh-values.yaml"
BINDER_PATH = "dashboards/3_lstm_explorer.ipynb"  # ?urlpath=voila/render/<this>
# one explorer kernel at maximum sizes (docs/performance.md, memory): RSS 357 MB
KERNEL_MAX_RSS_MB = 357
CULL_S, CULL_INTERVAL_S = 6, 2  # the config's culling, shortened for the test


def _binder_env(home) -> dict[str, str]:
    """The environment of a Binder session: $HOME with what postBuild left in it."""
    subprocess.run(["bash", "postBuild"], cwd=ROOT, check=True,
                   env={**os.environ, "HOME": str(home)})
    return {**os.environ, "HOME": str(home), "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
            "JUPYTER_RUNTIME_DIR": str(home / "runtime"), "OMP_NUM_THREADS": "1",
            "TORCH_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}


def test_postbuild_installs_the_jupyter_config(tmp_path):
    _binder_env(tmp_path)
    assert (tmp_path / ".jupyter" / "jupyter_config.json").read_text() == CONFIG.read_text()


def test_jupyter_server_loads_the_config(tmp_path):
    shown = subprocess.run([sys.executable, "-m", "jupyter_server", "--show-config"],
                           cwd=tmp_path, env=_binder_env(tmp_path), check=True,
                           capture_output=True, text=True).stdout
    assert str(tmp_path / ".jupyter" / "jupyter_config.json") in shown
    assert "'voila.server_extension': True" in shown
    timeout = int(re.search(r"\.cull_idle_timeout = (\d+)", shown).group(1))
    assert 0 < timeout <= 300, "a reloaded tab's kernel must not linger for long"
    assert ".cull_connected = False" in shown, "an open tab's kernel must never be culled"
    assert ".show_tracebacks = False" in shown and ".strip_sources = True" in shown
    # every websocket frame at once: Play at 22 steps a second, not 15 (docs/deploy.md)
    assert ".kernel_websocket_connection_class = 'dashboard_server.NoDelayConnection'" in shown


async def _a_student_on_binder(url: str, token: str) -> tuple[list[str], str]:
    """The problems a student met, and their kernel's id."""
    student = KernelSession(url, token=token, timeout=180)
    await student.open(BINDER_PATH)
    await student.connect()
    await student.discover_widgets()
    # the page's fallback finds the same widgets one by one
    by_control = set(student.states)
    student.states.clear()
    await student.discover_widgets_one_by_one()
    assert set(student.states) == by_control and len(by_control) > 100
    answer = await student.set_value(student.find("ctl-hidden_size"), 12)
    banners = [s["value"] for s in student.states.values()
               if "banner" in " ".join(s.get("_dom_classes", ())) and s.get("value")]
    # 204 if Voila's beacon gets through (a Jupyter page set _xsrf); 403 on a Voila-only visit
    assert await student.leave() in (204, 403)
    return answer.errors + banners, student.kernel_id


def test_jupyter_server_with_the_config_serves_the_explorer_in_voila(tmp_path):
    # as on Binder: the repository is the working directory and the server's root
    server = JupyterServer(
        tmp_path / "server.log", cwd=ROOT, env=_binder_env(tmp_path),
        args=[f"--MappingKernelManager.cull_idle_timeout={CULL_S}",
              f"--MappingKernelManager.cull_interval={CULL_INTERVAL_S}"])
    try:
        server.wait_ready()
        problems, kernel_id = run(_a_student_on_binder(server.url, server.token))
        assert problems == [], problems
        wait_until(lambda: not server.kernel_alive(kernel_id),
                   CULL_S + 3 * CULL_INTERVAL_S + 10, every=0.5,
                   what="the closed tab's kernel culled")
    finally:
        server.stop()
    shutil.rmtree(tmp_path / "runtime", ignore_errors=True)


def _megabytes(size: str) -> float:
    number, unit = re.fullmatch(r"([\d.]+)\s*([KMG]?)i?B?", str(size)).groups()
    return float(number) * {"K": 1 / 1024, "M": 1, "G": 1024, "": 1 / 2**20}[unit]


def test_z2jh_values_open_the_explorer_with_measured_resources():
    values = yaml.safe_load(VALUES.read_text())
    single = values["singleuser"]
    url = single["defaultUrl"]
    assert url.startswith("/voila/render/")
    assert (ROOT / url.removeprefix("/voila/render/")).is_file(), url
    memory, cpu = single["memory"], single["cpu"]
    assert KERNEL_MAX_RSS_MB < _megabytes(memory["guarantee"]) <= _megabytes(memory["limit"])
    assert 0 < float(cpu["guarantee"]) <= float(cpu["limit"])
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "TORCH_NUM_THREADS"):
        assert single["extraEnv"][name] == "1"
    assert values["cull"]["enabled"] is True and values["cull"]["timeout"] > 0


@pytest.mark.parametrize("path", [CONFIG, VALUES, ROOT / "docs" / "jupyterhub_config.py",
                                  ROOT / "scripts" / "hub_link.py"], ids=lambda p: p.name)
def test_deploy_guide_names_the_files(path):
    assert path.name in (ROOT / "docs" / "deploy.md").read_text()
