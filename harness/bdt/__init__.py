"""Boosted decision trees: xgboost/scikit-learn -> conifer -> Verilog, checked against conifer's emulation.

The kind-specific half of the flow for `kind: bdt` designs (see `harness.flow`): `train` fits the
forest, `convert` turns it into a conifer model and compiles conifer's bit-accurate C++ emulation,
`emulate` runs that reference on the test events, and `rtl` generates the pipelined Verilog. The stage
functions are reached through their modules, not re-exported under the modules' own names (that would
hide the submodules: `import harness.bdt.convert as m` would yield the function).
"""

from harness.bdt import convert, emulate, rtl, train
from harness.stages import Stages

STAGES = Stages(
    train=train.train,
    convert=convert.convert,
    emulate=emulate.emulate,
    rtl=rtl.rtl,
    save_model=train.save_model,
    load_model=train.load_model,
)

__all__ = ["STAGES"]
