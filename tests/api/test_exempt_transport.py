"""An exemption list row (豁免管理清单) at transport: the load leaves with a carrier whose dangerous-goods permit has
lapsed, the issue verdict says why, and the nightly permit check does not flag the carrier; without it, refused."""
from datetime import date, timedelta

from sqlalchemy import select

from tests.factories import NOW, assert_refused
from wastechain.domain.anomalies import Thresholds, day_window
from wastechain.domain.timeutil import local_date
from wastechain.models import Anomaly, Permit
from wastechain.services.catalog import imports
from wastechain.services.reconciliation import run_reconciliation

CONDITION = "运输工具满足防雨、防渗漏、防遗撒要求"


def _lapse_the_carriers_permit(session, world):
    permit = session.scalar(select(Permit).where(Permit.organization_id == world.transporter.id))
    permit.valid_to = date(2020, 12, 31)
    session.commit()


def test_without_an_exemption_a_carrier_without_the_permit_is_refused(api, session, world, batch):
    _lapse_the_carriers_permit(session, world)
    assert_refused(api.issue(world, batch), 422, "PERMIT_INVALID")


def test_an_exempt_load_leaves_without_the_permit_and_the_night_does_not_flag_the_carrier(api, session, world, batch):
    imports.apply_import(session, actor=None, kind="exemption", edition="2025", effective_from=date(2025, 1, 1),
                         rows=[(2, {"code": "HW49", "link": "transport", "condition": CONDITION})])
    _lapse_the_carriers_permit(session, world)
    issued = api.issue(world, batch)
    assert issued.status_code == 201, issued.json
    assert api.step(issued.json["id"], "pickup", as_="driver").status_code == 201
    day = local_date(NOW + timedelta(hours=2))
    for each in (day, day + timedelta(days=1)):  # the pickup's business day, whichever it is
        run_reconciliation(session, day=each, now=day_window(each).end + timedelta(hours=1), thresholds=Thresholds(),
                           secret="test-secret")
    flagged = session.scalars(select(Anomaly).where(Anomaly.code == "PERMIT_INVALID")).all()
    assert [a.evidence for a in flagged] == []
