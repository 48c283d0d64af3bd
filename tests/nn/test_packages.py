"""The kind packages expose their stage modules as modules (their `STAGES` carries the functions)."""

from __future__ import annotations

import types

import pytest


def test_stage_modules_are_modules_not_functions():
    """`import harness.bdt.convert as m` must give the module: a package attribute named like a submodule
    (a re-exported function) used to shadow it, so `m.Forest` and friends were unreachable that way."""
    import harness.bdt.convert as bdt_convert
    import harness.bdt.emulate as bdt_emulate
    import harness.bdt.rtl as bdt_rtl
    import harness.bdt.train as bdt_train
    import harness.nn.convert as nn_convert
    import harness.nn.emulate as nn_emulate
    import harness.nn.rtl as nn_rtl
    import harness.nn.train as nn_train

    modules = [bdt_convert, bdt_emulate, bdt_rtl, bdt_train, nn_convert, nn_emulate, nn_rtl, nn_train]
    assert all(isinstance(m, types.ModuleType) for m in modules), modules


@pytest.mark.parametrize("kind", ["nn", "bdt"])
def test_stages_still_carry_the_stage_functions(kind):
    from harness.kinds import stages_for

    stages = stages_for(kind)
    for stage in ("train", "convert", "emulate", "rtl"):
        fn = getattr(stages, stage)
        assert callable(fn) and fn.__name__ == stage and fn.__module__ == f"harness.{kind}.{stage}"


def test_an_unknown_kind_is_refused_naming_the_valid_ones():
    from harness.kinds import KINDS, stages_for
    from harness.spec import SpecError

    assert set(KINDS) == {"nn", "bdt"}
    with pytest.raises(SpecError, match=r"kind: 'gnn' is not valid; must be one of 'nn', 'bdt'"):
        stages_for("gnn")
