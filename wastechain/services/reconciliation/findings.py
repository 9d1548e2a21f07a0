"""Candidates become findings (enriched with the manifest's facts) and new anomaly rows (by fingerprint)."""
from datetime import date, datetime

from sqlalchemy import select

from wastechain.domain.anomalies import CATALOG, Finding, Thresholds, kg
from wastechain.domain.vocabulary import AnomalyStatus, Severity
from wastechain.models import Anomaly, Organization, Site
from wastechain.services.anomalies import notifications
from wastechain.services.reconciliation.context import Candidate
from wastechain.services.reconciliation.sql import M, g, insert_anomaly, jsonable

# ---------------------------------------------------------------- findings → rows

def _manifest_facts(session, ids: set[int]) -> dict[int, dict]:
    if not ids:
        return {}
    O_, R_ = Site.__table__.alias("o"), Site.__table__.alias("r")
    I, RC, T = (Organization.__table__.alias(n) for n in ("i", "rc", "t"))
    rows = session.execute(
        select(M.c.id, M.c.number, M.c.status, M.c.origin_region_code, M.c.destination_region_code, M.c.issuer_id,
               M.c.receiver_id, M.c.transporter_id, I.c.name.label("issuer"), RC.c.name.label("receiver"),
               T.c.name.label("transporter"), O_.c.name.label("origin_site"), R_.c.name.label("receiver_site"),
               g(M.c.total_kg).label("total_g"))
        .select_from(M.join(I, I.c.id == M.c.issuer_id).join(RC, RC.c.id == M.c.receiver_id)
                     .join(T, T.c.id == M.c.transporter_id).join(O_, O_.c.id == M.c.origin_site_id)
                     .join(R_, R_.c.id == M.c.receiver_site_id))
        .where(M.c.id.in_(ids))).all()
    return {row.id: row._asdict() for row in rows}


def _org_regions(session, ids: set[int]) -> dict[int, tuple[str, str]]:
    if not ids:
        return {}
    return {row.id: (row.region_code, row.name) for row in
            session.execute(select(Organization.id, Organization.region_code, Organization.name)
                            .where(Organization.id.in_(ids)))}


def to_findings(session, candidates: list[Candidate], *, thresholds: Thresholds) -> list[Finding]:
    seal_region = thresholds.seal_region
    facts = _manifest_facts(session, {c.manifest_id for c in candidates if c.manifest_id})
    orgs = _org_regions(session, {c.organization_id for c in candidates if c.organization_id})
    findings = []
    for c in candidates:
        evidence = dict(c.evidence)
        evidence.setdefault("rule", CATALOG[c.code].rule_text(thresholds))  # with the values this run applied
        region, related, org_id = c.region_code, None, c.organization_id
        subject_type, subject_id, label = c.subject_type, c.subject_id, c.subject_label
        if c.manifest_id and c.manifest_id in facts:
            m = facts[c.manifest_id]
            evidence["manifest"] = {
                "id": m["id"], "number": m["number"], "status": m["status"], "total_kg": kg(m["total_g"]),
                "issuer": m["issuer"], "receiver": m["receiver"], "transporter": m["transporter"],
                "origin_site": m["origin_site"], "receiver_site": m["receiver_site"],
                "origin_region": m["origin_region_code"], "destination_region": m["destination_region_code"]}
            region = region or m["origin_region_code"]
            related = m["destination_region_code"] if m["destination_region_code"] != region else None
            org_id = org_id or m[f"{c.responsible}_id"]
            if subject_type == "manifest":
                subject_id, label = c.manifest_id, m["number"]
        if org_id in orgs:
            region = region or orgs[org_id][0]
            evidence.setdefault("organization", orgs[org_id][1])
            label = label or orgs[org_id][1]
        if subject_type == "day":
            region = region or seal_region
        findings.append(Finding(code=c.code, fingerprint=f"{c.code}:{c.key}", subject_type=subject_type,
                                subject_id=subject_id, subject_label=label or "", region_code=region or seal_region,
                                related_region_code=related, organization_id=org_id, manifest_id=c.manifest_id,
                                evidence=jsonable(evidence), severity=c.severity))
    return findings


def store_findings(session, findings: list[Finding], *, day: date, now: datetime, source: str) -> int:
    """Inserts the findings not yet known (by fingerprint); returns how many were new."""
    if not findings:
        return 0
    prints = list({f.fingerprint for f in findings})
    known = set()
    for i in range(0, len(prints), 500):
        known.update(session.scalars(select(Anomaly.fingerprint).where(Anomaly.fingerprint.in_(prints[i:i + 500]))))
    rows, seen = [], set(known)
    for f in findings:
        if f.fingerprint in seen:
            continue
        seen.add(f.fingerprint)
        rows.append({"fingerprint": f.fingerprint, "code": f.code, "severity": f.severity, "status": AnomalyStatus.OPEN,
                     "day": day, "source": source, "subject_type": f.subject_type, "subject_id": f.subject_id,
                     "subject_label": f.subject_label[:200], "region_code": f.region_code,
                     "related_region_code": f.related_region_code, "organization_id": f.organization_id,
                     "manifest_id": f.manifest_id, "evidence": f.evidence, "detected_at": now,
                     "status_changed_at": now})
    if rows:
        dialect = session.get_bind().dialect.name
        session.execute(insert_anomaly(dialect).on_conflict_do_nothing(index_elements=["fingerprint"]), rows)
        notifications.warn_of_critical(session, now=now, fingerprints=[
            r["fingerprint"] for r in rows if r["severity"] == Severity.CRITICAL])
    return len(rows)
