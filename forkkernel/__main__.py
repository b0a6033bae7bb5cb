"""``python -m forkkernel install``: write the forked kernel's kernelspec."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from forkkernel import DEFAULT_PRELOAD
from forkkernel.kernelspec import write_kernelspec


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m forkkernel")
    sub = parser.add_subparsers(dest="command", required=True)
    install = sub.add_parser("install", help="write a kernelspec that names fork-provisioner")
    install.add_argument("--prefix", default=sys.prefix,
                         help="writes PREFIX/share/jupyter/kernels/NAME (default: this Python's)")
    install.add_argument("--name", default="python3-fork")
    install.add_argument("--preload", default=",".join(DEFAULT_PRELOAD))
    args = parser.parse_args(argv)
    folder = write_kernelspec(Path(args.prefix) / "share" / "jupyter" / "kernels", args.name,
                              preload=tuple(n for n in args.preload.split(",") if n))
    print(f"Installed the kernelspec {args.name} in {folder}")


if __name__ == "__main__":
    main()
