"""Configuration that would break a rule is refused when the app starts, not at the first vote."""

from __future__ import annotations

import pytest

from challenges.config import load_config


@pytest.mark.parametrize("weight", ["1.3", "0", "-1", "10.25", "nan"])
def test_a_verified_vote_weight_off_the_quarter_grid_is_refused(monkeypatch, weight):
    monkeypatch.setenv("VERIFIED_VOTE_WEIGHT", weight)
    with pytest.raises(ValueError, match="VERIFIED_VOTE_WEIGHT"):
        load_config({"SECRET_KEY": "test"})


@pytest.mark.parametrize("weight", ["1", "1.5", "0.25", "10"])
def test_a_verified_vote_weight_on_the_quarter_grid_is_accepted(monkeypatch, weight):
    monkeypatch.setenv("VERIFIED_VOTE_WEIGHT", weight)
    assert load_config({"SECRET_KEY": "test"})["VERIFIED_VOTE_WEIGHT"] == float(weight)
