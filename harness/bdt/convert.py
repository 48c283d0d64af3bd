"""The `convert` stage of a BDT design: the trained forest through conifer, checked, quantised, compiled.

conifer turns the trained forest into its own representation (`harness.bdt.to_conifer`) and, with its
`cpp` backend (`harness.bdt.backend`), into the bit-accurate C++ emulation that is the reference for
the RTL; its compiled module depends only on the types, so it comes from the `conifer` store when a
design with the same types built it before (`harness.bdt.cpp_cache`). The same conifer model, checked
(`harness.bdt.checks`) and quantised exactly as that C++ code quantises it (`harness.bdt.forest`), is
what the Verilog generator reads.
"""

from __future__ import annotations

from pathlib import Path

from harness.bdt.backend import EMULATION_BACKEND, conifer_config, cpp_type
from harness.bdt.checks import model_leaf_values, model_thresholds, out_of_range
from harness.bdt.cpp_cache import compile_emulation
from harness.bdt.forest import quantise
from harness.bdt.to_conifer import check_against_trained, from_trained
from harness.data import Dataset
from harness.fixed import FixedType
from harness.spec import DesignSpec
from harness.stages import Converted, Trained
from harness.toolchain import Toolchain

#: Test events on which conifer's float evaluation (pure Python, slow) is checked against the trained model.
CHECK_EVENTS = 500


def convert(
    spec: DesignSpec, trained: Trained, dataset: Dataset, out_dir: Path, toolchain: Toolchain
) -> Converted:
    """conifer model (cpp backend, compiled) plus the input/output types the RTL is built with."""
    import conifer

    threshold_type = FixedType.parse(spec.firmware.threshold_precision)
    score_type = FixedType.parse(spec.firmware.score_precision)
    work = (out_dir / "conifer").resolve()
    config = conifer_config(EMULATION_BACKEND, threshold_type, score_type, work, _project(spec.name))
    model = from_trained(trained.model, config)
    forest = quantise(model, threshold_type, score_type, dataset.n_features)
    sample = slice(0, CHECK_EVENTS)
    agreement = check_against_trained(model, trained.float_scores[sample], dataset.x_test[sample])
    print(
        f"[convert] conifer {conifer.__version__}: {forest.n_outputs} output(s) x {forest.n_trees} trees; "
        f"cpp emulation ({cpp_type(threshold_type)} / {cpp_type(score_type)}) ...",
        flush=True,
    )
    module = compile_emulation(model, toolchain)
    if module.startswith("compiled"):
        print(f"[convert] cpp emulation {module}", flush=True)
    else:
        print(f"[convert] cpp emulation from the cache (same types and compiler): {module}", flush=True)
    info = {
        "conifer": conifer.__version__,
        "converter": model.library,
        "splitting": model.splitting_convention,
        "threshold_precision": str(threshold_type),
        "score_precision": str(score_type),
        "n_outputs": forest.n_outputs,
        "n_nodes": model.n_nodes() - model.n_leaves(),
        "n_leaves": model.n_leaves(),
        "tree_depth": forest.max_depth,
        "init_predict": list(forest.init),
        "thresholds_out_of_range": out_of_range(model_thresholds(model), threshold_type),
        "leaves_out_of_range": out_of_range(model_leaf_values(model), score_type),
        "conifer_model_file": str(work / f"{config['ProjectName']}.json"),
        "conifer_compiler": toolchain["c++"].label,
        "conifer_module": module,
        "conifer_float_agreement": agreement,
    }
    return Converted(
        model=model,
        input_types=[threshold_type] * forest.n_features,
        output_types=[score_type] * forest.n_outputs,
        info=info,
    )


def _project(name: str) -> str:
    """A C++/file-safe conifer project name."""
    return "".join(ch if ch.isalnum() else "_" for ch in name)
