"""`harness regress`: regenerate every golden design from its spec, synthesise, simulate, compare with
its baseline; exit 1 on any regression. `--update` retakes the baselines and prints what changed.

Bad input (an unknown --only name, a golden.yaml or baseline that cannot be read, a missing baseline
without --update) is refused with one `error:` line and exit 2 before any design runs.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import Any

from harness.regress.baseline import load_baseline
from harness.regress.golden import discover
from harness.regress.session import conclude, run_designs
from harness.spec import SpecError


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser(
        "regress",
        help="re-verify the golden designs against their stored baselines (CI firmware regression)",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--update", action="store_true", help="retake the baselines and print what changed")
    parser.add_argument("--junit", metavar="FILE", help="write JUnit XML (a case per design and field)")
    parser.add_argument(
        "--only", action="append", default=[], metavar="NAME", help="run only this golden design (repeatable)"
    )
    parser.add_argument(
        "--jobs", type=int, default=1, metavar="K", help="designs run side by side (default 1)"
    )
    parser.add_argument(
        "--golden", default="regress", metavar="DIR", help="golden designs (default regress/)"
    )
    parser.add_argument(
        "--out", default="runs/regress", metavar="DIR", help="work folders (default runs/regress)"
    )
    parser.set_defaults(func=_run_cli)


def _run_cli(args: Any) -> int:
    start = time.monotonic()
    if args.jobs < 1:
        raise SpecError(f"--jobs {args.jobs} is not valid; must be a whole number >= 1")
    goldens = discover(Path(args.golden), args.only)
    baselines = {g.name: load_baseline(g) for g in goldens}
    missing = [g for g in goldens if baselines[g.name] is None]
    if missing and not args.update:
        names = " ".join(f"--only {g.name}" for g in missing)
        raise SpecError(
            f"no baseline for {', '.join(g.name for g in missing)}; take it with "
            f"`harness regress --update {names}` and commit it"
        )
    try:
        observations = run_designs(goldens, baselines, Path(args.out), args.jobs)
    except KeyboardInterrupt:
        print(
            f"\n[regress] interrupted (Ctrl-C) after {time.monotonic() - start:.0f} s: no verdict, no JUnit "
            "XML, and no baseline was written; run the same command again",
            flush=True,
        )
        return 130
    junit = Path(args.junit) if args.junit else None
    return conclude(goldens, baselines, observations, args.update, junit, time.monotonic() - start)
