"""Neural-network design points: QKeras training, hls4ml conversion and C simulation, RTL via da4ml
(reuse factor 1) or the time-multiplexed multiplier generator (any reuse factor).

The stage functions are reached through their modules (`train.train`, ...), not re-exported under the
modules' own names: a package attribute named like a submodule would hide that submodule, so
`import harness.nn.convert as m` would yield the function.
"""

import os

# TensorFlow's C++ log quietened before its first import: the package's modules import TensorFlow (and
# hls4ml, which imports it) inside their functions
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

from harness.nn import convert, emulate, reuse, rtl, train  # noqa: E402
from harness.stages import Stages  # noqa: E402

STAGES = Stages(
    train=train.train,
    convert=convert.convert,
    emulate=emulate.emulate,
    rtl=rtl.rtl,
    check=reuse.check_spec,
    save_model=train.save_model,
    load_model=train.load_model,
    warm_up=rtl.warm_up_da4ml,
    layer_names=reuse.planned_layer_names,
    shape_fields=("model.hidden",),
    shape_checked_fields=("firmware.reuse_factor",),
)

__all__ = ["STAGES"]
