import numpy as np
import pytest

from harness.verify import compare


def test_one_flipped_bit_is_one_mismatch_with_inputs_and_both_values():
    inputs = np.arange(12).reshape(4, 3)
    expected = np.array([[1, -2], [3, 4], [5, 6], [7, 8]])
    got = expected.copy()
    got[2, 1] ^= 1
    result = compare(inputs, expected, got)
    assert (result.vectors, result.mismatched_vectors, result.mismatched_words) == (4, 1, 1)
    assert not result.exact
    assert result.first[0].describe() == "vector 2: inputs=[6, 7, 8] expected=[5, 6] rtl=[5, 7]"


def test_wide_integers_compare_exactly():
    big = np.array([[2**70, -(2**65)]], dtype=object)
    assert compare(np.zeros((1, 1)), big, big.copy()).exact
    assert not compare(np.zeros((1, 1)), big, big + 1).exact


def test_shape_mismatch_is_an_error():
    with pytest.raises(ValueError, match="shape mismatch"):
        compare(np.zeros((2, 1)), np.zeros((2, 3)), np.zeros((2, 2)))
