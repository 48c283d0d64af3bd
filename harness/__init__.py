"""fpga-ml-harness: co-design and benchmarking of ML firmware (neural networks and boosted decision
trees) for FPGAs, from a design spec to RTL verified bit-exact on Verilator, with Yosys resources.

    import harness
    record = harness.evaluate("designs/jet_mlp.yaml", fidelity="verify", set={"model.hidden": [16]})
    record.verification.mismatches, record.resources.lut, record.latency.ns

`evaluate` takes one design point up the fidelity ladder; `sweep` runs an Optuna study of many;
`report` writes a study's design review. Errors derive from `HarnessError`.
"""

from importlib import metadata

from harness import numerics  # noqa: F401  first: pins TensorFlow's CPU numerics before it loads
from harness.api import evaluate, load_design, report, sweep
from harness.errors import HarnessError, ReportError, SpecError, ToolError, VerificationError
from harness.record import Record
from harness.spec import DesignSpec
from harness.toolchain import ToolNotFoundError

__version__ = metadata.version("fpga-ml-harness")

__all__ = [
    "DesignSpec",
    "HarnessError",
    "Record",
    "ReportError",
    "SpecError",
    "ToolError",
    "ToolNotFoundError",
    "VerificationError",
    "__version__",
    "evaluate",
    "load_design",
    "report",
    "sweep",
]
