"""A regression session: the golden designs run side by side (`run_designs`), judged against their
baselines and, with `--update`, their baselines retaken (`conclude`). `harness.cli.regress` is its
command line."""

from __future__ import annotations

import multiprocessing
from concurrent.futures import Future, ProcessPoolExecutor, as_completed
from pathlib import Path

from harness.kinds import warm_up_kinds
from harness.regress.baseline import Baseline
from harness.regress.compare import NOTE, DesignResult, compare
from harness.regress.golden import GoldenDesign
from harness.regress.report import seconds_line, table, verdict, write_junit
from harness.regress.run import Observation, observe


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
