"""`harness study add`: import a vendor-measured point (from `harness vendor-report --metrics`) into a
sweep study, so reports show it beside the open-flow designs and count it in the Pareto front."""

from __future__ import annotations

from pathlib import Path
from typing import Any


def register(subparsers: Any) -> None:
    parser = subparsers.add_parser("study", help="manage sweep studies (import vendor-measured points)")
    actions = parser.add_subparsers(dest="action", required=True, metavar="ACTION")
    add = actions.add_parser(
        "add",
        help="add a vendor-measured point (harness vendor-report --metrics OUT.json) to a study",
        description="STUDY is the study's sweep YAML, or its name (then --storage, or the journal under "
        "--results). The point is labelled as vendor-measured everywhere and enters the report's Pareto "
        "front with its sources; the same design imported again (a project copied, re-exported or "
        "re-dated: identical but for file names, folders and dates) is flagged as a duplicate.",
    )
    add.add_argument(
        "study",
        metavar="STUDY",
        help="sweep YAML or study name (create a study without trials with `harness sweep SPEC --trials 0`)",
    )
    add.add_argument("metrics", type=Path, metavar="METRICS.json", help="output of vendor-report --metrics")
    add.add_argument("--accuracy", type=float, help="accuracy of this firmware (the report has none)")
    add.add_argument("--label", help="name shown in tables and plots (default vendor:<file name>)")
    add.add_argument("--storage", help="Optuna storage URL or journal file (default: the sweep's)")
    add.add_argument("--results", default="runs/sweeps", help="sweep results folder (default runs/sweeps)")
    add.set_defaults(func=_add)


def _open(study: str, storage: str | None, results: Path) -> tuple[Any, Any]:
    from harness.report import study as studies

    if study.endswith((".yaml", ".yml")):
        return studies.from_spec(study, results, None, storage)
    return studies.from_storage(study, storage or str(results / "studies" / f"{study}.journal"), results)


def _add(args: Any) -> int:
    from harness.report.vendor import add_point

    if args.accuracy is not None and not 0 <= args.accuracy <= 1:
        print(f"error: --accuracy {args.accuracy} must be a fraction in [0, 1]")
        return 2
    info, study = _open(args.study, args.storage, Path(args.results))
    imported = add_point(info, study, args.metrics, args.accuracy, args.label)
    values = ", ".join(f"{o.metric} {v:g}" for o, v in zip(info.objectives, imported.values, strict=True))
    print(
        f"[study] added vendor-measured point {imported.label!r} as trial {imported.number} of study "
        f"{info.name!r}: {values}; {_constraints(imported.violated)}"
    )
    for note in imported.notes:
        print(f"[study] note: {note}")
    if imported.duplicate_of is not None:
        print(
            f"[study] warning: duplicate of trial {imported.duplicate_of}: the same design (identical but "
            "for file names, folders and dates); reports flag it and count the point once"
        )
    print(f"[study] record: {imported.record}")
    return 0


def _constraints(violated: dict[str, float]) -> str:
    """`inside the constraints`, or which constraints the point violates and by how much (latency in ns,
    resources in cells over the device's capacity)."""
    if not violated:
        return "inside the constraints"
    return "OUTSIDE the constraints: " + ", ".join(f"{name} over by {v:g}" for name, v in violated.items())
