"""The harness's errors: one root, and one branch per kind of failure the command line tells apart.

    HarnessError                   root of every error the harness raises on purpose
        SpecError                  an input is invalid (spec, override, option, model, data file,
                                   environment variable): `error:` line, exit 2, before any work
        ToolError                  a tool is missing (ToolNotFoundError, exit 2 before any work) or
                                   failed (Yosys, Verilator, g++, GHDL, a vendor build: exit 1)
        ReportError                a vendor report or project could not be read (harness.hls)
        VerificationError          the RTL mismatched its bit-accurate reference (`Record.check`):
                                   exit 1

Evaluating a design whose RTL mismatches is not itself an error: the record says so
(`Record.verification`, `Record.verified`), and `Record.check()` raises `VerificationError`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from harness.verify import Mismatch


class HarnessError(Exception):
    """Root of the harness's own errors: its message is meant for the user, and its first line says
    what was wrong (an invalid key's message goes on to list the valid keys, one a line)."""


class SpecError(HarnessError, ValueError):
    """An input (a design or sweep spec, an override, an option, an environment variable) is invalid;
    the message names the key and what is valid. The command line prints it as one `error:` line and
    exits 2, before any expensive work."""


class ReportError(HarnessError):
    """A vendor report or project (`harness.hls`) could not be used; the message says why in plain
    words. `harness.hls.record` has its two kinds: no report found, a report malformed."""


class ToolError(HarnessError, RuntimeError):
    """A tool of the flow is missing or failed; the message names the tool and its log or how to get
    it."""


class VerificationError(HarnessError):
    """The RTL's output words differ from its bit-accurate reference (hls4ml's or conifer's C
    simulation). The message is one line: the reference, the count of mismatched words and vectors,
    the first mismatch; `first` keeps the first few (`harness.verify.Mismatch`: inputs and both outputs).
    """

    def __init__(self, message: str, first: list[Mismatch]) -> None:
        super().__init__(message)
        self.first = first
