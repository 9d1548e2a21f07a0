"""Who may take which step in which state: every state × actor × step of POST /manifests/{id}/events.

The expected outcome is written out here from SPEC.md's state machine, not derived from the code under test:
404 NOT_FOUND for a user who may not see the manifest, then 409 INVALID_TRANSITION for a step the state does not
allow (whoever asks), then 403 FORBIDDEN for a visible user whose step it is not, and 201 for the rest. After
every refusal the manifest's status and its number of events are as before.
"""
import pytest
from sqlalchemy import func, select

from tests.factories import make_rival_transporter, make_user, manifest_state, user_named
from wastechain.models import Manifest, ManifestEvent

# Every manifest here names the transporter's driver "driver"; "driver2" drives for the same transporter.
ACTORS = {
    "producer": "the issuer's producer user",
    "driver": "the driver named on the manifest",
    "driver2": "another driver of the same transporter",
    "transporter": "the transporter's office account",
    "rival_driver": "a driver of another transporter",
    "receiver": "the receiver",
    "kecheng_regulator": "the regulator of the origin county",
    "qujiang_regulator": "the regulator of the destination county",
    "jiangshan_regulator": "the regulator of another county",
    "city_regulator": "the city's regulator",
    "hangzhou_regulator": "the regulator of another city",
    "admin": "the administrator",
    "other_producer": "an unrelated producer",
}
CANNOT_SEE = {"rival_driver", "jiangshan_regulator", "hangzhou_regulator", "other_producer"}
# A regulator cancels in the origin's jurisdiction only. The administrator sees every manifest but is no party
# to any (access.manifest_party): it takes no step, not even a cancel.
MAY_TAKE = {
    "cancel": {"producer", "kecheng_regulator", "city_regulator"},
    "pickup": {"driver"},
    "deliver": {"driver"},
    "receive": {"receiver"},
    "dispose": {"receiver"},
}
NEXT = {("issued", "cancel"): "cancelled", ("issued", "pickup"): "in_transit", ("in_transit", "deliver"): "delivered",
        ("delivered", "receive"): "received", ("received", "dispose"): "closed"}
# The fields each step needs to succeed; sent unchanged with every request, so a refusal is never about them.
FIELDS = {"cancel": {"reason": "计划变更"}, "pickup": {"quantity_kg": 100}, "deliver": {},
          "receive": {"accepted_kg": 100}, "dispose": {"quantity_kg": 100, "method": "D10"}}
# How each state is reached from issued, by the users whose steps they are.
PATHS = {
    "issued": [],
    "in_transit": [("pickup", "driver", {})],
    "delivered": [("pickup", "driver", {}), ("deliver", "driver", {})],
    "received": [("pickup", "driver", {}), ("deliver", "driver", {}), ("receive", "receiver", {"accepted_kg": 100})],
    "closed": [("pickup", "driver", {}), ("deliver", "driver", {}), ("receive", "receiver", {"accepted_kg": 100}),
               ("dispose", "receiver", {"quantity_kg": 100, "method": "D10"})],
    "cancelled": [("cancel", "producer", {"reason": "作废"})],
    "rejected": [("pickup", "driver", {}), ("deliver", "driver", {}),
                 ("receive", "receiver", {"accepted_kg": 0, "rejected_kg": 100, "reason": "与联单不符"})],
}


def expected(state: str, actor: str, step: str) -> tuple:
    if actor in CANNOT_SEE:
        return (404, "NOT_FOUND")
    if (state, step) not in NEXT:
        return (409, "INVALID_TRANSITION")
    if actor not in MAY_TAKE[step]:
        return (403, "FORBIDDEN")
    return (201, NEXT[state, step])


def status_and_events(session, manifest_id: int) -> tuple[str, int]:
    """Read straight from the database (cheaper than the API for the hundreds of checks below)."""
    status = session.scalar(select(Manifest.status).where(Manifest.id == manifest_id))
    events = session.scalar(select(func.count()).select_from(ManifestEvent)
                            .where(ManifestEvent.manifest_id == manifest_id))
    session.commit()  # SQLite: never hold a transaction open while the app writes
    return status, events


@pytest.fixture
def in_state(api, world, batch, session):
    """Builds a manifest (1000 kg batch, 100 kg on it, driver named) in a state through the API, as users would."""
    make_rival_transporter(session)
    make_user(session, username="qujiang_regulator", role="regulator", region="330803")
    session.commit()
    driver_id = user_named(session, "driver").id

    def build(state: str) -> int:
        issued = api.issue(world, batch, "100", driver_id=driver_id)
        assert issued.status_code == 201, issued.json
        for step, actor, fields in PATHS[state]:
            response = api.step(issued.json["id"], step, as_=actor, **fields)
            assert response.status_code == 201, response.json
        assert manifest_state(api, issued.json["id"])[0] == state
        return issued.json["id"]

    return build


@pytest.mark.parametrize("state", list(PATHS))
def test_each_user_may_take_exactly_the_steps_the_state_machine_gives_it(api, session, in_state, state):
    shared = in_state(state)  # every refusal is tried on this one manifest, which must not move
    before = status_and_events(session, shared)
    outcomes, wanted, wrong_effects = {}, {}, []
    for actor in ACTORS:
        for step in FIELDS:
            wanted[actor, step] = expected(state, actor, step)
            mid = in_state(state) if wanted[actor, step][0] == 201 else shared
            response = api.step(mid, step, as_=actor, **FIELDS[step])
            if response.status_code == 201:
                outcomes[actor, step] = (201, response.json["status"])
                if status_and_events(session, mid) != (response.json["status"], before[1] + 1):
                    wrong_effects.append((actor, step, "the success is not one event with the new status"))
            else:
                outcomes[actor, step] = (response.status_code, response.json["error"]["code"])
                now = status_and_events(session, shared)
                if now != before:
                    wrong_effects.append((actor, step, "a refusal moved the manifest to", now))
                    before = now
    assert outcomes == wanted
    assert wrong_effects == []


def test_when_no_driver_is_named_any_driver_of_the_transporter_picks_up_and_delivers(api, world, batch):
    mid = api.issue(world, batch, "100").json["id"]
    picked = api.step(mid, "pickup", as_="driver2")
    assert picked.status_code == 201 and picked.json["status"] == "in_transit"
    delivered = api.step(mid, "deliver", as_="driver")
    assert delivered.status_code == 201 and delivered.json["status"] == "delivered"
    assert manifest_state(api, mid) == ("delivered", 3)
