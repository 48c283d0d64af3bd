"""The netlist the BDT generator writes into: signals, Verilog literals, and delay registers.

A signal (`Sig`) is a wire or reg valid a number of registers after the input register, or a
constant. `Netlist` collects the declarations, continuous assignments and register updates, and
delays a signal through extra registers when a later stage consumes it (`Netlist.at`).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Sig:
    """A value in the netlist: a wire/reg name valid `time` registers after the input register,
    or a constant literal (valid at any time)."""

    text: str
    width: int
    time: int = 0
    value: int | None = None  # the code of a constant

    @property
    def const(self) -> bool:
        return self.value is not None


def const(code: int, width: int) -> Sig:
    return Sig(literal(code, width), width, value=code)


def literal(code: int, width: int) -> str:
    return f"{width}'h{code & ((1 << width) - 1):0{(width + 3) // 4}x}"


@dataclass
class Netlist:
    """Collects declarations and logic; delays signals to the stage that consumes them."""

    decls: list[str] = field(default_factory=list)
    assigns: list[str] = field(default_factory=list)
    regs: list[str] = field(default_factory=list)
    reg_bits: int = 0
    _delayed: dict[tuple[str, int], str] = field(default_factory=dict)

    def node(self, name: str, width: int, expr: str, time: int, registered: bool) -> Sig:
        if registered:
            self._reg(name, width, expr)
            return Sig(name, width, time + 1)
        self.decls.append(f"    wire [{width - 1}:0] {name};")
        self.assigns.append(f"    assign {name} = {expr};")
        return Sig(name, width, time)

    def at(self, sig: Sig, time: int) -> str:
        """The signal as seen at `time`: through delay registers when it was ready earlier."""
        if sig.const or sig.time == time:
            return sig.text
        if sig.time > time:
            raise AssertionError(f"{sig.text} is used at stage {time} before it exists (stage {sig.time})")
        key = (sig.text, time)
        if key not in self._delayed:
            previous = self.at(sig, time - 1)
            name = f"{sig.text}_t{time}"
            self._reg(name, sig.width, previous)
            self._delayed[key] = name
        return self._delayed[key]

    def _reg(self, name: str, width: int, expr: str) -> None:
        self.decls.append(f"    reg  [{width - 1}:0] {name};")
        self.regs.append(f"        {name} <= {expr};")
        self.reg_bits += width
