"""The ASCII tables Vivado and Vitis print (`+---+` borders, `|a|b|` rows), read into column names and
rows of cells."""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from harness.hls.record import MalformedReportError

_BORDER = re.compile(r"^\s*\+[-=+]+\+\s*$")


@dataclass
class AsciiTable:
    """Column names (grouped headers joined, e.g. 'Latency (cycles) min') and data rows of stripped cells."""

    columns: list[str]
    rows: list[list[str]]
    indents: list[int]  # leading spaces of each row's first cell: nesting in accelerator reports

    def records(self) -> list[dict[str, str]]:
        return [dict(zip(self.columns, row, strict=False)) for row in self.rows]

    def row(self, first_cell: str) -> dict[str, str] | None:
        """The record whose first cell is exactly `first_cell` ('Available' is not 'Available SLR')."""
        return next(
            (rec for rec, row in zip(self.records(), self.rows, strict=True) if row[0] == first_cell), None
        )


def table_cells(line: str) -> list[tuple[int, int, str]]:
    bars = [i for i, ch in enumerate(line) if ch == "|"]
    return [(a, b, line[a + 1 : b]) for a, b in zip(bars, bars[1:], strict=False)]


def _column_names(header_lines: list[str]) -> list[str]:
    """Name each bottom-row column after the header cells above it, matched by character position.

    Xilinx merges cells across columns ('Latency (cycles)' spans 'min' and 'max'); positions are the
    only reliable link between a group and its sub-columns, across all layouts seen since 2019.1.
    """
    spans = [table_cells(line) for line in header_lines]
    names = []
    for start, end, sub in spans[-1]:
        middle = (start + end) / 2
        groups = [
            text.strip() for row in spans[:-1] for a, b, text in row if a <= middle <= b and text.strip()
        ]
        names.append(" ".join([*groups, sub.strip()]).strip())
    return names


def _read_table(lines: list[str], start: int) -> tuple[AsciiTable, int]:
    """Read the table whose top border is `lines[start]`; return it and the index after it."""
    i = start + 1
    header: list[str] = []
    while i < len(lines) and not _BORDER.match(lines[i]) and "|" in lines[i]:
        header.append(lines[i])
        i += 1
    rows: list[list[str]] = []
    indents: list[int] = []
    while i < len(lines) and (_BORDER.match(lines[i]) or lines[i].lstrip().startswith("|")):
        cells = table_cells(lines[i])
        if cells:
            raw = cells[0][2]
            rows.append([text.strip() for _, _, text in cells])
            indents.append(len(raw) - len(raw.lstrip()))
        i += 1
    return AsciiTable(_column_names(header) if header else [], rows, indents), i


def ascii_tables(lines: list[str]) -> Iterator[AsciiTable]:
    i = 0
    while i < len(lines) - 1:
        if _BORDER.match(lines[i]) and lines[i + 1].lstrip().startswith("|"):
            table, i = _read_table(lines, i)
            yield table
        else:
            i += 1


def table_after(lines: list[str], marker: str, path: Path, what: str) -> tuple[str, AsciiTable]:
    """The first table after the first line starting with `marker`, with that marker line."""
    for i, line in enumerate(lines):
        if line.strip().startswith(marker):
            for j in range(i + 1, len(lines)):
                if _BORDER.match(lines[j]):
                    table = _read_table(lines, j)[0]
                    if table.rows:
                        return line, table
                    break
            break
    raise MalformedReportError(path, f"no {what} table (expected after a '{marker}' line)")


def pick_column(record: Mapping[str, str], *names: str) -> str | None:
    """First of several column names that exists: layouts renamed columns between versions."""
    return next((record[name] for name in names if name in record), None)
