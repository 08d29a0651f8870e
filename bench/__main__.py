"""Run the benchmarks: ``python -m bench [name ...]`` (all of them without names).

A benchmark is a module here with a top-level ``run()``. Each runs in a process
of its own, because each sets Django up on its own throwaway database and
Django can be set up only once per process; that is also why ``run()`` is found
by reading the source, not by importing the module here.
"""

from __future__ import annotations

import argparse
import ast
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
    parser.add_argument("names", nargs="*", metavar="name", help=f"one of: {', '.join(known)}")
    names = parser.parse_args(argv).names or known
    unknown = sorted(set(names) - set(known))
    if unknown:
        parser.error(f"no benchmark named {', '.join(unknown)} (known: {', '.join(known)})")
    failed = []
    for name in names:
        print(f"\n== {name} ==", flush=True)
        done = subprocess.run([sys.executable, "-c", RUN, f"bench.{name}"], cwd=HERE.parent)
        if done.returncode:
            failed.append(name)
    if failed:
        print(f"\nfailed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
