"""`harness regress`: regenerate every golden design from its spec, synthesise, simulate, compare with
its baseline; exit 1 on any regression. `--update` retakes the baselines and prints what changed.

Bad input (an unknown --only name, a golden.yaml or baseline that cannot be read, a missing baseline
without --update) is refused with one `error:` line and exit 2 before any design runs.
"""

from __future__ import annotations

import argparse
import multiprocessing
import time
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path
from typing import Any

from harness.kinds import warm_up_kinds
from harness.regress.baseline import Baseline, load_baseline
from harness.regress.compare import NOTE, DesignResult, compare
from harness.regress.golden import GoldenDesign, discover
from harness.regress.report import seconds_line, table, verdict, write_junit
from harness.regress.run import Observation, observe
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


def conclude(
    goldens: list[GoldenDesign],
    baselines: dict[str, Baseline | None],
    observations: dict[str, Observation | str],
    update: bool,
    junit: Path | None = None,
    seconds: float = 0.0,
) -> int:
    """Judge the runs, print the tables (and write JUnit XML), then either give the verdict or (update)
    write the new baselines; the exit code."""
    results = [_judge(g, baselines[g.name], observations[g.name]) for g in goldens]
    for result in results:
        print("\n" + table(result))
    print("\n" + "\n".join(seconds_line(r) for r in results if r.seconds))
    if junit is not None:
        write_junit(results, junit)
        print(f"wrote JUnit XML: {junit}")
    if update:
        return _update(goldens, observations, results, seconds)
    failed = [r.name for r in results if r.failed]
    notes = sum(len(r.notes) for r in results)
    print(
        f"\nregress: {len(results)} golden design{'s' if len(results) != 1 else ''}, {len(failed)} regressed"
        f"{' (' + ', '.join(failed) + ')' if failed else ''}, {notes} notes, in {seconds:.0f} s"
    )
    return 1 if failed else 0


def run_designs(
    goldens: list[GoldenDesign], baselines: dict[str, Baseline | None], out: Path, jobs: int
) -> dict[str, Observation | str]:
    """Each golden design in its own spawned process, `jobs` at a time, largest (by the baseline's Yosys
    LUTs) first so the longest Yosys run starts at once; name -> observation, or the error text."""
    warm_up_kinds({g.spec().kind for g in goldens}, "[regress]")
    order = sorted(goldens, key=lambda g: -_size(baselines[g.name]))
    context = multiprocessing.get_context("spawn")
    results: dict[str, Observation | str] = {}
    pool = ProcessPoolExecutor(jobs, mp_context=context, max_tasks_per_child=1)
    try:
        futures: dict[Future, str] = {}
        for golden in order:
            work = out.resolve() / golden.name
            print(f"[regress] {golden.name}: queued (log: {work / 'flow.log'})", flush=True)
            futures[pool.submit(observe, golden, work)] = golden.name
        for future in as_completed(futures):
            name = futures[future]
            try:
                results[name] = future.result()
            except Exception as exc:  # the flow failed: reported as this design's error, the others go on
                stage = next((n for n in getattr(exc, "__notes__", []) if n.startswith("stage:")), "")
                results[name] = f"{stage + ': ' if stage else ''}{type(exc).__name__}: {exc}"
            outcome = "flow failed" if isinstance(results[name], str) else "ran"
            print(f"[regress] {name}: {outcome} ({len(results)}/{len(goldens)})", flush=True)
    except KeyboardInterrupt:
        # queued designs never start; running ones got the terminal's Ctrl-C too and stop on their own
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()
    return results


def _size(baseline: Baseline | None) -> float:
    return float("inf") if baseline is None else float(baseline.metrics.get("lut") or 0)


def _judge(golden: GoldenDesign, baseline: Baseline | None, obs: Observation | str) -> DesignResult:
    if isinstance(obs, str):
        return DesignResult(golden.name, error=obs)
    if baseline is None:  # --update of a design without a baseline: its own run is the reference
        baseline = Baseline.of(golden, obs)
    return compare(golden, baseline, obs)


def _update(
    goldens: list[GoldenDesign],
    observations: dict[str, Observation | str],
    results: list[DesignResult],
    seconds: float,
) -> int:
    """Write each design's new baseline and say what changed; refuse runs that are not bit-exact."""
    refused = []
    for golden, result in zip(goldens, results, strict=True):
        obs = observations[golden.name]
        if isinstance(obs, str) or obs.metrics["reference_mismatches"] != 0:
            refused.append(golden.name)
            print(
                f"[regress] {golden.name}: baseline NOT updated ({verdict(result)}): "
                "a baseline is only taken from a run that completed bit-exact against its reference"
            )
            continue
        existed = golden.baseline_path.exists()
        Baseline.of(golden, obs).write(golden)
        changed = [r for r in result.rows if r.baseline != r.new or r.verdict == NOTE]
        print(
            f"[regress] {golden.name}: {'updated' if existed else 'new'} baseline {golden.baseline_path}"
            f"{': ' + str(len(changed)) + ' fields changed' if changed else ' (nothing changed)'}"
        )
        for row in changed:
            detail = row.message if row.verdict == NOTE else row.change
            print(f"    {row.label}: {row.baseline} -> {row.new} ({detail})")
    print(
        f"\nregress --update: {len(results) - len(refused)} baselines written, {len(refused)} refused, "
        f"in {seconds:.0f} s"
    )
    return 1 if refused else 0
