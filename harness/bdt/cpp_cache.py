"""conifer's compiled cpp emulation, built once per set of types and reused from the `conifer` store.

What conifer's `cpp` backend compiles (conifer 1.x, `conifer/backends/cpp/writer.py`): `write()` saves
the model as `<project>.json` and pastes into its `template/bridge.cpp` the four types (input,
threshold, weight, score, as `typedef`s of a `BDTConfig`) and the module name
`conifer_bridge_<stamp>`; `compile()` runs, in the output folder,

    g++ -O3 -shared -std=c++14 -fPIC $(python -m pybind11 --includes) <ap_types> <json> <conifer.h>
        bridge.cpp -o conifer_bridge_<stamp>.so

imports the module and constructs `BDT("<project>.json")`: the trees are read from the JSON at run time
by the templated `conifer::BDT<BDTConfig>` of `conifer.h`. So the shared object depends on the types
and the module name, on every header the translation unit includes (conifer.h, ap_types, nlohmann/json,
pybind11, Python's) and on the compiler and its flags; not on the trees, their number or depth, the
features or the project name. Compiling it costs 15-20 CPU-seconds; everything else is milliseconds.

How it is reused (`compile_emulation`): the key (`module_key`) is a digest of the bridge exactly as
conifer writes it, preprocessed by the same `g++` with conifer's include flags (`g++ -E -P`, about
0.4 s: every header byte and macro that reaches the compiler, wherever the headers were found), the
`g++` path and `--version` text, conifer's version and the source of its cpp writer (which holds the
flags), and the Python extension ABI. The bridge is written for the key with a fixed placeholder as
module name. conifer's own stamp (a timestamp) cannot name a shared module, so the model's `_stamp` is
then set to the key: the module is `conifer_bridge_<key>`, and an entry's shared object serves every
model with those types. That attribute is the only conifer internal the harness touches (conifer
1.x's cpp writer uses it only for the module's and the file's name); compiling stays conifer's own
`compile()`, and loading repeats the lines of its `compile()` that import the module.

On a hit the entry's `bridge.so` is copied into the model's output folder (a new file, renamed into
place, so a module already loaded from there is never overwritten in use) and loaded as conifer loads
it, and `BDT` reads this model's own JSON, which conifer's `write()` has just saved: two forests with
the same types share one shared object and still score their own trees.

Limits: a cache folder shared between machines whose g++ and Python match but whose C++ runtime
(libstdc++) is older than the one an entry was built against fails to import that entry and compiles
it again, replacing it.

Correctness: the entry's lock (`harness.store`) is held from the check through the compile, so a
second process waits and then loads the finished entry; the shared object is copied into the entry
under a temporary name and renamed, and `entry.json` (with its SHA-256) is written last. An entry
whose `bridge.so` is missing or does not match that digest, or fails to import, is compiled again.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import platform
import shlex
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

from harness.bdt.backend import conifer_build_env
from harness.errors import ToolError
from harness.store import Store, digest
from harness.toolchain import Toolchain

#: The store's name under the cache folder.
STORE = "conifer"
#: The shared object inside an entry.
SHARED_OBJECT = "bridge.so"
#: conifer's stamp while the key is computed (the key cannot contain itself).
PLACEHOLDER_STAMP = "key"
#: The flags conifer compiles the bridge with, less -shared and the output (`writer.py`, conifer 1.x).
COMPILE_FLAGS = ("-O3", "-std=c++14", "-fPIC")


class ConiferCompileError(ToolError):
    """g++ could not preprocess conifer's bridge (a missing header, usually)."""


def compile_emulation(model: Any, toolchain: Toolchain) -> str:
    """Give the cpp-backend conifer `model` its compiled `bridge`, from the `conifer` store when an
    entry for its types exists, else by conifer's `compile()` (then stored). Writes the model's files
    (`<project>.json`, `bridge.cpp`, `conifer_bridge_<key>.so`) to its output folder either way.

    Returns where the module came from, for the record: the entry's folder on a hit, `compiled` on a
    miss, `compiled (cache off)` when `HARNESS_CACHE=off`. Raises ConiferCompileError when g++ cannot
    preprocess the bridge, and conifer's own Exception when g++ cannot compile it.
    """
    store = Store.named(STORE)
    with conifer_build_env(toolchain):
        if store is None:
            model.compile()
            return "compiled (cache off)"
        key = module_key(model)
        model._stamp = key
        with store.lock(key) as entry:
            meta = store.complete(key)
            if meta is not None and usable(entry, meta) and _load_cached(model, entry):
                return str(entry)
            (entry / "entry.json").unlink(missing_ok=True)
            model.compile()
            built = _shared_object(model)
            partial = entry / f"{SHARED_OBJECT}.partial"
            shutil.copyfile(built, partial)
            os.replace(partial, entry / SHARED_OBJECT)
            store.finish(key, {"sha256": _sha256(entry / SHARED_OBJECT), "types": _types(model)})
            return "compiled"


def module_key(model: Any) -> str:
    """The digest of everything the compiled bridge of `model` depends on (see the module docstring).
    Writes the model's files with the placeholder stamp; call inside `conifer_build_env`."""
    import conifer
    import conifer.backends.cpp.writer as writer

    model._stamp = PLACEHOLDER_STAMP
    model.write()
    folder = Path(model.config.output_dir)
    argv = ["g++", "-E", "-P", *COMPILE_FLAGS, *_include_flags(), "bridge.cpp"]
    proc = subprocess.run(argv, cwd=folder, capture_output=True, check=False)
    if proc.returncode != 0:
        raise ConiferCompileError(
            f"g++ could not preprocess conifer's bridge in {folder}: "
            f"{proc.stderr.decode(errors='replace').strip()[-2000:]}"
        )
    version = subprocess.run(["g++", "--version"], capture_output=True, text=True, check=False).stdout
    return digest(
        {
            "preprocessed": digest(proc.stdout),
            "g++": [shutil.which("g++"), version],
            "conifer": str(conifer.__version__),
            "writer": digest(Path(writer.__file__).read_bytes()),
            "python": [sys.implementation.cache_tag, sysconfig.get_config_var("EXT_SUFFIX")],
            "platform": [sys.platform, platform.machine()],
        }
    )


def usable(entry: Path, meta: dict) -> bool:
    """Whether an entry's shared object is there and is the one its `entry.json` was written for."""
    so = entry / SHARED_OBJECT
    return so.is_file() and meta.get("sha256") == _sha256(so)


def _load_cached(model: Any, entry: Path) -> bool:
    """Load the entry's module into `model` as conifer's `compile()` does after g++; False when the
    shared object does not import (then it is compiled again)."""
    model.write()
    target = _shared_object(model)
    partial = target.with_name(target.name + ".partial")
    shutil.copyfile(entry / SHARED_OBJECT, partial)
    os.replace(partial, target)
    name = f"conifer_bridge_{model._stamp}"
    spec = importlib.util.spec_from_file_location(name, target)
    if spec is None or spec.loader is None:
        return False
    try:
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
    except ImportError:
        return False
    model.bridge = module.BDT(str(Path(model.config.output_dir) / f"{model.config.project_name}.json"))
    return True


def _include_flags() -> list[str]:
    """conifer's -I flags for the bridge, as its `compile()` builds them (in the build environment)."""
    import conifer.backends.cpp.writer as writer
    from conifer.utils import _ap_include, _json_include
    from pybind11.commands import get_include_dirs

    conifer_h = Path(writer.__file__).parent / "include"
    flags = [f"-I{d}" for d in get_include_dirs()]
    return [*flags, *shlex.split(_ap_include()), *shlex.split(_json_include()), f"-I{conifer_h}/"]


def _shared_object(model: Any) -> Path:
    return Path(model.config.output_dir) / f"conifer_bridge_{model._stamp}.so"


def _types(model: Any) -> dict[str, str]:
    config = model.config
    return {
        "input": config.input_precision,
        "threshold": config.threshold_precision,
        "weight": config.weight_precision,
        "score": config.score_precision,
    }


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()
