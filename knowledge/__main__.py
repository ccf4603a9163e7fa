"""Command line: ``python -m knowledge validate [FILE ...]`` checks monograph files;
``python -m knowledge diff OLD [NEW]`` lists the facts changed between two versions."""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from knowledge import diff
from knowledge.errors import KnowledgeError, MonographError
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


def _diff(args: argparse.Namespace) -> int:
    try:
        old = diff.read_version(args.old, args.repo, args.drug)
        new = diff.read_version(args.new, args.repo, args.drug)
        report = diff.compare(old, new, args.drug)
    except KnowledgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    for warning in old.warnings + new.warnings:
        print(f"note: {warning}", file=sys.stderr)
    try:
        print(json.dumps(diff.to_json(report), indent=2) if args.json else diff.format_text(report))
        sys.stdout.flush()
    except BrokenPipeError:  # piped into head or a closed pager
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m knowledge", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    val = sub.add_parser("validate", help="validate monograph files (default: all)")
    val.add_argument("files", nargs="*", type=Path)
    dif = sub.add_parser(
        "diff",
        help="facts added, removed, changed and moved between two versions",
        description="OLD and NEW: a monograph file, a directory of them, or a git revision "
        "(its knowledge/monographs); NEW defaults to the working tree. Exit 0 with or without "
        "differences, 2 on bad input.",
    )
    dif.add_argument("old", metavar="OLD", help="file, directory or git revision (HEAD~1, a tag, a hash)")
    dif.add_argument("new", metavar="NEW", nargs="?", help="the same kinds (default: the working tree)")
    dif.add_argument("--drug", metavar="ID", help="compare this drug only")
    dif.add_argument("--repo", type=Path, metavar="PATH", help="git repository of revisions (default: here)")
    dif.add_argument("--json", action="store_true", help="print a JSON object instead of text")
    args = parser.parse_args(argv)
    if args.command == "diff":
        return _diff(args)
    return _validate(args.files or monograph_paths())


if __name__ == "__main__":
    sys.exit(main())
