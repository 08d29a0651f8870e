"""Run the benchmarks: ``python -m bench [--full] [name ...]`` (all of them without names).

Each figure prints as ``name ours baseline ratio target verdict``, and the run
fails only when a figure misses its target. The default sizes keep the whole
run within a few minutes (``make bench``); ``--full`` (``make bench-full``)
runs the sizes real partners have, which take much longer.

A benchmark is a module here with a top-level ``run()``. Each runs in a process
of its own, because each sets Django up on its own throwaway database and
Django can be set up only once per process; that is also why ``run()`` is found
by reading the source, not by importing the module here.
"""

from __future__ import annotations

import argparse
import ast
import os
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
RUN = "import importlib, sys; importlib.import_module(sys.argv[1]).run()"


def available() -> list[str]:
    """Names of the modules here that define ``run()``, in name order."""
    return [
        path.stem
        for path in sorted(HERE.glob("[!_]*.py"))
        if any(
            isinstance(node, ast.FunctionDef) and node.name == "run"
            for node in ast.parse(path.read_text(encoding="utf-8")).body
        )
    ]


def main(argv: list[str] | None = None) -> int:
    known = available()
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="the large sizes (slow)")
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of: {', '.join(known)}")
    args = parser.parse_args(argv)
    names = args.names or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)} (known: {', '.join(known)})")
    env = os.environ | ({"BENCH_FULL": "1"} if args.full else {})
    failed = []
    for name in names:
        print(f"\n== {name} ==", flush=True)
        command = [sys.executable, "-c", RUN, f"bench.{name}"]
        done = subprocess.run(command, cwd=HERE.parent, env=env)
        if done.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
