"""The same float training on every x86 CPU: TensorFlow's CPU kernels pinned before TensorFlow loads.

TensorFlow 2.14 turns its oneDNN graph rewrites on by itself only on CPUs with AVX-512 VNNI/BF16/AMX,
and its matrix products go through oneDNN's sgemm, which picks AVX-512, AVX2 or SSE kernels at run
time. Each choice sums in another order, so the same seed trained another model on another CPU: the
jet MLP's golden design scored 72.22 % as trained on the machine that took its baseline and 71.60 % on
an AVX2-only EPYC, with every output word different. Measured on the EPYC (3 epochs of the jet MLP,
weight digests): oneDNN rewrites on and off give different weights, and so does oneDNN capped at SSE4.1
against AVX2; one thread and two give the same.

`pin`, run when this module is imported (the first thing `import harness` does), sets unless the user
set them already `TF_ENABLE_ONEDNN_OPTS=0` (no rewrites on any CPU) and, on x86-64,
`ONEDNN_MAX_CPU_ISA=AVX2` (the same sgemm kernels on every x86 CPU since 2013). It takes effect unless
TensorFlow was imported first. `settings` goes into the training cache key and the training record, so
a model trained under other settings is never taken for this one.
"""

from __future__ import annotations

import os
import platform
import sys

#: What TensorFlow's CPU numerics read from the environment when it loads, and the pinned values.
PINNED: dict[str, str] = {"TF_ENABLE_ONEDNN_OPTS": "0"}
if platform.machine().lower() in ("x86_64", "amd64"):
    PINNED["ONEDNN_MAX_CPU_ISA"] = "AVX2"


def pin() -> None:
    """Set each of `PINNED` that the environment does not set; warn when TensorFlow is already loaded
    and leave the environment as TensorFlow read it (so `settings` says what is in force)."""
    unset = [name for name in PINNED if name not in os.environ]
    if unset and "tensorflow" in sys.modules:
        print(
            "warning: tensorflow was imported before harness, so its CPU kernels are not pinned "
            f"({', '.join(f'{n}={PINNED[n]}' for n in unset)}): a model trained here may differ from "
            "one trained on another CPU; import harness first",
            file=sys.stderr,
        )
        return
    for name in unset:
        os.environ[name] = PINNED[name]


def settings() -> dict[str, str | None]:
    """The numerics settings in force (for the training cache key and the training record)."""
    return {name: os.environ.get(name) for name in PINNED}


pin()
