"""The trial attributes the sweep stores (`harness.sweep.trials`): one owner for their names."""

import optuna
import pytest

from harness.sweep.trials import TRIAL_ATTRIBUTES, TrialRecord, attributes, store, stored


def test_stored_attributes_come_back_as_the_trial_record():
    """Every attribute `store` writes on a real Optuna trial reads back as the `TrialRecord` field of
    the same name."""
    study = optuna.create_study(directions=["minimize", "maximize"])
    trial = study.ask()
    store(trial, design="jet", kind="nn", design_hash="abc", worker="host:1", promoted=True, mismatches=0)
    store(trial, sources={"lut": "yosys 0.38"}, constraints={"latency_budget": -0.5}, warnings=["w"])
    study.tell(trial, [10.0, 0.7])
    record = TrialRecord.from_frozen(study.trials[0])
    assert (record.design, record.kind, record.design_hash, record.worker) == ("jet", "nn", "abc", "host:1")
    assert record.promoted and record.mismatches == 0 and record.warnings == ["w"]
    assert record.sources == {"lut": "yosys 0.38"} and record.constraints == {"latency_budget": -0.5}
    assert stored(study.trials[0], "worker") == "host:1" and stored(study.trials[0], "error") is None


def test_a_misspelt_attribute_fails_where_it_is_written():
    """A name that is no `TrialRecord` field is refused (listing the valid ones) by `store`, `stored`
    and `attributes`, before anything reaches the storage."""
    study = optuna.create_study()
    trial = study.ask()
    with pytest.raises(KeyError, match="not a trial attribute: promotd .*valid: design, kind"):
        store(trial, promotd=True)
    with pytest.raises(KeyError, match="not a trial attribute: mismatch"):
        stored(trial, "mismatch")
    with pytest.raises(KeyError, match="force_promote"):
        attributes(force_promote=True)
    assert trial.user_attrs == {}
    assert "force_promotion" in TRIAL_ATTRIBUTES and "seconds" not in TRIAL_ATTRIBUTES
