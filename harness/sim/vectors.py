"""The stream interface's vectors: integer codes with their widths, packed into 32-bit words as the
testbenches and the C++ stream driver drive them (element 0 in the low bits)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np


@dataclass(frozen=True)
class StreamVectors:
    """Integer codes to drive and the widths to pack them with."""

    inputs: np.ndarray  # (vectors, n_in) int codes
    in_widths: list[int]
    out_widths: list[int]
    out_signed: list[bool]
    expected: np.ndarray | None = None  # (vectors, n_out) reference codes, when known

    def save(self, path: Path) -> None:
        arrays = {
            "inputs": np.asarray(self.inputs, dtype=np.int64),
            "in_widths": np.asarray(self.in_widths),
            "out_widths": np.asarray(self.out_widths),
            "out_signed": np.asarray(self.out_signed, dtype=bool),
        }
        if self.expected is not None:
            arrays["expected"] = np.asarray(self.expected, dtype=np.int64)
        np.savez(path, **arrays)

    def head(self, n: int) -> StreamVectors:
        """The first `n` vectors."""
        expected = None if self.expected is None else self.expected[:n]
        return StreamVectors(self.inputs[:n], self.in_widths, self.out_widths, self.out_signed, expected)


def pack_words(codes: np.ndarray, widths: list[int]) -> np.ndarray:
    """Pack rows of integer codes into little-endian 32-bit words, element 0 in the low bits.

    `codes` (vectors, elements) -> (vectors, ceil(sum(widths) / 32)) uint32: the layout of a
    Verilator port wider than 32 bits, and the file format of the C++ stream driver. Each code is
    taken modulo 2**width (two's complement for negative codes, sign-filled above bit 63), as the
    port would see it. Column-wise shifts, not bit by bit: 100 000 vectors of 16 codes in ~10 ms.
    """
    codes = np.asarray(codes, dtype=np.int64)
    n_words = -(-sum(widths) // 32)
    words = np.zeros((codes.shape[0], n_words), dtype=np.uint64)
    position = 0
    for j, width in enumerate(widths):
        value = codes[:, j].astype(np.uint64)  # two's complement, modulo 2**64
        sign_fill = np.where(codes[:, j] < 0, np.uint64(0xFFFFFFFF), np.uint64(0))
        done = 0
        while done < width:
            word, shift = divmod(position + done, 32)
            # a piece stays inside one 32-bit word and on one side of the code's bit 64
            take = min(32 - shift, width - done, 64 - done if done < 64 else 32)
            mask = np.uint64((1 << take) - 1)
            piece = (value >> np.uint64(done)) & mask if done < 64 else sign_fill & mask
            words[:, word] |= piece << np.uint64(shift)
            done += take
        position += width
    return words.astype("<u4")


def unpack_words(words: np.ndarray, widths: list[int], signed: list[bool]) -> np.ndarray:
    """The inverse of `pack_words`: (vectors, words) uint32 -> (vectors, elements) int64 codes,
    sign-extended where `signed`. Elements are at most 62 bits wide (int64 codes)."""
    if max(widths, default=0) > 62:
        raise ValueError(f"output elements of {max(widths)} bits exceed the 62 bits an int64 code holds")
    words = np.asarray(words, dtype=np.uint64)
    columns, position = [], 0
    for width, is_signed in zip(widths, signed, strict=True):
        value = np.zeros(words.shape[0], dtype=np.uint64)
        done = 0
        while done < width:
            word, shift = divmod(position + done, 32)
            take = min(32 - shift, width - done)
            piece = (words[:, word] >> np.uint64(shift)) & np.uint64((1 << take) - 1)
            value |= piece << np.uint64(done)
            done += take
        code = value.astype(np.int64)
        if is_signed and width:
            code = np.where(code >> (width - 1), code - (np.int64(1) << width), code)
        columns.append(code)
        position += width
    return np.stack(columns, axis=1) if columns else np.zeros((words.shape[0], 0), np.int64)
