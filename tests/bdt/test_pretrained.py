"""Trained forests from files (`model.pretrained`): xgboost JSON/UBJSON, conifer JSON, ONNX tree ensembles.

Each file is written here by the library a user would use (xgboost's save_model, conifer's save(),
skl2onnx), on the user's own data file (ROOT, CSV, Parquet written by uproot and pandas), and goes
through the BDT flow with no training step: conifer's converter, its compiled cpp emulation as the
reference, the generated Verilog on Verilator, every output word compared on >= 10 000 vectors.
"""

from __future__ import annotations

import json
import pickle
from pathlib import Path

import numpy as np
import pytest

from harness.bdt import pretrained, to_conifer
from harness.bdt.backend import conifer_config
from harness.bdt.pretrained_base import PretrainedModelError
from harness.cli import main
from harness.data import load as load_data
from harness.fixed import FixedType
from harness.flow import prepare, simulate
from harness.spec import from_dict
from harness.stages import decide

from ..data.conftest import events, write
from .conifer_releases.make_files import scored_events

FEATURES = ["f0", "f1", "f2"]
ROWS = 20_400  # half of them test events: >= 10 000 vectors


@pytest.fixture(scope="module")
def own_data(tmp_path_factory) -> tuple[Path, object]:
    """The user's events (3 raw features, classes bkg/other/sig in `kind`, 0/1 in `signal`) as ROOT, CSV
    and Parquet files."""
    folder = tmp_path_factory.mktemp("own")
    frame = events(ROWS, seed=5)
    frame = frame.assign(signal=(frame["kind"] == "sig").astype(int))
    for name in ("events.root", "events.csv", "events.parquet"):
        write(frame, folder / name)
    return folder, frame


def design(folder: Path, model: str, data: str, label: str = "kind", **fields) -> dict:
    return {
        "name": f"pre_{Path(model).stem}",
        "kind": "bdt",
        "data": {
            "path": data,
            "features": FEATURES,
            "label": label,
            "standardise": False,
            "test_fraction": 0.5,
        },
        "model": {"pretrained": model},
        **fields,
    }


def xgboost_booster(frame, objective: str, label: np.ndarray, classes: int | None = None, rounds: int = 4):
    """A small xgboost forest on the raw features; two more rounds with a huge gamma add single-leaf trees."""
    import xgboost as xgb

    params = {"objective": objective, "max_depth": 3, "eta": 0.3, "seed": 0}
    if classes:
        params["num_class"] = classes
    data = xgb.DMatrix(frame[FEATURES].to_numpy(np.float32), label=label)
    booster = xgb.train(params, data, rounds)
    return xgb.train({**params, "gamma": 1e9}, data, 2, xgb_model=booster)


def _classes(frame) -> np.ndarray:
    return np.unique(frame["kind"].to_numpy(dtype=str), return_inverse=True)[1]


def _run_cli(spec_raw: dict, folder: Path, name: str) -> dict:
    path = folder / f"{name}.yaml"
    import yaml

    path.write_text(yaml.safe_dump(spec_raw))
    out = folder / f"{name}-run"
    assert main(["evaluate", str(path), "--fidelity", "verify", "--out", str(out)]) == 0
    return json.loads((out / "metrics.json").read_text())


def test_xgboost_multiclass_json_on_a_root_file_is_bit_exact(own_data, capsys):
    """`harness evaluate` end to end: a 3-class xgboost JSON (with single-leaf trees and xgboost 3's
    per-class intercepts) on a ROOT TTree; accuracy.float is xgboost's own, the RTL matches conifer."""
    import xgboost as xgb

    folder, frame = own_data
    booster = xgboost_booster(frame, "multi:softprob", _classes(frame), classes=3)
    booster.save_model(folder / "multi.json")
    trees = json.loads((folder / "multi.json").read_text())["learner"]["gradient_booster"]["model"]["trees"]
    assert sum(len(t["split_conditions"]) == 1 for t in trees) == 6  # the single-leaf trees

    record = _run_cli(
        design(folder, "multi.json", "events.root", verify={"synth_timeout_s": 600}), folder, "multi"
    )
    assert record["verification"]["vectors"] == 10_000 and record["verification"]["mismatches"] == 0
    assert record["model"]["trained"] is False and record["model"]["pretrained_format"] == "xgboost"
    assert record["data"]["source"]["tree"] == "Events" and record["data"]["classes"] == ["0", "1", "2"]
    spec = from_dict(design(folder, "multi.json", "events.root"), base_dir=folder)
    data = load_data(spec.data, spec.seed, folder)
    xgb_classes = booster.predict(xgb.DMatrix(data.x_test)).argmax(axis=1)
    assert record["accuracy"]["float"] == round(float(np.mean(xgb_classes == data.y_test)), 5)
    assert record["accuracy"]["emulation_vs_float_agreement"] > 0.97
    print(capsys.readouterr().out[-600:])


def test_conifer_json_on_a_csv_file_is_bit_exact(own_data):
    """A conifer JSON written by conifer's save() (from a scikit-learn forest: `<=` splits) on a CSV file."""
    import conifer
    from sklearn.ensemble import GradientBoostingClassifier

    folder, frame = own_data
    clf = GradientBoostingClassifier(n_estimators=5, max_depth=3, random_state=0)
    clf.fit(frame[FEATURES].to_numpy(), _classes(frame))
    conifer.converters.convert_from_sklearn(clf).save(str(folder / "sk.json"))

    record = _run_cli(design(folder, "sk.json", "events.csv"), folder, "sk")
    assert record["verification"]["vectors"] == 10_000 and record["verification"]["mismatches"] == 0
    assert record["model"]["pretrained_format"] == "conifer" and record["model"]["splitting"] == "<="
    assert record["data"]["classes"] == ["bkg", "other", "sig"]
    assert record["accuracy"]["emulation_vs_float_agreement"] > 0.97


def test_onnx_tree_ensemble_on_a_parquet_file_is_bit_exact(own_data, toolchain, tmp_path):
    """A binary scikit-learn forest exported by skl2onnx (ZipMap and LOGISTIC post-transform included);
    accuracy.float is onnxruntime's, the RTL matches conifer's emulation on 10 000 vectors."""
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier

    folder, frame = own_data
    x = frame[FEATURES].to_numpy(np.float32)
    clf = GradientBoostingClassifier(n_estimators=6, max_depth=3, random_state=0).fit(x, frame["signal"])
    (folder / "gbc.onnx").write_bytes(to_onnx(clf, x[:1]).SerializeToString())

    spec = from_dict(design(folder, "gbc.onnx", "events.parquet", label="signal"), base_dir=folder)
    point = prepare(spec, tmp_path / "run", toolchain)
    forest = point.trained.model
    assert np.array_equal(decide(point.trained.float_scores), forest.labels(point.dataset.x_test))
    assert np.allclose(
        point.trained.float_scores[:, 0], clf.decision_function(point.dataset.x_test), atol=1e-5
    )
    comparison = simulate(point, toolchain).comparison
    print(comparison.summary())
    assert comparison.vectors == 10_000 and comparison.mismatched_words == 0, comparison.summary()
    assert len(np.unique(point.emulation.output_codes)) > 20


@pytest.mark.parametrize(
    ("objective", "binary"),
    [
        ("binary:logistic", True),
        ("binary:logitraw", True),
        ("reg:squarederror", True),
        ("count:poisson", True),
        ("multi:softmax", False),
    ],
)
def test_base_score_is_the_margin_xgboost_applies(own_data, tmp_path, objective, binary):
    """Whatever the objective, conifer's float evaluation of the converted forest equals xgboost's margins
    (conifer 1.11 alone takes the logit for some objectives and not for binary:logitraw's stored value)."""
    import xgboost as xgb

    folder, frame = own_data
    label = "signal" if binary else "kind"
    booster = xgboost_booster(
        frame,
        objective,
        _classes(frame) if not binary else frame[label],
        classes=None if binary else 3,
        rounds=2,
    )
    booster.save_model(tmp_path / "m.ubj")  # UBJSON, told by its content
    spec = from_dict(design(folder, str(tmp_path / "m.ubj"), "events.csv", label=label), base_dir=folder)
    data = load_data(spec.data, spec.seed, folder)
    loaded, info = pretrained.load(spec, data)
    assert info["pretrained_format"] == "xgboost" and info["objective"] == objective
    t = FixedType.parse("ap_fixed<16,6>")
    model = to_conifer.from_trained(loaded, conifer_config("cpp", t, t, tmp_path, "m"))
    x = data.x_test[:300]
    margins = booster.predict(xgb.DMatrix(x), output_margin=True).reshape(len(x), -1)
    assert to_conifer.check_against_trained(model, margins, x) == 1.0


def test_xgboost_trained_on_a_dataframe_keeps_its_feature_names(own_data, toolchain, tmp_path):
    """The usual way to train: XGBClassifier.fit on a pandas DataFrame, which records the column names in
    the model; xgboost then refuses unnamed data, which crashed the train stage with a traceback."""
    from xgboost import XGBClassifier

    folder, frame = own_data
    model = XGBClassifier(n_estimators=3, max_depth=2, random_state=0).fit(frame[FEATURES], frame["signal"])
    model.save_model(tmp_path / "named.json")
    spec = from_dict(
        design(folder, str(tmp_path / "named.json"), "events.csv", label="signal", verify={"vectors": 500}),
        base_dir=folder,
    )
    point = prepare(spec, tmp_path / "run", toolchain)
    import pandas as pd

    expected = model.predict_proba(pd.DataFrame(point.dataset.x_test, columns=FEATURES))[:, 1]
    assert np.array_equal(decide(point.trained.float_scores), (expected > 0.5).astype(int))
    assert point.emulation.output_codes.shape[0] == len(expected)


def _forest_file(tmp_path: Path, frame, kind: str) -> Path:
    import xgboost as xgb

    x = frame[FEATURES].to_numpy(np.float32)
    if kind == "pickle":
        (tmp_path / "model.pkl").write_bytes(pickle.dumps({"not": "loaded"}))
        return tmp_path / "model.pkl"
    if kind == "random forest":
        from skl2onnx import to_onnx
        from sklearn.ensemble import RandomForestClassifier

        rf = RandomForestClassifier(n_estimators=2, max_depth=2, random_state=0).fit(x, _classes(frame))
        (tmp_path / "rf.onnx").write_bytes(to_onnx(rf, x[:1]).SerializeToString())
        return tmp_path / "rf.onnx"
    if kind == "named features":
        data = xgb.DMatrix(x, label=_classes(frame) == 2, feature_names=["pt", "eta", "phi"])
        xgb.train({"objective": "binary:logistic", "max_depth": 2}, data, 2).save_model(tmp_path / "n.json")
        return tmp_path / "n.json"
    if kind == "binary for 3 classes":
        xgboost_booster(frame, "binary:logistic", _classes(frame) == 2, rounds=1).save_model(
            tmp_path / "b.json"
        )
        return tmp_path / "b.json"
    if kind == "other JSON":
        (tmp_path / "o.json").write_text(json.dumps({"layers": []}))
        return tmp_path / "o.json"
    raise ValueError(kind)


@pytest.mark.parametrize(
    ("kind", "message"),
    [
        ("pickle", r"model\.pkl is a pickle; pickles are never loaded .* conifer JSON .* ONNX"),
        ("random forest", r"leaf weights for \d+ leaves .* one weight per leaf"),
        (
            "named features",
            r"trained on the features \['pt', 'eta', 'phi'\]; the data give \['f0', 'f1', 'f2'\]",
        ),
        ("binary for 3 classes", r"has 2 classes; the data have 3 \(bkg, other, sig\)"),
        ("other JSON", r"neither an xgboost model .* its keys: layers"),
    ],
)
def test_unusable_files_are_refused_before_conversion(own_data, tmp_path, kind, message):
    folder, frame = own_data
    path = _forest_file(tmp_path, frame, kind)
    spec = from_dict(design(folder, str(path), "events.csv"), base_dir=folder)
    with pytest.raises(PretrainedModelError, match=message):
        pretrained.load(spec, load_data(spec.data, spec.seed, folder))


@pytest.mark.parametrize("kind", ["classifier without ZipMap", "regressor"])
def test_onnx_layouts_conifer_cannot_parse_alone_convert_exactly(own_data, tmp_path, kind):
    """conifer 1.11's ONNX converter finds the class count only in a ZipMap node and reads no regressor;
    both are presented to it in the layout it parses, and its float scores equal onnxruntime's."""
    from skl2onnx import to_onnx
    from sklearn.ensemble import GradientBoostingClassifier, GradientBoostingRegressor

    folder, frame = own_data
    x = frame[FEATURES].to_numpy(np.float32)
    if kind == "regressor":
        model = GradientBoostingRegressor(n_estimators=4, max_depth=3).fit(x, 2.0 * frame["signal"] - 1)
        proto = to_onnx(model, x[:1])
    else:
        model = GradientBoostingClassifier(n_estimators=4, max_depth=3).fit(
            x, frame["kind"].to_numpy(dtype=str)
        )
        proto = to_onnx(model, x[:1], options={"zipmap": False})
    (tmp_path / "m.onnx").write_bytes(proto.SerializeToString())
    spec = from_dict(
        design(
            folder, str(tmp_path / "m.onnx"), "events.csv", label="signal" if kind == "regressor" else "kind"
        ),
        base_dir=folder,
    )
    data = load_data(spec.data, spec.seed, folder)
    forest, info = pretrained.load(spec, data)
    x_test = data.x_test[:300]
    scores = forest.decision_function(x_test)
    reference = model.predict(x_test) if kind == "regressor" else model.decision_function(x_test)
    assert np.allclose(scores, np.reshape(reference, scores.shape), atol=1e-5)
    t = FixedType.parse("ap_fixed<16,6>")
    converted = to_conifer.from_trained(forest, conifer_config("cpp", t, t, tmp_path, "m"))
    assert to_conifer.check_against_trained(converted, scores, x_test) == 1.0


#: conifer JSON files written by older conifer releases on the own_data events (made by
#: conifer_releases/make_files.py, which says how), and each release's own float scores of 64 events.
RELEASES = Path(__file__).parent / "conifer_releases"


def _release_scores(name: str) -> np.ndarray | None:
    """The writing release's own float scores (conifer 1.3 on has a Python evaluation), or None."""
    scores = json.loads((RELEASES / "release_scores.json").read_text()).get(name)
    return None if scores is None else np.asarray(scores).T


def _walk(name: str, x: np.ndarray, split: str) -> np.ndarray:
    """The file's forest evaluated from its raw JSON, independently of conifer: per output, the first
    init_predict entry plus each tree's leaf, nodes sending x left when x[feature] `split` threshold."""
    model = json.loads((RELEASES / name).read_text())
    outputs = 1 if model["n_classes"] == 2 else model["n_classes"]
    scores = np.tile(np.asarray(model["init_predict"][:outputs], dtype=np.float64), (len(x), 1))
    for per_round in model["trees"]:
        for c in range(outputs):
            tree = per_round[c]
            for row, event in enumerate(x):
                node = 0
                while tree["feature"][node] != -2:
                    value, cut = event[tree["feature"][node]], tree["threshold"][node]
                    go_left = value <= cut if split == "<=" else value < cut
                    node = tree["children_left"][node] if go_left else tree["children_right"][node]
                scores[row, c] += tree["value"][node]
    return scores * model["norm"]


@pytest.mark.parametrize(
    ("name", "layout", "split"),
    [
        ("conifer-0.4-sk3.json", "0.x", "<="),
        ("conifer-1.0-sk3.json", "1.0-1.5", "<="),
        ("conifer-1.0-xgb2.json", "1.0-1.5", "<="),
        ("conifer-1.5-sk3.json", "1.0-1.5", "<="),
        ("conifer-1.5-xgb2.json", "1.0-1.5", "<="),
        ("conifer-1.7-sk3.json", "1.6-1.7", "<="),
        ("conifer-1.7-xgb2.json", "1.6-1.7", "<"),
        ("conifer-1.10-sk3.json", "1.8+", "<="),
        ("conifer-1.10-xgb2.json", "1.8+", "<"),
    ],
)
def test_conifer_json_of_older_releases_is_read_as_that_release_evaluated_it(
    own_data, tmp_path, name, layout, split
):
    """conifer 1.11 refuses the JSON of 0.4-1.7 ('Missing expected key library / weight'). Each layout is
    converted, keeping the ensemble: the float scores equal the writing release's own evaluation where it
    has one (1.3 on; 128 events, half of them exactly on a cut, so `<` and `<=` differ) and a walk of the
    file's trees with that release's comparison, and the converted conifer model gives the same scores."""
    folder, frame = own_data
    label = "signal" if "xgb2" in name else "kind"
    spec = from_dict(design(folder, str(RELEASES / name), "events.csv", label=label), base_dir=folder)
    forest, info = pretrained.load(spec, load_data(spec.data, spec.seed, folder))
    assert info["pretrained_layout"] == layout
    assert info["pretrained_release"] == (None if name.startswith("conifer-0.4") else name.split("-")[1])
    x = scored_events(json.loads((RELEASES / name).read_text()), frame[FEATURES].to_numpy())
    scores = forest.decision_function(x)
    other = "<" if split == "<=" else "<="
    assert not np.allclose(_walk(name, x, split), _walk(name, x, other))  # the cuts tell them apart
    assert np.allclose(scores, _walk(name, x, split), rtol=0, atol=1e-12)
    if (release := _release_scores(name)) is not None:
        assert np.array_equal(scores, release)
    t = FixedType.parse("ap_fixed<16,6>")
    converted = to_conifer.from_trained(forest, conifer_config("cpp", t, t, tmp_path, "old"))
    assert converted.splitting_convention == split
    assert to_conifer.check_against_trained(converted, scores, x) == 1.0


@pytest.mark.slow  # conifer compile, Yosys and a Verilator build: about 140 s on 2 cores
def test_conifer_1_5_json_is_bit_exact(own_data):
    """The issue's file: a binary xgboost forest saved by conifer 1.5 through `harness evaluate`; conifer
    1.5 compared x <= threshold (for xgboost forests too), and so do the emulation and the RTL."""
    folder, _ = own_data
    model = str(RELEASES / "conifer-1.5-xgb2.json")
    record = _run_cli(design(folder, model, "events.csv", label="signal"), folder, "conifer15")
    assert record["verification"]["vectors"] == 10_000 and record["verification"]["mismatches"] == 0
    assert record["model"]["pretrained_format"] == "conifer" and record["model"]["splitting"] == "<="
    assert (
        record["model"]["pretrained_release"] == "1.5" and record["model"]["pretrained_layout"] == "1.0-1.5"
    )
    assert record["accuracy"]["emulation_vs_float_agreement"] > 0.97


@pytest.mark.parametrize("release", ["2.0", None])
def test_conifer_json_no_release_reads_is_refused_naming_the_release(own_data, tmp_path, release):
    """A layout the installed conifer cannot read (here a future one whose nodes lack `threshold`):
    refused naming the release that wrote it (or that the file does not say), the installed conifer, and
    how to re-save it."""
    import conifer

    folder, _ = own_data
    content = json.loads((RELEASES / "conifer-1.10-xgb2.json").read_text())
    for tree in (t for per_round in content["trees"] for t in per_round):
        tree["cut"] = tree.pop("threshold")
    if release:
        content["metadata"][-1]["version"] = release
    else:
        del content["metadata"]
    (tmp_path / "future.json").write_text(json.dumps(content))
    spec = from_dict(
        design(folder, str(tmp_path / "future.json"), "events.csv", label="signal"), base_dir=folder
    )
    writer = f"conifer {release}" if release else "an unrecorded conifer release"
    message = (
        rf"future\.json was written by {writer}.* conifer {conifer.__version__} \(installed\) can read "
        r"\(AssertionError: Missing expected key threshold in treeDict\).* Re-save it: convert the "
        rf"original forest again with conifer {conifer.__version__}"
    )
    with pytest.raises(PretrainedModelError, match=message):
        pretrained.load(spec, load_data(spec.data, spec.seed, folder))
