"""Study storages that cannot be opened are refused with one `error:` line naming the URL (password
masked), the reason and what would be valid; before, SQLAlchemy's traceback reached the user."""

from __future__ import annotations

import pytest

from harness.cli import main

UNOPENABLE = {
    "postgresql://worker:secret@127.0.0.1:1/sweeps": "Connection refused",  # no server on that port
    "mysql://worker@127.0.0.1/sweeps": "Failed to import DB access module",  # no MySQL driver installed
    "nosuchdb://x": "Can't load plugin",  # no such SQLAlchemy dialect
}


@pytest.mark.parametrize("url", UNOPENABLE)
@pytest.mark.parametrize("command", [["sweep", "status"], ["report"]])
def test_a_storage_that_cannot_be_opened_is_one_error_line(url, command, capsys):
    code = main([*command, "--storage", url, "--study", "jets"])
    out = capsys.readouterr()
    lines = (out.out + out.err).strip().splitlines()
    assert code == 2 and len(lines) == 1, lines
    masked = url.replace(":secret@", ":***@")
    assert lines[0].startswith(f"error: storage {masked} cannot be opened: ")
    assert UNOPENABLE[url] in lines[0] and "secret" not in lines[0]
    assert "postgresql://USER:PASSWORD@HOST:PORT/DATABASE" in lines[0]
