"""Lineage arithmetic conserves every gram (property-based)."""
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from wastechain.domain.lineage import Part, draw_fifo, split_proportionally, split_receipt

grams = st.integers(min_value=0, max_value=10**9)
weights = st.lists(st.integers(min_value=0, max_value=10**8), min_size=1, max_size=12)


@settings(max_examples=200, deadline=None)
@given(weights, st.data())
def test_a_proportional_split_is_exact_and_no_share_exceeds_its_weight(ws, data):
    total = data.draw(st.integers(min_value=0, max_value=sum(ws)))
    shares = split_proportionally(total, ws)
    assert sum(shares) == total
    assert all(0 <= s <= w for s, w in zip(shares, ws))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=10**8), min_size=1, max_size=12), grams, grams)
def test_a_receipt_split_accounts_for_every_shipped_gram(shipped, accepted, rejected):
    split = split_receipt(shipped, accepted, rejected)
    for s, share in zip(shipped, split.shares):
        assert min(share.accepted_g, share.rejected_g, share.variance_g) >= 0
        assert share.accepted_g + share.rejected_g + share.variance_g == s
    assert sum(x.accepted_g for x in split.shares) + split.surplus_accepted_g == accepted
    assert sum(x.rejected_g for x in split.shares) + split.surplus_rejected_g == rejected


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(min_value=0, max_value=10**6), min_size=0, max_size=10), st.data())
def test_drawing_first_in_first_out_takes_exactly_what_was_asked(opens, data):
    parts = [Part(i, g) for i, g in enumerate(opens)]
    wanted = data.draw(st.integers(min_value=0, max_value=sum(opens)))
    taken = draw_fifo(parts, wanted)
    assert sum(g for _, g in taken) == wanted
    assert all(0 < g <= opens[k] for k, g in taken)


def test_drawing_more_than_the_parts_hold_is_refused():
    with pytest.raises(ValueError):
        draw_fifo([Part(1, 5)], 6)
