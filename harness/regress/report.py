"""What a regression run shows: a table per golden design (baseline, new, change, tolerance, verdict per
field) with the failures and notes spelled out under it, and JUnit XML for CI systems (one test suite
per design, one test case per field; failures carry the message, notes go to the case's system-out).
"""

from __future__ import annotations

from pathlib import Path

from junitparser import Error, Failure, JUnitXml, TestCase, TestSuite

from harness.regress.compare import FAIL, NOTE, DesignResult

COLUMNS = ("field", "baseline", "new", "change", "tolerance", "verdict")


def verdict(result: DesignResult) -> str:
    if result.error is not None:
        return "ERROR"
    if result.failed:
        return "REGRESSION"
    return "pass (with notes)" if result.notes else "pass"


def table(result: DesignResult, title: str = "") -> str:
    """The design's rows as an aligned text table, then each failure's and note's message."""
    head = f"{result.name}: {verdict(result)}{'  ' + title if title else ''}"
    if result.error is not None:
        return "\n".join([head, *("  " + line for line in result.error.splitlines())])
    cells = [COLUMNS, *((r.label, r.baseline, r.new, r.change, r.tolerance, r.verdict) for r in result.rows)]
    widths = [max(len(row[i]) for row in cells) for i in range(len(COLUMNS))]
    lines = [
        head,
        *("  " + "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in cells),
    ]
    lines += [f"  source of {key}: {value}" for key, value in result.sources.items()]
    for row in result.rows:
        if row.message:
            tag = "regression" if row.verdict == FAIL else row.verdict
            lines += [
                f"  {tag}: {row.message.splitlines()[0]}",
                *("    " + m for m in row.message.splitlines()[1:]),
            ]
    return "\n".join(lines)


def seconds_line(result: DesignResult) -> str:
    """Where the design's time went (train/synth from the caches show as near zero)."""
    parts = [f"{k} {v:.0f} s" for k, v in result.seconds.items() if k != "total"]
    return f"{result.name}: {result.seconds.get('total', 0):.0f} s ({', '.join(parts)})"


def write_junit(results: list[DesignResult], path: Path) -> None:
    """JUnit XML: suite `regress.<design>`, a case per field (or one `flow` case when the flow failed)."""
    xml = JUnitXml("harness regress")
    for result in results:
        suite = TestSuite(f"regress.{result.name}")
        classname = f"regress.{result.name}"
        if result.error is not None:
            case = TestCase("flow", classname=classname, time=result.seconds.get("total", 0.0))
            case.result = [Error(result.error.splitlines()[0], "FlowError")]
            case.result[0].text = result.error
            suite.add_testcase(case)
        for row in result.rows:
            case = TestCase(row.field, classname=classname)
            summary = (
                f"{row.label}: baseline {row.baseline}, new {row.new}, change {row.change or '-'}, "
                f"tolerance {row.tolerance}"
            )
            if row.verdict == FAIL:
                failure = Failure(row.message.splitlines()[0], "regression")
                failure.text = row.message
                case.result = [failure]
            case.system_out = summary + (f"\nnote: {row.message}" if row.verdict == NOTE else "")
            suite.add_testcase(case)
        suite.update_statistics()
        suite.time = result.seconds.get("total", 0.0)  # the design's whole flow; fields have no own time
        xml.add_testsuite(suite)
    path.parent.mkdir(parents=True, exist_ok=True)
    xml.write(str(path), pretty=True)
