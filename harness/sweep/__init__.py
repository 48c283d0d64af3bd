"""Design-space sweeps: Optuna multi-objective studies over design points of the flow.

`load_sweep` reads and checks a sweep spec (`sweeps/*.yaml`), `run` runs or resumes its study, and
`pareto_front` reads the reported front back from the study's trials. See `harness.sweep.evaluator` for
the multi-fidelity rule and `harness.sweep.objectives` for the metrics.
"""

from harness.sweep.loader import load_sweep
from harness.sweep.options import SweepOptions
from harness.sweep.runner import run
from harness.sweep.spec import SweepSpec
from harness.sweep.study import open_study, records
from harness.sweep.trials import TrialRecord, pareto_front

__all__ = [
    "SweepOptions",
    "SweepSpec",
    "TrialRecord",
    "load_sweep",
    "open_study",
    "pareto_front",
    "records",
    "run",
]
