"""The harness's errors: one root, and one branch per kind of failure the command line tells apart.

    HarnessError                   root of every error the harness raises on purpose
        SpecError                  an input is invalid (spec, override, option, model, data file,
                                   environment variable): `error:` line, exit 2, before any work
        ToolError                  a tool is missing (ToolNotFoundError, exit 2 before any work) or
                                   failed (Yosys, Verilator, g++, GHDL, a vendor build: exit 1)
        ReportError                a vendor report or project could not be read (harness.hls)

A design whose RTL mismatches its reference is not an exception: the record says so
(`Record.verification`), and the command line exits 1.
"""

from __future__ import annotations


class HarnessError(Exception):
    """Root of the harness's own errors: its message is meant for the user, as one line."""


class SpecError(HarnessError, ValueError):
    """An input (a design or sweep spec, an override, an option, an environment variable) is invalid;
    the message names the key and what is valid. The command line prints it as one `error:` line and
    exits 2, before any expensive work."""


class ToolError(HarnessError, RuntimeError):
    """A tool of the flow is missing or failed; the message names the tool and its log or how to get
    it."""
