"""Neural-network design points: QKeras training, hls4ml conversion and C simulation, RTL via da4ml
(reuse factor 1) or the time-multiplexed multiplier generator (any reuse factor)."""

from harness.flow import Stages
from harness.nn.convert import convert
from harness.nn.emulate import emulate
from harness.nn.reuse import check_spec
from harness.nn.rtl import rtl
from harness.nn.train import train

STAGES = Stages(train=train, convert=convert, emulate=emulate, rtl=rtl, check=check_spec)
