"""``python -m classroom.teacher_app``: the teacher's page on a server of its own.

For a class that is not on ``make classroom``'s server: behind a JupyterHub, where each student
has a server of their own and their kernels write to one answer store (``$LSTM_ANSWERS_DB`` or
``$LSTM_ANSWERS_URL``), the page runs as a hub service (docs/jupyterhub_config.py starts it)
and is reached through the hub's address at ``/services/teacher/``.

- Where it listens: JupyterHub's ``$JUPYTERHUB_SERVICE_URL`` and ``$JUPYTERHUB_SERVICE_PREFIX``
  for a managed service, else ``--ip`` and ``--port``, the page at ``/teacher``.
- The token: ``$LSTM_TEACHER_TOKEN``, else one made up and printed.
- The answers: the same store the kernels write to, from the same variables.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
from urllib.parse import quote, urlparse

import tornado.web

from .teacher import TeacherDesk, make_token, teacher_handlers

__all__ = ["main", "make_app"]


def make_app(token: str, at: str, store=None) -> tornado.web.Application:
    """The teacher's routes at the path ``at``, with a cookie secret made for this run."""
    return tornado.web.Application(teacher_handlers(at, TeacherDesk(token, store=store)),
                                   cookie_secret=secrets.token_bytes(32))


def main(argv: list[str] | None = None) -> None:
    service = urlparse(os.environ.get("JUPYTERHUB_SERVICE_URL", ""))
    parser = argparse.ArgumentParser(prog="python -m classroom.teacher_app",
                                     description=__doc__.splitlines()[0].split(": ", 1)[1])
    parser.add_argument("--ip", default=service.hostname or "127.0.0.1")
    parser.add_argument("--port", type=int, default=service.port or 8867)
    args = parser.parse_args(argv)
    at = os.environ.get("JUPYTERHUB_SERVICE_PREFIX") or "/teacher"
    token = os.environ.get("LSTM_TEACHER_TOKEN") or make_token()
    app = make_app(token, at)

    async def serve() -> None:
        app.listen(args.port, address=args.ip)
        if "LSTM_TEACHER_TOKEN" not in os.environ:
            print(f"The teacher's page: http://{args.ip}:{args.port}/{at.strip('/')}"
                  f"?token={quote(token)}", file=sys.stderr, flush=True)
        await asyncio.Event().wait()

    try:
        asyncio.run(serve())
    except KeyboardInterrupt:
        pass


if __name__ == "__main__":
    main()
