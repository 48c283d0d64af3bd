"""Writes the conifer JSON files of older conifer releases kept beside this script (run by hand only).

conifer's saved JSON changed layout over its releases: 1.0-1.5 write the ensemble without `library`,
`splitting_convention` and `feature_map` (and every backend of those releases compares `x <= threshold`),
1.6-1.7 add those keys, 1.8 on add a per-node `weight` vector (oblique splits); 0.x wrote `Config`
instead of `config` and no `metadata`. Each file here is what a user of that release got from
`model.save()`, trained on the tests' events (`tests/data/conftest.py: events(20_400, seed=5)`, the
`own_data` fixture of `tests/bdt/test_pretrained.py`, written as CSV with its `signal` column).

How the files were made (Python 3.11; the releases are installed side by side, without dependencies):

    python3.11 -m venv /tmp/oldconifer
    /tmp/oldconifer/bin/pip install "numpy<2" pandas scikit-learn "xgboost==1.7.6" pybind11 packaging
    for v in 1.0 1.5 1.7 1.10; do
        /tmp/oldconifer/bin/pip install --no-deps --target /tmp/oldconifer/c-$v conifer==$v
        PYTHONPATH=/tmp/oldconifer/c-$v /tmp/oldconifer/bin/python make_files.py events.csv .
    done
    # conifer 0.4 needs scikit-learn < 1.2 (it reads n_features_):
    python3.11 -m venv /tmp/conifer04
    /tmp/conifer04/bin/pip install "numpy<1.24" "scikit-learn==1.1.3" pybind11 conifer==0.4
    /tmp/conifer04/bin/python make_files.py events.csv .

`events.csv` is `events(20_400, seed=5)` with `signal = (kind == "sig")`, written by pandas. Besides each
model, `release_scores.json` keeps the writing release's own float evaluation (its Python
`decision_function`, conifer 1.3 on) of 128 events (`scored_events`: 64 events, and 64 with a feature
exactly on a threshold), one list per output, so a test can check the file is read as the release that
wrote it evaluated it, at the cuts too.
"""

from __future__ import annotations

import inspect
import json
import os
import sys

import numpy as np

FEATURES = ["f0", "f1", "f2"]
SCORED_EVENTS = 64


def scored_events(model: dict, x: np.ndarray) -> np.ndarray:
    """The events a release's scores are kept for: the first SCORED_EVENTS events, then as many again with
    one feature set exactly to a threshold of the forest (internal node k mod their count, in file order),
    where `x <= t` and `x < t` send the event different ways."""
    cuts = [
        (f, t)
        for per_round in model["trees"]
        for tree in per_round
        for f, t in zip(tree["feature"], tree["threshold"], strict=True)
        if f >= 0
    ]
    on_cut = np.array(x[:SCORED_EVENTS], dtype=np.float64)
    for k, event in enumerate(on_cut):
        feature, threshold = cuts[k % len(cuts)]
        event[feature] = threshold
    return np.concatenate([x[:SCORED_EVENTS], on_cut])


def _save(model, path: str) -> None:
    import conifer
    from packaging.version import Version

    """model.save(path); conifer 0.x-1.2's save(filename) fails (os.makedirs of a list), so there the
    configuration's OutputDir/ProjectName name the file, which save() without a filename writes."""
    if Version(str(conifer.__version__)) >= Version("1.3"):
        model.save(path)
        return
    config = model.config
    if isinstance(config, dict):  # 0.x
        config["OutputDir"], config["ProjectName"] = os.path.dirname(path), os.path.basename(path)[:-5]
    else:
        config.output_dir, config.project_name = os.path.dirname(path), os.path.basename(path)[:-5]
    model.save()


def _convert(kind: str, model):
    import conifer

    needs_config = inspect.signature(conifer.converters.convert_from_sklearn).parameters["config"].default
    config = conifer.backends.xilinxhls.auto_config() if needs_config is inspect.Parameter.empty else None
    convert = getattr(conifer.converters, f"convert_from_{kind}")
    return convert(model, config) if config is not None else convert(model)


def main(csv: str, out: str) -> None:
    import conifer
    import pandas as pd
    from packaging.version import Version
    from sklearn.ensemble import GradientBoostingClassifier

    version = str(conifer.__version__)
    frame = pd.read_csv(csv)
    x = frame[FEATURES].to_numpy()
    classes = np.unique(frame["kind"].to_numpy(dtype=str), return_inverse=True)[1]
    made = {}
    sk3 = GradientBoostingClassifier(n_estimators=4, max_depth=3, random_state=0).fit(x, classes)
    made["sk3"] = _convert("sklearn", sk3)
    if Version(version) >= Version("1.0"):
        import xgboost as xgb

        data = xgb.DMatrix(x.astype(np.float32), label=frame["signal"].to_numpy())
        params = {"objective": "binary:logistic", "max_depth": 3, "eta": 0.3, "seed": 0}
        made["xgb2"] = _convert("xgboost", xgb.train(params, data, 4))
    scores_file = os.path.join(out, "release_scores.json")
    scores = json.load(open(scores_file)) if os.path.exists(scores_file) else {}
    for name, model in made.items():
        path = os.path.join(out, f"conifer-{version}-{name}.json")
        _save(model, path)
        if hasattr(model, "trees") and hasattr(model.trees[0][0], "decision_function"):  # 1.3 on
            n_outputs = 1 if model.n_classes == 2 else model.n_classes
            events = scored_events(json.load(open(path)), x)
            y = np.asarray(model.decision_function(events)).reshape(len(events), -1)
            scores[os.path.basename(path)] = y[:, :n_outputs].T.tolist()
        print(path)
    with open(scores_file, "w") as f:
        json.dump(scores, f, indent=0, sort_keys=True)


if __name__ == "__main__":
    main(*sys.argv[1:3])
