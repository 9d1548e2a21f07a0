"""Who may take which step in which state: the state machine × role matrix, written out by hand from SPEC.md.

The table below is independent of TRANSITIONS and parties_of, so a change to either that lets a role do what the
chain does not allow (or stops a role doing its job) fails here.
"""
import itertools

import pytest

from wastechain.domain.errors import InvalidTransition
from wastechain.domain.states import ManifestParties, ManifestStatus as S, Step, allowed_steps, parties_of, transition_for

ISSUER, RECEIVER, TRANSPORTER, OTHER = 1, 2, 3, 9
NAMED_DRIVER, OTHER_DRIVER = 100, 101
MANIFEST = ManifestParties(issuer_id=ISSUER, receiver_id=RECEIVER, transporter_id=TRANSPORTER,
                           driver_id=NAMED_DRIVER, origin_region="330802")
UNNAMED = ManifestParties(issuer_id=ISSUER, receiver_id=RECEIVER, transporter_id=TRANSPORTER, driver_id=None,
                          origin_region="330802")

# actor: (role, organization, user id, regulator of the origin's jurisdiction?)
ACTORS = {
    "issuing producer": ("producer", ISSUER, 1, False),
    "issuing collector": ("collector", ISSUER, 2, False),
    "other producer": ("producer", OTHER, 3, False),
    "named driver": ("driver", TRANSPORTER, NAMED_DRIVER, False),
    "other driver of the transporter": ("driver", TRANSPORTER, OTHER_DRIVER, False),
    "driver of another transporter": ("driver", OTHER, 102, False),
    "transporter's office": ("transporter", TRANSPORTER, 4, False),
    "receiver": ("receiver", RECEIVER, 5, False),
    "collector receiving": ("collector", RECEIVER, 6, False),
    "regulator of the origin": ("regulator", None, 7, True),
    "regulator elsewhere": ("regulator", None, 8, False),
    "admin": ("admin", None, 10, False),
}

# state → step → the actors who may take it (a named driver is the only driver on MANIFEST)
ALLOWED = {
    S.ISSUED: {Step.CANCEL: {"issuing producer", "issuing collector", "regulator of the origin"},
               Step.PICKUP: {"named driver"}},
    S.IN_TRANSIT: {Step.DELIVER: {"named driver"}},
    S.DELIVERED: {Step.RECEIVE: {"receiver", "collector receiving"}},
    S.RECEIVED: {Step.DISPOSE: {"receiver", "collector receiving"}},
    S.CLOSED: {}, S.CANCELLED: {}, S.REJECTED: {},
}
STEPS = [Step.CANCEL, Step.PICKUP, Step.DELIVER, Step.RECEIVE, Step.DISPOSE]


def _parties(actor: str, manifest=MANIFEST):
    role, org, user_id, in_jurisdiction = ACTORS[actor]
    return parties_of(role=role, organization_id=org, user_id=user_id, in_origin_jurisdiction=in_jurisdiction,
                      manifest=manifest)


@pytest.mark.parametrize("status,step,actor", list(itertools.product(ALLOWED, STEPS, ACTORS)))
def test_each_actor_may_take_exactly_the_steps_of_its_part_in_each_state(status, step, actor):
    may = actor in ALLOWED[status].get(step, set())
    assert (step in allowed_steps(status, _parties(actor))) is may
    if step not in ALLOWED[status]:
        with pytest.raises(InvalidTransition) as refused:
            transition_for(status, step)
        assert refused.value.code == "INVALID_TRANSITION"
        assert refused.value.details["status"] == status


def test_with_no_driver_named_any_driver_of_the_transporter_may_pick_up_but_no_other():
    assert Step.PICKUP in allowed_steps(S.ISSUED, _parties("other driver of the transporter", UNNAMED))
    assert Step.PICKUP not in allowed_steps(S.ISSUED, _parties("driver of another transporter", UNNAMED))


def test_the_admin_sees_everything_but_takes_no_step_of_the_chain():
    assert all(not allowed_steps(status, _parties("admin")) for status in ALLOWED)
