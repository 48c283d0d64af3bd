"""Design specs: what a design point is, as dataclasses, one per section of the YAML.

A design spec is the single input of the flow. Everything that determines a result is in it (the
seed included), so `design_hash()` keys results (`harness.spec.hashing`). Each field carries its
documentation and its check (`harness.spec.fields`), read by the loader (`harness.spec.loader`).
Checks across fields of a section are in its `__post_init__`.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path

from harness.errors import SpecError
from harness.spec import hashing
from harness.spec.fields import bits, column_names, doc, fraction, layer_widths, one_of, positive, precision

#: Data sets the harness knows by name; `file` is the user's own file at `data.path`.
DATA_SETS = ("jets-synthetic", "jets-hlf", "tracks-synthetic", "file")
#: `verify.max_rtl_lut` when it is null: 3x the largest golden design (regress/jet_mlp, 31k LUT by
#: Yosys), where Yosys takes well over 10 minutes on a 2-core machine (50k LUT: 6 min 20 s; a
#: 118k-LUT design: over 15 minutes and 2.5 GB).
DEFAULT_MAX_RTL_LUT = 100_000
#: Formats of `data.name: file`, and the suffixes they are inferred from.
DATA_FORMATS = {"csv": (".csv",), "parquet": (".parquet", ".pq"), "npz": (".npz",), "root": (".root",)}


@dataclass
class DataSpec:
    name: str | None = field(
        default=None,
        metadata=doc(
            "data set: jets-synthetic (embedded, seeded; the default without `path`), jets-hlf (OpenML "
            "hls4ml_lhc_jets_hlf, or a local copy via `path`), tracks-synthetic (embedded toy tracker), "
            "file (your own file at `path`; the default with `path`)",
            one_of(*DATA_SETS),
        ),
    )
    path: str | None = field(
        default=None,
        metadata=doc(
            "data file (relative to the design file): your own for `file`, or a local copy of jets-hlf "
            "(.csv/.parquet/.npz with the OpenML columns)"
        ),
    )
    format: str | None = field(
        default=None,
        metadata=doc(
            f"format of `path` for `file`: {', '.join(DATA_FORMATS)}; null infers it from the suffix "
            f"({', '.join(s for suffixes in DATA_FORMATS.values() for s in suffixes)})",
            one_of(*DATA_FORMATS),
        ),
    )
    tree: str | None = field(
        default=None,
        metadata=doc("TTree of a ROOT file (`file`); null: the file's only TTree"),
    )
    columns: list[str] | None = field(
        default=None,
        metadata=doc(
            "names of the columns of a CSV file without a header row, in the file's order (its first row "
            "is then data); null: the CSV file's first row names them",
            column_names,
        ),
    )
    features: list[str] | None = field(
        default=None,
        metadata=doc(
            "feature columns (CSV/Parquet), branches (ROOT) or arrays (.npz) of `file`, in the model's "
            "input order; a 2-D array or fixed-size array branch `x` gives the features x[0], x[1], ...",
            column_names,
        ),
    )
    label: str | None = field(
        default=None,
        metadata=doc(
            "class column of `file`: integer, boolean or string classes, mapped in sorted order to "
            "0, 1, ... (the mapping is recorded in metrics.json)"
        ),
    )
    standardise: bool = field(
        default=True,
        metadata=doc(
            "standardise the features with the training split's mean and standard deviation (stored in "
            "metrics.json); false feeds the raw features, e.g. to a model trained on them"
        ),
    )
    n_samples: int = field(default=60000, metadata=doc("events to generate (synthetic sets)", positive))
    test_fraction: float = field(default=0.2, metadata=doc("share of events held out for test", fraction))
    val_fraction: float = field(default=0.1, metadata=doc("share of events for validation", fraction))

    @property
    def resolved_name(self) -> str:
        """`name` with its default resolved (by __post_init__, so never None)."""
        assert self.name is not None, "DataSpec.__post_init__ sets the default data set"
        return self.name

    def __post_init__(self) -> None:
        """Resolve the default data set and refuse fields that the chosen one does not read."""
        if self.name is None:
            self.name = "file" if self.path else "jets-synthetic"
        file_only = {k: getattr(self, k) for k in ("format", "tree", "columns", "features", "label")}
        if self.name != "file":
            given = [f"data.{k}" for k, v in file_only.items() if v is not None]
            if given:
                raise SpecError(f"{', '.join(given)}: read only for data.name: file (your own data file)")
            if self.path and self.name != "jets-hlf":
                raise SpecError(
                    f"data.path: {self.name} does not read a file; use data.name: file for your own data "
                    "(with data.features and data.label), or jets-hlf for a local copy of that data set"
                )
            return
        missing = [f"data.{k}" for k in ("path", "features", "label") if not getattr(self, k)]
        if missing:
            raise SpecError(f"data.name file needs {', '.join(missing)}")
        if self.features is not None and self.label in self.features:  # both set (checked above)
            raise SpecError(f"data.label: {self.label!r} is also listed in data.features")
        fmt = self.data_format()
        if fmt != "root" and self.tree is not None:
            raise SpecError(f"data.tree: only ROOT files have trees; {self.path} is {fmt}")
        if self.columns is not None:
            if fmt != "csv":
                raise SpecError(
                    f"data.columns: names the columns of a CSV file without a header row; {self.path} is "
                    f"{fmt}, whose columns are named in the file: leave data.columns out"
                )
            for key, names in (("features", self.features or []), ("label", [self.label])):
                if unknown := [n for n in names if n not in self.columns]:
                    raise SpecError(
                        f"data.{key}: {', '.join(map(repr, unknown))} not among data.columns "
                        f"({', '.join(self.columns)})"
                    )

    def data_format(self) -> str:
        """`format`, or the format its suffix names; SpecError naming the valid ones otherwise."""
        if self.format is not None:
            return self.format
        suffix = Path(self.path or "").suffix.lower()
        for name, suffixes in DATA_FORMATS.items():
            if suffix in suffixes:
                return name
        known = ", ".join(f"{s} ({name})" for name, suffixes in DATA_FORMATS.items() for s in suffixes)
        raise SpecError(
            f"data.path: cannot tell the format of {self.path} from its suffix; known: {known}, "
            "or set data.format"
        )


@dataclass
class PretrainedSpec:
    model: str | None = field(
        default=None,
        metadata=doc(
            "one file holding the whole model (relative to the design file): a Keras 2 HDF5 file "
            "(model.save(...h5)) or tf.keras .keras archive, or ONNX (.onnx, read by hls4ml's ONNX front "
            "end after qonnx's cleanup); Keras 3 .keras files are refused"
        ),
    )
    architecture: str | None = field(
        default=None, metadata=doc("Keras/QKeras model JSON (relative to the design file)")
    )
    weights: str | None = field(default=None, metadata=doc("HDF5 weights file (relative to the design file)"))
    hls4ml_config: str | None = field(
        default=None,
        metadata=doc("hls4ml configuration YAML with per-layer precisions (its HLSConfig is used)"),
    )

    def __post_init__(self) -> None:
        if (self.model is None) == (self.architecture is None or self.weights is None):
            raise SpecError(
                "model.pretrained: give either `model` (one Keras HDF5 or ONNX file; `model.pretrained: "
                "PATH` for short) or both `architecture` (JSON) and `weights` (HDF5)"
            )

    def files(self) -> dict[str, str]:
        """The files the model is read from, by field name."""
        names = ("model", "architecture", "weights", "hls4ml_config")
        return {name: path for name in names if (path := getattr(self, name)) is not None}


@dataclass
class NNModelSpec:
    hidden: list[int] = field(
        default_factory=lambda: [64, 32, 32], metadata=doc("hidden layer widths", layer_widths)
    )
    weight_bits: int = field(
        default=6, metadata=doc("QKeras quantized_bits width of weights and biases", bits)
    )
    weight_integer_bits: int = field(
        default=0,
        metadata=doc(
            "integer bits of the weight quantizer (excluding sign)",
            lambda v: None if 0 <= v < 16 else "0..15",
        ),
    )
    activation_bits: int = field(default=6, metadata=doc("quantized_relu width", bits))
    activation_integer_bits: int = field(
        default=0, metadata=doc("quantized_relu integer bits", lambda v: None if 0 <= v < 16 else "0..15")
    )
    pruning: float = field(
        default=0.0,
        metadata=doc("final sparsity target of magnitude pruning (polynomial decay); 0 disables", fraction),
    )
    pretrained: PretrainedSpec | str | None = field(
        default=None,
        metadata=doc(
            "load a trained model instead of training one: PATH (a full Keras HDF5 or ONNX file) or "
            "{model | architecture + weights, hls4ml_config}; the training fields are then not used"
        ),
    )

    def __post_init__(self) -> None:
        if isinstance(self.pretrained, str):
            self.pretrained = PretrainedSpec(model=self.pretrained)

    @property
    def pretrained_spec(self) -> PretrainedSpec | None:
        """`pretrained` in its long form (the short form PATH is `PretrainedSpec(model=PATH)`)."""
        if isinstance(self.pretrained, str):
            return PretrainedSpec(model=self.pretrained)
        return self.pretrained


@dataclass
class BDTModelSpec:
    n_trees: int = field(default=25, metadata=doc("boosting rounds (trees per class)", positive))
    max_depth: int = field(
        default=5,
        metadata=doc("maximum tree depth", lambda v: None if 1 <= v <= 12 else "must be between 1 and 12"),
    )
    learning_rate: float = field(default=0.3, metadata=doc("boosting learning rate", positive))
    trainer: str = field(default="xgboost", metadata=doc("training library", one_of("xgboost", "sklearn")))
    pretrained: str | None = field(
        default=None,
        metadata=doc(
            "load a trained forest instead of training one (relative to the design file): xgboost JSON or "
            "UBJSON (save_model), conifer JSON (save()) or ONNX TreeEnsembleClassifier/Regressor; the "
            "training fields are then not used. Pickles are never loaded"
        ),
    )


@dataclass
class TrainingSpec:
    epochs: int = field(default=30, metadata=doc("training epochs (NN)", positive))
    batch_size: int = field(default=512, metadata=doc("mini-batch size (NN)", positive))
    learning_rate: float = field(default=3e-3, metadata=doc("Adam learning rate (NN)", positive))


@dataclass
class FirmwareSpec:
    part: str = field(default="xcvu9p-flga2104-2L-e", metadata=doc("FPGA part"))
    clock_ns: float = field(default=5.0, metadata=doc("target clock period in ns", positive))
    io_type: str = field(default="io_parallel", metadata=doc("hls4ml IO type", one_of("io_parallel")))
    strategy: str = field(default="Latency", metadata=doc("hls4ml strategy", one_of("Latency", "Resource")))
    reuse_factor: int | dict[str, int] = field(
        default=1,
        metadata=doc(
            "hls4ml ReuseFactor: one for the whole model, or a mapping dense layer name -> reuse factor "
            "(others 1); must be valid by hls4ml's rule for each layer; > 1 needs arithmetic auto or mac"
        ),
    )
    arithmetic: str = field(
        default="auto",
        metadata=doc(
            "RTL arithmetic: auto (da at reuse factor 1, mac above; the choice is recorded), da (da4ml "
            "distributed arithmetic, LUT only, reuse factor 1) or mac (time-multiplexed multipliers "
            "mapped to DSPs, any valid reuse factor; see harness.nn.mac)",
            one_of("auto", "da", "mac"),
        ),
    )
    input_precision: str | None = field(
        default="ap_fixed<16,6>", metadata=doc("precision of the model input (hls4ml input_t)", precision)
    )
    default_precision: str = field(
        default="ap_fixed<16,6>",
        metadata=doc("hls4ml Model precision for layers without a quantizer", precision),
    )
    threshold_precision: str = field(
        default="ap_fixed<16,6>", metadata=doc("BDT threshold/feature precision", precision)
    )
    score_precision: str = field(default="ap_fixed<16,6>", metadata=doc("BDT score precision", precision))
    pipeline_stages: int | None = field(
        default=None, metadata=doc("register stages of the generated RTL; null derives them from clock_ns")
    )


@dataclass
class VerifySpec:
    vectors: int = field(default=10000, metadata=doc("test vectors streamed through the RTL", positive))
    synth_timeout_s: float = field(default=1800.0, metadata=doc("time limit for Yosys", positive))
    sim_timeout_s: float = field(default=1800.0, metadata=doc("time limit for the RTL simulation", positive))
    max_rtl_lut: int | None = field(
        default=None,
        metadata=doc(
            "largest NN RTL the flow generates, in LUTs by a cheap estimate made before the RTL generator "
            "runs (harness.nn.size); a larger design is refused at every fidelity, naming its estimate and "
            f"what would make it fit; null: {DEFAULT_MAX_RTL_LUT}",
            positive,
        ),
    )


@dataclass
class DesignSpec:
    name: str = field(metadata=doc("design name (used for the RTL top module and output folders)"))
    kind: str = field(
        metadata=doc(
            "design kind: nn (a QKeras network, hls4ml) or bdt (boosted trees, conifer)", one_of("nn", "bdt")
        )
    )
    seed: int = field(default=42, metadata=doc("seed of data generation, splitting and training"))
    data: DataSpec = field(default_factory=DataSpec, metadata=doc("data set"))
    model: NNModelSpec | BDTModelSpec = field(
        default_factory=NNModelSpec, metadata=doc("model architecture (NN or BDT fields, by kind)")
    )
    training: TrainingSpec = field(default_factory=TrainingSpec, metadata=doc("training recipe"))
    firmware: FirmwareSpec = field(default_factory=FirmwareSpec, metadata=doc("firmware settings"))
    verify: VerifySpec = field(default_factory=VerifySpec, metadata=doc("verification settings"))
    base_dir: Path = field(default=Path("."), metadata=doc("(set by the loader) folder of the YAML file"))

    @property
    def nn_model(self) -> NNModelSpec:
        """`model` of an NN design (kind nn); a SpecError for any other."""
        if not isinstance(self.model, NNModelSpec):
            raise SpecError(f"design {self.name}: kind {self.kind} has no NN model (model: {self.model})")
        return self.model

    @property
    def bdt_model(self) -> BDTModelSpec:
        """`model` of a BDT design (kind bdt); a SpecError for any other."""
        if not isinstance(self.model, BDTModelSpec):
            raise SpecError(f"design {self.name}: kind {self.kind} has no BDT model (model: {self.model})")
        return self.model

    def to_dict(self) -> dict:
        data = dataclasses.asdict(self)
        data.pop("base_dir")
        return data

    def resolve(self, relative: str) -> Path:
        path = Path(relative)
        return path if path.is_absolute() else (self.base_dir / path)

    def design_hash(self) -> str:
        """Hash of everything that determines a result: the spec and the versions of the tools."""
        return hashing.design_hash(self.to_dict(), self.file_digests())

    def file_digests(self) -> dict[str, str]:
        """SHA-256 of every input file (pretrained model files, the data file), by role; a SpecError
        naming the role (`data`, `weights`, ...) and the path for a file that does not exist."""
        digests = {}
        for name, path in self.input_files().items():
            try:
                digests[name] = hashing.file_digest(self.resolve(path))
            except SpecError as exc:
                raise SpecError(f"the {name} file: {exc}") from None
        return digests

    def input_files(self) -> dict[str, str]:
        """The files the spec reads, by role (`data`, `model`, `architecture`, ...), as written."""
        files = {}
        pretrained = getattr(self.model, "pretrained", None)
        if isinstance(pretrained, PretrainedSpec):
            files.update(pretrained.files())
        elif pretrained is not None:
            files["model"] = pretrained
        if self.data.path:
            files["data"] = self.data.path
        return files
