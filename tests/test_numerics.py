"""TensorFlow's CPU numerics are pinned by `import harness` (harness.numerics), in a fresh interpreter
as a user's notebook or a sweep worker starts."""

import os
import subprocess
import sys

from harness import cache, numerics

PRINT_ENV = "import os, harness; print(' '.join(f'{n}={os.environ.get(n)}' for n in harness.numerics.PINNED))"


def _python(code: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)


def _clean_env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if k not in numerics.PINNED}


def test_import_harness_pins_tensorflow_cpu_kernels():
    out = _python(PRINT_ENV, _clean_env())
    assert out.stdout.split() == [f"{n}={v}" for n, v in numerics.PINNED.items()]
    assert "TF_ENABLE_ONEDNN_OPTS=0" in out.stdout


def test_a_users_own_setting_is_kept():
    out = _python(PRINT_ENV, {**_clean_env(), "TF_ENABLE_ONEDNN_OPTS": "1"})
    assert "TF_ENABLE_ONEDNN_OPTS=1" in out.stdout.split()


def test_tensorflow_loaded_first_is_warned_and_left_as_loaded():
    out = _python("import tensorflow\n" + PRINT_ENV, {**_clean_env(), "TF_CPP_MIN_LOG_LEVEL": "3"})
    assert "warning: tensorflow was imported before harness" in out.stderr
    assert "TF_ENABLE_ONEDNN_OPTS=None" in out.stdout.split()


def test_training_cache_key_depends_on_the_numerics(monkeypatch):
    from harness.api import load_design

    spec = load_design("designs/jet_mlp.yaml")
    pinned = cache.training_key(spec, cache.__file__)
    monkeypatch.setenv("TF_ENABLE_ONEDNN_OPTS", "1")
    assert cache.training_key(spec, cache.__file__) != pinned
