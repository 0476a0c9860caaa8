"""Configuration that would break a rule is refused when the app starts, not at the first vote."""

from __future__ import annotations

import pytest

from challenges.config import limiter_uri, load_config, redis_url_of_limiter_uri


@pytest.mark.parametrize("weight", ["1.3", "0", "-1", "10.25", "nan"])
def test_a_verified_vote_weight_off_the_quarter_grid_is_refused(monkeypatch, weight):
    monkeypatch.setenv("VERIFIED_VOTE_WEIGHT", weight)
    with pytest.raises(ValueError, match="VERIFIED_VOTE_WEIGHT"):
        load_config({"SECRET_KEY": "test"})


@pytest.mark.parametrize("weight", ["1", "1.5", "0.25", "10"])
def test_a_verified_vote_weight_on_the_quarter_grid_is_accepted(monkeypatch, weight):
    monkeypatch.setenv("VERIFIED_VOTE_WEIGHT", weight)
    assert load_config({"SECRET_KEY": "test"})["VERIFIED_VOTE_WEIGHT"] == float(weight)


@pytest.mark.parametrize("raw", ["0", "-3", "five", "2.5"])
def test_a_vote_ring_setting_that_is_not_a_whole_number_above_0_is_refused(monkeypatch, raw):
    monkeypatch.setenv("TRUST_RING_MIN_ACCOUNTS", raw)
    with pytest.raises(ValueError, match="TRUST_RING_MIN_ACCOUNTS"):
        load_config({"SECRET_KEY": "test"})


def test_vote_ring_settings_come_from_the_environment(monkeypatch):
    from challenges.trust.rings import RingSettings

    monkeypatch.setenv("TRUST_RING_MIN_ACCOUNTS", "8")
    monkeypatch.setenv("TRUST_RING_WINDOW_MINUTES", "30")
    settings = RingSettings.from_config(load_config({"SECRET_KEY": "test"}))
    assert settings.min_accounts == 8 and settings.window.total_seconds() == 30 * 60
    assert settings.new_account_days == 7  # unset: the documented default


@pytest.mark.parametrize("url, storage_uri", [
    ("unix:///tmp/wc/valkey.sock?db=0", "redis+unix:///tmp/wc/valkey.sock?db=0"),
    ("redis://127.0.0.1:6379/0", "redis://127.0.0.1:6379/0"),
    ("rediss://cache.example:6380/1", "rediss://cache.example:6380/1"),
])
def test_the_limiters_spelling_of_a_redis_url_goes_both_ways(url, storage_uri):
    assert limiter_uri(url) == storage_uri
    assert redis_url_of_limiter_uri(storage_uri) == url


def test_the_default_limiter_storage_is_the_apps_redis(monkeypatch):
    monkeypatch.setenv("REDIS_URL", "unix:///tmp/wc/valkey.sock")
    monkeypatch.delenv("RATELIMIT_STORAGE_URI", raising=False)
    assert load_config({"SECRET_KEY": "test"})["RATELIMIT_STORAGE_URI"] == "redis+unix:///tmp/wc/valkey.sock"
