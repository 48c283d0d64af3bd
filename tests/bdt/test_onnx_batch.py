"""An ONNX tree ensemble exported with a fixed batch dimension (skl2onnx with `initial_types` of shape
[1, n], as a user serving one event at a time writes it) is run by onnxruntime in blocks of that size:
its float scores and labels are the scikit-learn model's own for every test event (issue 24, item 1)."""

from __future__ import annotations

import numpy as np

from harness.bdt import train as bdt_train
from harness.data import load as load_data
from harness.spec import from_dict

from ..data.conftest import events, write

FEATURES = ["f0", "f1", "f2"]


def test_onnx_forest_with_batch_one_gives_the_models_scores(tmp_path):
    from skl2onnx import to_onnx
    from skl2onnx.common.data_types import FloatTensorType
    from sklearn.ensemble import GradientBoostingClassifier

    frame = events(2001, seed=5)
    write(frame, tmp_path / "events.csv")
    x = frame[FEATURES].to_numpy(np.float32)
    clf = GradientBoostingClassifier(n_estimators=6, max_depth=3, random_state=0).fit(x, frame["kind"])
    proto = to_onnx(clf, initial_types=[("X", FloatTensorType([1, 3]))], options={"zipmap": False})
    (tmp_path / "b1.onnx").write_bytes(proto.SerializeToString())
    spec = from_dict(
        {
            "name": "b1",
            "kind": "bdt",
            "data": {"path": "events.csv", "features": FEATURES, "label": "kind", "standardise": False},
            "model": {"pretrained": "b1.onnx"},
        },
        base_dir=tmp_path,
    )
    data = load_data(spec.data, spec.seed, tmp_path)
    trained = bdt_train.train(spec, data, tmp_path / "run")
    assert trained.float_scores.shape == (len(data.x_test), 3)
    assert np.allclose(trained.float_scores, clf.decision_function(data.x_test), atol=1e-5)
    expected = np.searchsorted(clf.classes_, clf.predict(data.x_test.astype(np.float32)))
    assert np.array_equal(trained.model.labels(data.x_test), expected)
