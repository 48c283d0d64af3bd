"""Design specifications: what a design point is, read from YAML and checked before any work starts.

    from harness.spec import DesignSpec, SpecError, load
    spec = load("designs/jet_mlp.yaml", ["model.weight_bits=4"])
    spec.design_hash()

The package re-exports its public names; each lives in one module:

    schema    the dataclasses, one per YAML section (DesignSpec, DataSpec, NNModelSpec, ...)
    fields    each field's documentation and value check (the metadata the loader reads)
    loader    YAML loading, `key.sub=value` overrides, the checked build from a raw mapping
    hashing   the design hash: the spec, its input files' content and the tools' versions
"""

from harness.errors import SpecError
from harness.spec.hashing import HASH_OMITTED_WHEN_NULL, file_digest, package_version
from harness.spec.loader import apply_overrides, from_dict, load, read_mapping, set_path
from harness.spec.schema import (
    DATA_FORMATS,
    DATA_SETS,
    BDTModelSpec,
    DataSpec,
    DesignSpec,
    FirmwareSpec,
    NNModelSpec,
    PretrainedSpec,
    TrainingSpec,
    VerifySpec,
)

__all__ = [
    "DATA_FORMATS",
    "DATA_SETS",
    "HASH_OMITTED_WHEN_NULL",
    "BDTModelSpec",
    "DataSpec",
    "DesignSpec",
    "FirmwareSpec",
    "NNModelSpec",
    "PretrainedSpec",
    "SpecError",
    "TrainingSpec",
    "VerifySpec",
    "apply_overrides",
    "file_digest",
    "from_dict",
    "load",
    "package_version",
    "read_mapping",
    "set_path",
]
