"""The harness's errors. `HarnessError` is the root of every error the harness raises on purpose."""

from __future__ import annotations


class HarnessError(Exception):
    """Root of the harness's own errors: its message is meant for the user, as one line."""


class SpecError(HarnessError, ValueError):
    """An input (a design or sweep spec, an override, an option, an environment variable) is invalid;
    the message names the key and what is valid. The command line prints it as one `error:` line and
    exits 2, before any expensive work."""
