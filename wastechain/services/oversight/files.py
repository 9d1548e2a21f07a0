"""What a regulator opens from the search: a manifest's whole file (roadside check), a batch's trace, and an
enterprise's file — each only inside the regulator's jurisdiction (404 outside it, never a hint it exists)."""
from datetime import date, datetime

from sqlalchemy import or_, select

from wastechain.domain.credit import CreditRules
from wastechain.domain.text import N_
from wastechain.domain.timeutil import local_date
from wastechain.domain.vocabulary import AUTHORITY_ROLES
from wastechain.models import (Anomaly, CreditEvent, Declaration, Manifest, Organization, Payment, ReceiverIntakeTotal,
                               User)
from wastechain.services import access, catalog
from wastechain.services.common import Page, paginate
from wastechain.services.credit import score, visible_organization
from wastechain.services.lineage import manifest_origins, trace_batch
from wastechain.services.manifests import capacity
from wastechain.services.storage import ledger


def _require_authority(actor: User) -> None:
    access.require_role(actor, *AUTHORITY_ROLES, doing=N_("查看监管档案"))


def manifest_file(session, *, actor: User, manifest_id: int) -> dict:
    """A manifest as a regulator checks it at the roadside: parties, lines, timeline, GPS points, origins, anomalies."""
    _require_authority(actor)
    manifest = access.get_manifest(session, actor, manifest_id)
    origins = manifest_origins(session, actor=actor, manifest_id=manifest.id)
    anomalies = session.scalars(access.visible_anomalies(actor).where(Anomaly.manifest_id == manifest.id)
                                .order_by(Anomaly.id)).all()
    gps = [{"step": e.type, "at": e.occurred_at, "lat": e.lat, "lon": e.lon} for e in manifest.events
           if e.lat is not None and e.lon is not None]
    regions = catalog.region_names(session, [manifest.origin_region_code, manifest.destination_region_code,
                                             *(o["region_code"] for o in origins["origins"])])
    parties = (manifest.issuer, manifest.transporter, manifest.receiver)
    return {"manifest": manifest, "origins": origins, "anomalies": anomalies, "gps": gps, "region_names": regions,
            "enterprise_ids": {o.id for o in parties if access.in_jurisdiction(actor, o.region_code)}}


def batch_trace(session, *, actor: User, batch_id: int) -> dict:
    """Where every kilogram of a batch went, with the batch itself (a regulator's page)."""
    _require_authority(actor)
    batch = access.get_batch(session, actor, batch_id)
    trace = trace_batch(session, actor=actor, batch_id=batch.id)
    return {"batch": batch, "trace": trace}


def enterprise(session, *, actor: User, organization_id: int) -> Organization:
    """An enterprise in the regulator's jurisdiction (404 outside it)."""
    _require_authority(actor)
    return visible_organization(session, actor, organization_id)


def enterprise_file(session, *, actor: User, organization_id: int, now: datetime, rules: CreditRules) -> dict:
    """An enterprise's file: sites with their stock now, permits with validity and capacity used this year, the
    credit score, and how many manifests, anomalies, declarations and payments each list holds."""
    org = enterprise(session, actor=actor, organization_id=organization_id)
    today = local_date(now)
    sites = [_site_summary(session, actor, site, now=now) for site in org.sites]
    accepted = session.scalar(select(ReceiverIntakeTotal.accepted_kg).where(
        ReceiverIntakeTotal.receiver_id == org.id, ReceiverIntakeTotal.year == today.year))
    committed = capacity.committed(session, receiver_id=org.id, year=today.year)
    permits = [{"permit": p, "valid": p.valid_from <= today <= p.valid_to, "days_left": (p.valid_to - today).days,
                "committed_kg": committed if p.annual_capacity_kg else None, "accepted_kg": accepted,
                "used_share": (committed / p.annual_capacity_kg) if p.annual_capacity_kg else None}
               for p in org.permits]
    counts = {section: lister(session, actor, org, page=1, per_page=1).total for section, lister in SECTIONS.items()}
    return {"organization": org, "sites": sites, "permits": permits, "year": today.year, "counts": counts,
            "score": score(session, organization_id=org.id, rules=rules),
            "region_names": catalog.region_names(session, [org.region_code, *(s.region_code for s in org.sites)])}


def _site_summary(session, actor: User, site, *, now: datetime) -> dict:
    """A site with its stock now and this year's ledger by waste code (opening, in, out, closing), when the site
    itself lies in the jurisdiction."""
    if not access.in_jurisdiction(actor, site.region_code):
        return {"site": site, "stock": None, "ledger": []}
    today = local_date(now)
    year = ledger.site_ledger(session, actor=actor, site_id=site.id, date_from=date(today.year, 1, 1), date_to=today,
                              period="month")
    return {"site": site, "stock": ledger.site_stock(session, actor=actor, site_id=site.id, day=None, now=now),
            "ledger": ledger.ledger_totals(year)}


def _manifests(session, actor: User, org: Organization, *, page: int, per_page: int) -> Page:
    query = access.visible_manifests(actor).where(or_(Manifest.issuer_id == org.id, Manifest.receiver_id == org.id,
                                                      Manifest.transporter_id == org.id))
    return paginate(session, query.order_by(Manifest.issued_at.desc(), Manifest.id.desc()), page=page,
                    per_page=per_page)


def _anomalies(session, actor: User, org: Organization, *, page: int, per_page: int) -> Page:
    query = access.visible_anomalies(actor).where(Anomaly.organization_id == org.id)
    return paginate(session, query.order_by(Anomaly.day.desc(), Anomaly.id.desc()), page=page, per_page=per_page)


def _declarations(session, actor: User, org: Organization, *, page: int, per_page: int) -> Page:
    query = access.visible_declarations(actor).where(Declaration.organization_id == org.id)
    return paginate(session, query.order_by(Declaration.period.desc(), Declaration.id.desc()), page=page,
                    per_page=per_page)


def _payments(session, actor: User, org: Organization, *, page: int, per_page: int) -> Page:
    query = access.visible_payments(actor).where(or_(Payment.payer_id == org.id, Payment.payee_id == org.id))
    return paginate(session, query.order_by(Payment.paid_at.desc(), Payment.id.desc()), page=page, per_page=per_page)


def _credit_events(session, actor: User, org: Organization, *, page: int, per_page: int) -> Page:
    query = select(CreditEvent).where(CreditEvent.organization_id == org.id)
    return paginate(session, query.order_by(CreditEvent.day.desc(), CreditEvent.id.desc()), page=page,
                    per_page=per_page)


SECTIONS = {"manifests": _manifests, "anomalies": _anomalies, "declarations": _declarations, "payments": _payments,
            "credit": _credit_events}


def enterprise_section(session, *, actor: User, organization_id: int, section: str, page: int = 1,
                       per_page: int = 20) -> Page:
    """One page of one of the enterprise file's lists (manifests, anomalies, declarations, payments, credit)."""
    org = enterprise(session, actor=actor, organization_id=organization_id)
    return SECTIONS[section](session, actor, org, page=max(1, page), per_page=per_page)
