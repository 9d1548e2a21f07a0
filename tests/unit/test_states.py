"""The manifest state machine: every allowed transition, and every other one refused."""
import itertools

import pytest

from wastechain.domain.errors import InvalidTransition
from wastechain.domain.states import ManifestStatus as S, Party, Step, steps_from, transition_for

ALLOWED = {
    (None, Step.ISSUE): ((S.ISSUED,), {Party.ISSUER}),
    (S.ISSUED, Step.CANCEL): ((S.CANCELLED,), {Party.ISSUER, Party.REGULATOR}),
    (S.ISSUED, Step.PICKUP): ((S.IN_TRANSIT,), {Party.DRIVER}),
    (S.IN_TRANSIT, Step.DELIVER): ((S.DELIVERED,), {Party.DRIVER}),
    # 联运: the next leg's driver takes the load over; the manifest stays in transit (issue 10)
    (S.IN_TRANSIT, Step.TRANSFER): ((S.IN_TRANSIT,), {Party.NEXT_DRIVER}),
    # received into a collector's stock the manifest closes at receipt (its leg ends in storage; lineage goes on)
    (S.DELIVERED, Step.RECEIVE): ((S.RECEIVED, S.REJECTED, S.CLOSED), {Party.RECEIVER}),
    (S.RECEIVED, Step.DISPOSE): ((S.RECEIVED, S.CLOSED), {Party.RECEIVER}),
    # a refused part arrived on its onward manifest: recorded by the system, no party asks for it (issue 10)
    (S.RECEIVED, Step.CLOSE): ((S.CLOSED,), set()),
    (S.REJECTED, Step.CLOSE): ((S.CLOSED,), set()),
}
REFUSED = [(status, step) for status, step in itertools.product([None, *S], Step) if (status, step) not in ALLOWED]


@pytest.mark.parametrize("status, step", list(ALLOWED))
def test_each_allowed_transition_leads_where_the_spec_says_and_only_for_its_actors(status, step):
    transition = transition_for(status, step)
    targets, parties = ALLOWED[(status, step)]
    assert transition.targets == targets and transition.parties == parties


@pytest.mark.parametrize("status, step", REFUSED)
def test_every_other_transition_is_refused(status, step):
    with pytest.raises(InvalidTransition) as caught:
        transition_for(status, step)
    assert caught.value.code == "INVALID_TRANSITION"
    assert caught.value.details["step"] == step


def test_the_refusal_says_which_steps_the_state_allows():
    with pytest.raises(InvalidTransition) as caught:
        transition_for("issued", "receive")
    assert sorted(caught.value.details["allowed_steps"]) == ["cancel", "pickup"]
    assert "已开具" in caught.value.message and "接收" in caught.value.message


@pytest.mark.parametrize("status", [S.CANCELLED, S.CLOSED])
def test_final_states_allow_no_step(status):
    assert steps_from(status) == []


def test_a_load_refused_whole_waits_only_for_the_system_to_close_it():
    assert steps_from(S.REJECTED) == [Step.CLOSE] and transition_for(S.REJECTED, Step.CLOSE).parties == frozenset()


def test_the_refused_list_covers_all_the_other_pairs():
    assert len(REFUSED) + len(ALLOWED) == (len(S) + 1) * len(Step)
