import numpy as np
import pytest

from harness.data import DataUnavailableError, load
from harness.data.jets import CLASSES, FEATURES, generate
from harness.spec import DataSpec


def test_synthetic_jets_are_seeded_and_standardised_on_train_only():
    a = load(DataSpec(n_samples=5000), seed=3)
    b = load(DataSpec(n_samples=5000), seed=3)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, load(DataSpec(n_samples=5000), seed=4).x_train)
    assert a.feature_names == FEATURES and a.class_names == CLASSES
    assert np.allclose(a.x_train.mean(axis=0), 0, atol=1e-3) and np.allclose(
        a.x_train.std(axis=0), 1, atol=1e-3
    )
    assert len(a.x_test) == 1000 and len(a.x_val) == 500
    assert a.standardisation()["mean"] == a.mean.tolist()


def test_resonance_masses_where_physics_puts_them():
    x, y = generate(30000, seed=1)
    mass = x[:, FEATURES.index("mass_mmdt")]
    medians = {c: float(np.median(mass[y == i])) for i, c in enumerate(CLASSES)}
    assert 70 < medians["w"] < 90 and 82 < medians["z"] < 100 and 150 < medians["t"] < 185
    assert medians["q"] < 40 and medians["g"] < 60
    mult = x[:, FEATURES.index("multiplicity")]
    assert mult[y == CLASSES.index("g")].mean() > mult[y == CLASSES.index("q")].mean()


def test_local_copy_and_missing_columns(tmp_path):
    x, y = generate(2000, seed=2)
    np.savez(tmp_path / "jets.npz", x=x, y=y)
    data = load(DataSpec(name="jets-hlf", path=str(tmp_path / "jets.npz")), seed=0)
    assert data.n_features == 16 and len(data.x_test) == 400
    (tmp_path / "bad.csv").write_text("zlogz,class\n1.0,g\n")
    with pytest.raises(DataUnavailableError, match="lacks the columns c1_b0_mmdt"):
        load(DataSpec(name="jets-hlf", path=str(tmp_path / "bad.csv")), seed=0)


def test_offline_download_fails_fast_naming_cache_and_alternatives(tmp_path, monkeypatch):
    """Offline by construction, whatever network this machine has: scikit-learn's `fetch_openml` opens
    OpenML's https URLs with urllib, which takes its proxy from the environment, and the proxy here is a
    loopback port bound but never listening (every connection is refused at once)."""
    import socket
    import time
    from urllib.error import URLError

    monkeypatch.setenv("SCIKIT_LEARN_DATA", str(tmp_path / "cache"))  # empty: nothing is cached
    for name in ("no_proxy", "NO_PROXY", "REQUEST_METHOD"):  # would bypass or ignore the proxy
        monkeypatch.delenv(name, raising=False)
    with socket.socket() as closed:
        closed.bind(("127.0.0.1", 0))  # held, so no other process takes the port during the test
        proxy = f"http://127.0.0.1:{closed.getsockname()[1]}"
        for name in ("https_proxy", "HTTPS_PROXY", "http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY"):
            monkeypatch.setenv(name, proxy)
        start = time.monotonic()
        with pytest.raises(DataUnavailableError) as raised:
            load(DataSpec(name="jets-hlf"), seed=0)
        seconds = time.monotonic() - start
    text = str(raised.value)
    print(f"refused in {seconds:.1f} s: {text}")
    assert "could not download OpenML data set 'hls4ml_lhc_jets_hlf'" in text
    assert str(tmp_path / "cache") in text and "data.path" in text and "jets-synthetic" in text
    # the refusal came from the closed proxy (not from some other failure), after scikit-learn's retries
    cause = raised.value.__cause__
    assert isinstance(cause, URLError) and isinstance(cause.reason, ConnectionRefusedError), repr(cause)
    assert seconds < 30
