"""One real tiny study shared by the report tests: a random NN sweep with a 30 ns budget (some designs
miss it), promotion to Verilator (the front verified, the rest left at estimate), resumed once for one
trial with Yosys given 0.01 s and every design promoted (no budget, within 99 % of the front: the trial
genuinely times out in Yosys and fails, with the reason stored), and three vendor-measured
points imported with `harness study add`: a real Vivado report outside the budget, the same report
again differing only by a timestamp (a duplicate), and one stating exactly the numbers of a verified
front design (a tie); then the sweep is resumed over them."""

from __future__ import annotations

import contextlib
import io
import json
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from harness.cli import main
from harness.sweep import load_sweep, open_study, records
from harness.sweep.options import SweepOptions
from harness.sweep.trials import TrialRecord, pareto_front
from tests.conftest import SHARED_FIXTURES

VIVADO_PROJECT = SHARED_FIXTURES / "vendor-reports" / "hls4ml-test_report" / "Vivado"
#: The imported Vivado point claims more accuracy than any tiny design: only the budget keeps it off the
#: front.
VENDOR_ACCURACY = 0.99
#: what `harness study add` says of the Vivado fixture point, far over the tiny study's latency budget
OUTSIDE = "OUTSIDE the constraints: latency_budget over by"


#: A resumed run whose one trial fails for a real reason: synthesis in Yosys exceeds a 0.01 s limit. The
#: budget is lifted and promotion made certain for that run so its design is promoted whatever it is;
#: `--timeout 1` stops the run after that trial.
TIMED_OUT = [
    *("--set", "set.verify.synth_timeout_s=0.01", "--set", "budget_us=null"),
    *("--set", "promotion.after=0", "--set", "promotion.near=0.99", "--set", "promotion.max=null"),
    *("--timeout", "1"),
]


@dataclass
class Study:
    spec: Path
    results: Path
    out: Path
    trials: list[TrialRecord]
    vendor: dict[str, int]  # role -> trial number
    tie_of: int  # the verified trial the tie copies


def _add(spec: Path, results: Path, metrics: Path, accuracy: float, label: str, says: str) -> int:
    """`harness study add` of the point; its summary line must contain `says`."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = main(
            ["study", "add", str(spec), str(metrics), "--accuracy", repr(accuracy), "--label", label]
            + ["--results", str(results)]
        )
    assert code == 0 and says in out.getvalue(), out.getvalue()
    sweep = load_sweep(spec)
    return records(open_study(sweep, SweepOptions(results=results)))[-1].number


@pytest.fixture(scope="session")
def study(tmp_path_factory, tiny_study) -> Study:
    """The shared small study copied (its journal and design folders), then extended for the report."""
    folder = tmp_path_factory.mktemp("report-study")
    spec = folder / tiny_study[0].name
    shutil.copy(tiny_study[0], spec)
    results = folder / "results"
    shutil.copytree(tiny_study[1], results, symlinks=True)
    sweep = load_sweep(spec)
    complete = sum(t.state == "COMPLETE" for t in records(open_study(sweep, SweepOptions(results=results))))
    assert (
        main(["sweep", str(spec), "--results", str(results), "--trials", str(complete + 1), *TIMED_OUT]) == 0
    )
    assert sum(t.state == "FAIL" for t in records(open_study(sweep, SweepOptions(results=results)))) == 1
    front = pareto_front(records(open_study(sweep, SweepOptions(results=results))), sweep.directions)
    target = next(t for t in front if t.verified)
    vivado = folder / "vivado.json"
    assert main(["vendor-report", str(VIVADO_PROJECT), "--metrics", str(vivado)]) == 0
    metrics = json.loads(vivado.read_text())
    again = folder / "vivado-again.json"
    again.write_text(
        json.dumps({**metrics, "vendor": {**metrics["vendor"], "exported_at": "2025-06-01T10:00"}})
    )
    record = json.loads(Path(target.record).read_text())
    tie = folder / "tie.json"
    metrics["latency"] = {**metrics["latency"], "ns": record["latency"]["ns"]}
    metrics["resources"] = {
        **metrics["resources"],
        "lut": record["resources"]["lut"],
        "dsp": record["resources"]["dsp"],
    }
    tie.write_text(json.dumps(metrics))
    vendor = {
        "outside": _add(spec, results, vivado, VENDOR_ACCURACY, "Vivado 2020.1", OUTSIDE),
        "duplicate": _add(spec, results, again, VENDOR_ACCURACY, "Vivado 2020.1 again", OUTSIDE),
        "tie": _add(spec, results, tie, target.values[0], "tie", "inside the constraints"),
    }
    # a resumed sweep (its front verification included) runs on a study holding vendor points, which do
    # not count toward its trial target: one more trial runs
    assert main(["sweep", str(spec), "--results", str(results), "--trials", str(complete + 2)]) == 0
    out = folder / "report"
    assert main(["report", str(spec), "--results", str(results), "--out", str(out)]) == 0
    trials = records(open_study(sweep, SweepOptions(results=results)))
    assert sum(t.ran for t in trials) == complete + 2 and sum(t.kind == "vendor" for t in trials) == 3
    return Study(spec, results, out, trials, vendor, target.number)
