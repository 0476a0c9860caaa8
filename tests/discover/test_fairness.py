"""Fair exposure (issue 13 acceptance): the first page's impressions spread evenly under
Discover. The same simulation as ``make bench-discover`` (tests/bench/discover.py), smaller: 200
viewers and 60 entries keep the mean at 40 impressions per entry, as 1,000 viewers and 300
entries do."""

from __future__ import annotations

from challenges.services.gallery import Sort
from tests.bench.discover import TARGET, add_entries, gini, simulate


def test_discover_spreads_first_page_impressions_evenly(make_challenge, frozen_clock):
    challenge = make_challenge("voting")
    add_entries(challenge, 60, frozen_clock())
    discover = simulate(challenge, Sort.DISCOVER, 200)
    most_voted = simulate(challenge, Sort.MOST_VOTED, 200)
    assert sum(discover) == sum(most_voted) == 200 * 12  # every card shown counted once
    assert gini(discover) <= TARGET
    assert min(discover) > 0  # every entry was seen
    assert gini(most_voted) > 0.7  # the same 12 every time: the unfairness Discover removes


def test_gini_of_equal_values_is_zero_and_of_one_taking_all_is_near_one():
    assert gini([5, 5, 5, 5]) == 0.0
    assert gini([0, 0, 0, 100]) == 0.75
