"""Neural-network design points: QKeras training, hls4ml conversion and C simulation, RTL via da4ml."""

from harness.flow import Stages
from harness.nn.convert import convert
from harness.nn.emulate import emulate
from harness.nn.rtl import rtl
from harness.nn.train import train

STAGES = Stages(train=train, convert=convert, emulate=emulate, rtl=rtl)
