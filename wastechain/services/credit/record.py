"""Reading a credit record (the enterprise's own, or one in a regulator's jurisdiction) and answering an event."""
from datetime import datetime

from sqlalchemy import func, select

from wastechain.domain.credit import CreditRules
from wastechain.domain.errors import NotFound
from wastechain.domain.text import N_, clean_text
from wastechain.models import CreditEvent, CreditReply, Organization, User
from wastechain.services import access
from wastechain.services.common import Page, paginate, transactional


def visible_organization(session, actor: User, organization_id: int) -> Organization:
    """The actor's own organization, or one in a regulator's jurisdiction; 404 for any other."""
    org = session.get(Organization, organization_id)
    if org is None or not (actor.organization_id == org.id or access.in_jurisdiction(actor, org.region_code)):
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("企业"), "id": organization_id})
    return org


def score(session, *, organization_id: int, rules: CreditRules) -> int:
    total = session.scalar(select(func.coalesce(func.sum(CreditEvent.points), 0))
                           .where(CreditEvent.organization_id == organization_id))
    return rules.score(int(total or 0))


def credit_record(session, *, actor: User, organization_id: int, rules: CreditRules, page: int = 1,
                  per_page: int = 20) -> dict:
    """The score and its events, newest first, each with the enterprise's answers."""
    org = visible_organization(session, actor, organization_id)
    events: Page = paginate(session, select(CreditEvent).where(CreditEvent.organization_id == org.id)
                            .order_by(CreditEvent.day.desc(), CreditEvent.id.desc()), page=page, per_page=per_page)
    return {"organization": org, "score": score(session, organization_id=org.id, rules=rules), "events": events,
            "rules": rules}


@transactional
def reply_to_credit_event(session, *, actor: User, event_id: int, text: str, now: datetime) -> CreditReply:
    """The enterprise's answer to one of its credit events (only its own users may answer)."""
    event = session.get(CreditEvent, event_id)
    if event is None or actor.organization_id != event.organization_id:
        raise NotFound(N_("{label} {id} 不存在或无权查看"), params={"label": N_("信用记录"), "id": event_id})
    reply = CreditReply(credit_event_id=event.id, author_id=actor.id, created_at=now,
                        text=clean_text(text, field="note", max_length=2000, required=True, multiline=True))
    session.add(reply)
    session.flush()
    return reply
