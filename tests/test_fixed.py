"""harness.fixed against the real ap_fixed headers (hls4ml's copy) compiled with g++."""

import subprocess

import numpy as np
import pytest

from harness.fixed import OVERFLOW_MODES, ROUNDING_MODES, FixedType

TYPES = [
    FixedType(w, i, s, r, o)
    for (w, i, s) in ((8, 3, True), (6, 0, False), (5, 5, True), (10, -1, True))
    for r in ROUNDING_MODES
    for o in OVERFLOW_MODES
]


def _values(rng: np.random.Generator) -> np.ndarray:
    fine = rng.integers(-(2**12), 2**12, size=400) / 2.0**7  # many exact ties at every grid
    wide = rng.normal(0, 20, size=200)  # overflow in both directions
    return np.concatenate([fine, wide, [0.0, -0.0, 0.5, -0.5, 1e-9, -1e-9]])


@pytest.fixture(scope="module")
def ap_fixed_codes(toolchain, tmp_path_factory):
    """Codes the real ap_fixed<...>(double) conversion gives, for every type and value."""
    values = _values(np.random.default_rng(3))
    src = [
        "#include <cstdio>",
        '#include "ap_fixed.h"',
        "int main() {",
        f"  const double v[{len(values)}] = {{{', '.join(repr(float(x)) for x in values)}}};",
    ]
    for t in TYPES:
        kind = "ap_fixed" if t.signed else "ap_ufixed"
        src.append(
            f"  for (double x : v) {{ {kind}<{t.width},{t.integer},AP_{t.rounding},AP_{t.overflow}> q = x; "
            'std::printf("%.17g\\n", q.to_double()); }'
        )
    src.append("  return 0; }")
    work = tmp_path_factory.mktemp("apfixed")
    (work / "q.cpp").write_text("\n".join(src))
    subprocess.run(
        [str(toolchain.require("c++").path), "-O0", f"-I{toolchain['ap_types'].path}", "q.cpp", "-o", "q"],
        cwd=work,
        check=True,
    )
    out = subprocess.run([str(work / "q")], capture_output=True, text=True, check=True).stdout.split()
    return values, np.array(out, dtype=np.float64).reshape(len(TYPES), len(values))


@pytest.mark.parametrize("index", range(len(TYPES)), ids=[str(t) for t in TYPES])
def test_quantize_matches_ap_fixed(ap_fixed_codes, index):
    values, reference = ap_fixed_codes
    t = TYPES[index]
    codes = t.quantize(values)
    expected = np.round(reference[index] * 2.0**t.frac).astype(np.int64)
    bad = np.flatnonzero(codes != expected)
    assert bad.size == 0, f"{t}: {bad.size} mismatches, first: " + ", ".join(
        f"{values[i]!r} -> {codes[i]} (ap_fixed {expected[i]})" for i in bad[:5]
    )


@pytest.mark.parametrize("index", range(0, len(TYPES), 3), ids=[str(t) for t in TYPES[::3]])
def test_requantize_matches_quantize_of_exact_values(index):
    t = TYPES[index]
    codes = np.random.default_rng(index).integers(-(2**14), 2**14, size=2000)
    assert np.array_equal(t.requantize(codes, 9), t.quantize(codes / 2.0**9))


def test_parse_spellings():
    assert FixedType.parse("ap_fixed<16,6>") == FixedType(16, 6)
    assert FixedType.parse("fixed<6,1,RND_CONV,SAT,0>") == FixedType(6, 1, True, "RND_CONV", "SAT")
    assert FixedType.parse("ap_ufixed<6,0,AP_RND_CONV,AP_SAT>") == FixedType(6, 0, False, "RND_CONV", "SAT")
    assert FixedType.parse("ap_int<8>") == FixedType(8, 8)
    assert FixedType.parse("uint<4>") == FixedType(4, 4, False)
    assert str(FixedType.parse("ap_fixed<8,3,RND,SAT>")) == "ap_fixed<8,3,RND,SAT>"


@pytest.mark.parametrize(
    "text, message",
    [
        ("float", "precision 'float' is not valid"),
        ("ap_fixed<16,6,ROUND,SAT>", "rounding mode 'ROUND' is not valid; must be one of TRN"),
        ("ap_fixed<16,6,RND,CLIP>", "overflow mode 'CLIP' is not valid"),
        ("ap_fixed<0,0>", "width 0 is not valid"),
    ],
)
def test_bad_precisions_say_what_is_valid(text, message):
    with pytest.raises(ValueError, match=message):
        FixedType.parse(text)
