"""bench/single_user.py: one student's Jupyter server (as a hub spawns it), forked against
launched, for real: a Jupyter server with voila's extension, pages opened over its websocket."""

import pytest

from bench import single_user
from forkkernel.client import fork_supported


@pytest.mark.skipif(fork_supported() is not None, reason=f"forked kernels: {fork_supported()}")
def test_a_student_s_server_forks_its_pages_kernels_and_the_report_compares(monkeypatch,
                                                                             tmp_path):
    monkeypatch.setattr(single_user, "PAGES", ("1_mlp.ipynb", "3_lstm_explorer.ipynb"))
    runs = [single_user.measure(way, tmp_path) for way in single_user.WAYS]
    forked, launched = runs
    assert (forked["forked"], launched["forked"]) == (True, False)
    for run in runs:
        assert [p["page"] for p in run["pages"]] == ["1_mlp.ipynb", "3_lstm_explorer.ipynb"]
        for page in run["pages"]:
            assert page["interactive_s"] > 0 and page["core_s"] > 0
        first, second = (p["pss_mb"] for p in run["pages"])
        assert run["server_alone_mb"] < first < second  # each open page holds a kernel
    text = single_user.report(runs)
    assert text.splitlines()[0] == "| kernels | mlp | lstm_explorer | the server with two pages |"
    assert text.splitlines()[2].startswith("| forked | ")
    assert text.splitlines()[3].startswith("| launched | ")
