"""Print the nbgitpuller link that opens a dashboard on a JupyterHub, this repository pulled first.

    python scripts/hub_link.py HUB REPOSITORY [--branch main] [--dashboard 3_lstm_explorer]
        [--query 'hidden_size=16&step=4'] [--target-path DIR] [--parent-path DIR]

A student who opens the link logs in to the hub; nbgitpuller (a server extension, which the
hub's single-user servers must have) clones the repository into their server, or merges
what changed since last time without touching their own edits, then sends them to the
dashboard in Voila with the preset's settings. The link has the form of nbgitpuller's own
link generator (docs/link.rst, docs/topic/url-options.rst in jupyterhub/nbgitpuller):

    HUB/hub/user-redirect/git-pull?repo=REPOSITORY&branch=BRANCH
        &urlpath=voila/render/FOLDER/dashboards/NOTEBOOK%3FQUERY

FOLDER is where nbgitpuller clones: its `targetPath` parameter if given, else the last part
of the repository's URL as written (a `.git` ending stays), under the hub's
NBGITPULLER_PARENTPATH if it sets one. Only the standard library: any Python 3.10+ runs it.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path
from urllib.parse import quote, urlsplit

ROOT = Path(__file__).resolve().parents[1]
DASHBOARDS = sorted(p.name for p in (ROOT / "dashboards").glob("*.ipynb"))

__all__ = ["DASHBOARDS", "clone_folder", "hub_link", "main"]


def clone_folder(repo: str, target_path: str | None = None) -> str:
    """The folder nbgitpuller clones ``repo`` into, relative to its parent folder.

    nbgitpuller's ``UIHandler``: ``targetpath`` or ``repo.rstrip('/').split('/')[-1]``.
    """
    return target_path or repo.rstrip("/").split("/")[-1]


def _query(preset: str) -> str:
    """A preset as a query without its '?': 'hidden_size=16', '?hidden_size=16' or a whole link."""
    return preset.split("?", 1)[1] if "?" in preset else preset


def _notebook(dashboard: str) -> str:
    name = dashboard.removeprefix("dashboards/")
    name = name if name.endswith(".ipynb") else f"{name}.ipynb"
    if not DASHBOARDS:  # none when the script is copied elsewhere
        return name
    # the lesson's number may be left out: 'lstm_explorer' is 3_lstm_explorer.ipynb
    found = [d for d in DASHBOARDS if name in (d, re.sub(r"^\d+_", "", d))]
    if len(found) != 1:
        raise ValueError(f"There is no dashboard {dashboard!r}; the dashboards are "
                         f"{', '.join(DASHBOARDS)}.")
    return found[0]


def _encode(value: str) -> str:
    # a value of the link's own query: '/' and ':' stay readable, '?', '&', '=', '#', '+', '%'
    # and spaces are escaped, so the dashboard's query travels inside urlpath
    return quote(value, safe="/:")


def hub_link(hub: str, repo: str, branch: str = "main", dashboard: str = "3_lstm_explorer",
             query: str = "", target_path: str | None = None, parent_path: str = "") -> str:
    """The nbgitpuller link that opens ``dashboard`` with ``query`` after pulling ``repo``.

    Parameters
    ----------
    hub : the hub's address, e.g. https://hub.example.edu or https://example.edu/jupyter/
    repo : what ``git clone`` takes, e.g. https://github.com/owner/disentangling-lstm
    branch : the branch to pull; empty: the repository's default branch
    dashboard : a notebook of dashboards/, with or without ``.ipynb`` and its lesson's number
        (``3_lstm_explorer``, ``lstm_explorer``)
    query : the dashboard's preset, e.g. ``hidden_size=16&step=4`` (docs/presets.md); a
        leading ``?`` or a whole "Link to this view" works too
    target_path : nbgitpuller's ``targetPath``, the folder to clone into
    parent_path : the hub's ``NBGITPULLER_PARENTPATH``, if it sets one
    """
    parts = urlsplit(hub)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"The hub's address must start with https:// or http://, not {hub!r}.")
    if not repo.strip():
        raise ValueError("The repository is empty: give what git clone takes.")
    folder = "/".join(p.strip("/") for p in (parent_path, clone_folder(repo, target_path)) if p)
    urlpath = f"voila/render/{folder}/dashboards/{_notebook(dashboard)}"
    preset = _query(query)
    if preset:
        urlpath += f"?{preset}"
    params = [("repo", repo)]
    if branch:
        params.append(("branch", branch))
    params.append(("urlpath", urlpath))
    if target_path:
        params.append(("targetPath", target_path))
    base = f"{parts.scheme}://{parts.netloc}{parts.path.rstrip('/')}/hub/user-redirect/git-pull"
    return base + "?" + "&".join(f"{k}={_encode(v)}" for k, v in params)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python scripts/hub_link.py", description=__doc__.split("\n\n")[0],
        epilog="Example: python scripts/hub_link.py https://hub.example.edu "
               "https://github.com/owner/disentangling-lstm --query hidden_size=16")
    parser.add_argument("hub", help="the hub's address, e.g. https://hub.example.edu")
    parser.add_argument("repo", help="the repository, as git clone takes it")
    parser.add_argument("--branch", default="main",
                        help="the branch to pull (default: main; '' for the repository's own)")
    parser.add_argument("--dashboard", default="3_lstm_explorer",
                        help=f"one of {', '.join(DASHBOARDS)}, the number and .ipynb optional "
                             "(default: 3_lstm_explorer)")
    parser.add_argument("--query", default="",
                        help="the dashboard's preset, e.g. 'hidden_size=16&step=4' "
                             "(docs/presets.md), or a whole 'Link to this view'")
    parser.add_argument("--target-path", default=None,
                        help="the folder to clone into (default: the repository's name)")
    parser.add_argument("--parent-path", default="",
                        help="the hub's NBGITPULLER_PARENTPATH, if it sets one")
    args = parser.parse_args(argv)
    try:
        print(hub_link(args.hub, args.repo, args.branch, args.dashboard, args.query,
                       args.target_path, args.parent_path))
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
