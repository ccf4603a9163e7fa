"""Command line: ``python -m knowledge validate [FILE ...]`` checks monograph files."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from knowledge.errors import MonographError
from knowledge.loader import load_monograph, monograph_paths


def _validate(paths: list[Path]) -> int:
    failed = 0
    for path in paths:
        try:
            mono = load_monograph(path)
        except MonographError as exc:
            failed += 1
            print(f"INVALID {exc}", file=sys.stderr)
            continue
        facts = sum(len(t.summary) + sum(len(i.facts) for i in t.items) for t in mono.topics.values())
        print(
            f"ok      {path}: {mono.id}, {len(mono.topics)} topics, {facts} facts, "
            f"{len(mono.adverse_reaction_tables)} tables, {len(mono.red_flags)} red flags"
        )
    if not paths:
        print("no monograph files found", file=sys.stderr)
        return 1
    return 1 if failed else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="validate monograph files (default: all)")
    val.add_argument("files", nargs="*", type=Path)
    args = parser.parse_args(argv)
    return _validate(args.files or monograph_paths())


if __name__ == "__main__":
    sys.exit(main())
