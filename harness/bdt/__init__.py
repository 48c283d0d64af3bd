"""Boosted decision trees: xgboost/scikit-learn -> conifer -> Verilog, checked against conifer's emulation.

The kind-specific half of the flow for `kind: bdt` designs (see `harness.flow`): `train` fits the
forest, `convert` turns it into a conifer model and compiles conifer's bit-accurate C++ emulation,
`emulate` runs that reference on the test events, and `rtl` generates the pipelined Verilog.
"""

from harness.bdt.convert import convert
from harness.bdt.emulate import emulate
from harness.bdt.rtl import rtl
from harness.bdt.train import train
from harness.flow import Stages

STAGES = Stages(train=train, convert=convert, emulate=emulate, rtl=rtl)

__all__ = ["STAGES"]
