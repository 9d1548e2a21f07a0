"""Re-verifying the whole history at once: every manifest's hash chain and every day seal.

The nightly run checks what the day touched, the links of all seals, the previous week's roots and a rolling
slice of older ones; after a restore from backup, or when a
regulator asks, the operator checks everything (`flask verify-history`).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import exists, select

from wastechain.domain.anomalies import Thresholds
from wastechain.domain.errors import Forbidden
from wastechain.domain.keys import Keyring
from wastechain.domain.sealing import sign_seal, signing_key
from wastechain.domain.text import N_
from wastechain.domain.vocabulary import AnomalyStatus, Role
from wastechain.models import Anomaly, DaySeal, Manifest, User
from wastechain.services.anomalies.lifecycle import change_status
from wastechain.services.manifests.events import day_root, verify_manifest_events
from wastechain.services.reconciliation.context import Context
from wastechain.services.reconciliation.seal import check_chains, check_seal_chain, recheck_seals
from wastechain.services.reconciliation.sql import E, M, ensure_sqlite_math

ALL_TIME = (datetime(1970, 1, 1, tzinfo=timezone.utc), datetime(9999, 12, 31, tzinfo=timezone.utc))


@dataclass(frozen=True)
class HistoryCheck:
    manifests_verified: int
    seals_verified: int
    problems: list[dict] = field(default_factory=list)  # fingerprint and evidence of each broken chain or seal

    @property
    def ok(self) -> bool:
        return not self.problems


def verify_history(session, *, secret: Keyring | str) -> HistoryCheck:
    """Recomputes every manifest's chain (and its status against its last event), every day seal and their chain."""
    ensure_sqlite_math(session)
    ctx = Context(session, date.max, ALL_TIME[0], ALL_TIME[1], Thresholds())
    broken, manifests = check_chains(ctx, keys=secret)
    bad_seals, seals = recheck_seals(session, day=date.max, secret=secret, days=(date.max - date.min).days)
    bad_chain, _ = check_seal_chain(session, day=date.max, secret=secret)
    problems = [{"fingerprint": f"{c.code}:{c.key}", **c.evidence} for c in broken + bad_seals + bad_chain]
    problems += [{"fingerprint": f"CHAIN_BROKEN:m:{manifest_id}", "kind": "manifest_without_events",
                  "manifest_status": status} for manifest_id, status in _manifests_without_events(session)]
    session.rollback()  # read only: end the transaction (SQLite holds its write lock for any open one)
    return HistoryCheck(manifests_verified=manifests, seals_verified=seals, problems=problems)


def _manifests_without_events(session) -> list:
    """A manifest always has its issue event; one with none had its whole chain deleted."""
    return session.execute(select(M.c.id, M.c.status).where(~exists().where(E.c.manifest_id == M.c.id))
                           .order_by(M.c.id)).all()


# ---------------------------------------------------------------- false alarms of a wrong key (issue 11)

SIGNATURE_KINDS = ("day_seal_signature", "day_seal")
FALSE_ALARM_NOTE = (
    "系统复核更正：{day} 的日封签用已知密钥重新核验，签名有效（密钥编号 {key_id}，指纹 {fingerprint}）；"
    "封存的 {count} 个事件及默克尔根与当日事件重新计算的结果一致，与前后封签的链接完整。"
    "此前「记录被篡改」的告警是对账时使用了错误的密钥核验签名所致，记录并未被改动。{resigned}"
    "更正命令：flask verify-history --resolve-false-alarms。")
RESIGNED_NOTE = ("该封签当时由 {origin} 签名，复核后已改用当前密钥（编号 {current_id}）重新签名，"
                 "事件与默克尔根未变。")


MAC_FALSE_ALARM_NOTE = (
    "系统复核更正：联单 {number} 的 {events} 个事件用服务密钥（指纹 {fingerprint}）重新核验，哈希链、密钥校验码、"
    "状态与封存日均有效。此前「记录被篡改」的告警是对账时使用了错误的密钥核验所致，记录并未被改动。"
    "更正命令：flask verify-history --resolve-false-alarms。")


@dataclass(frozen=True)
class Correction:
    anomaly_id: int
    day: date
    key_id: int
    resigned: bool


def resolve_false_alarms(session, *, keys: Keyring | str, actor_username: str, now: datetime,
                         accepted: list[tuple[str, Keyring]] = ()) -> tuple[list[Correction], list[dict]]:
    """Resolves, with a note in each anomaly's history, the open CHAIN_BROKEN alarms about a day seal's signature
    whose seal verifies now: its signature under a key of the keyring, its root against the day's events recomputed
    now, and its links to the seals before and after it. `accepted` names other keys the operator vouches for (such
    as the development key a misconfigured command once used), as (description, keyring): a seal that verifies only
    under one of them is re-signed with the current key, and the note says so. Nothing is deleted.

    Returns the corrections made and, for the alarms left open, why each stays.
    """
    keys = Keyring.of(keys)
    actor = session.scalar(select(User).where(User.username == actor_username))
    if actor is None or actor.role != Role.ADMIN or not actor.active:
        raise Forbidden(N_("只有启用的系统管理员账号可以更正告警"), details={"username": actor_username})
    candidates = session.scalars(
        select(Anomaly).where(Anomaly.code == "CHAIN_BROKEN", Anomaly.fingerprint.like("CHAIN_BROKEN:seal:%"),
                              Anomaly.status != AnomalyStatus.RESOLVED).order_by(Anomaly.id)).all()
    corrections, kept = [], []
    for anomaly in candidates:
        day = date.fromisoformat(anomaly.fingerprint.rsplit(":", 1)[1])
        if not _only_the_signature(anomaly.evidence or {}):
            kept.append({"day": day, "why": f"not only about a signature: {(anomaly.evidence or {}).get('kind')}"})
            continue
        seal = session.get(DaySeal, day, populate_existing=True)
        if seal is None or seal.merkle_root is None:
            kept.append({"day": day, "why": "the seal is missing or blank"})
            continue
        if (seal.event_count, seal.merkle_root) != day_root(session, day):
            kept.append({"day": day, "why": "the day's events no longer match the sealed root"})
            continue
        key_id, origin = _signing_key(keys, seal), None
        if key_id is None:
            for description, other in accepted:
                if _signing_key(other, seal) is not None:
                    origin = description
                    break
            if origin is None:
                kept.append({"day": day, "why": "the signature verifies under no known key"})
                continue
            seal.key_id, seal.signature = sign_seal(keys, seal.day, seal.event_count, seal.merkle_root,
                                                    prev_day=seal.prev_day, prev_root=seal.prev_root)
            session.flush()
            key_id = keys.current_id
        links, _ = check_seal_chain(session, day=date.max, secret=keys)
        if any(problem.key == f"seal:{day.isoformat()}" for problem in links):
            session.rollback()
            kept.append({"day": day, "why": "its links to the neighbouring seals are broken"})
            continue
        resigned = RESIGNED_NOTE.format(origin=origin, current_id=keys.current_id) if origin else ""
        note = FALSE_ALARM_NOTE.format(day=day.isoformat(), key_id=key_id, fingerprint=keys.fingerprint(key_id),
                                       count=seal.event_count, resigned=resigned)
        change_status(session, actor=actor, anomaly_id=anomaly.id, status=AnomalyStatus.RESOLVED, note=note,
                      now=now)
        session.commit()
        corrections.append(Correction(anomaly.id, day, key_id, resigned=bool(origin)))
    session.rollback()
    corrections += _resolve_mac_false_alarms(session, keys=keys, actor=actor, now=now, kept=kept)
    return corrections, kept


def _resolve_mac_false_alarms(session, *, keys: Keyring, actor: User, now: datetime, kept: list) -> list[Correction]:
    """Open CHAIN_BROKEN alarms about a manifest's event MACs whose manifest verifies now under the service's keys
    (hash chain, MACs, status and sealed days): a run that checked with another key raised them."""
    candidates = session.scalars(
        select(Anomaly).where(Anomaly.code == "CHAIN_BROKEN", Anomaly.fingerprint.like("CHAIN_BROKEN:m:%"),
                              Anomaly.status != AnomalyStatus.RESOLVED).order_by(Anomaly.id)).all()
    corrections = []
    for anomaly in candidates:
        evidence = anomaly.evidence or {}
        manifest = session.get(Manifest, anomaly.manifest_id) if anomaly.manifest_id else None
        if manifest is None or not evidence.get("mac_problem") or evidence.get("hash_chain_ok") is False:
            kept.append({"day": anomaly.day, "why": f"manifest alarm {anomaly.id} is not only about MACs"})
            continue
        check = verify_manifest_events(session, manifest, keys)
        if not check.ok:
            reasons = "; ".join(check.reasons)
            kept.append({"day": anomaly.day, "why": f"manifest {manifest.number} still fails: {reasons}"})
            continue
        change_status(session, actor=actor, anomaly_id=anomaly.id, status=AnomalyStatus.RESOLVED, now=now,
                      note=MAC_FALSE_ALARM_NOTE.format(number=manifest.number, events=check.events,
                                                       fingerprint=keys.fingerprint()))
        session.commit()
        corrections.append(Correction(anomaly.id, anomaly.day, keys.current_id, resigned=False))
    session.rollback()
    return corrections


def _only_the_signature(evidence: dict) -> bool:
    """The alarm said the signature failed and nothing else: when it was raised, the events still matched the seal."""
    if evidence.get("kind") not in SIGNATURE_KINDS or evidence.get("signature_ok") is not False:
        return False
    return "root_now" not in evidence or (evidence.get("root_now") == evidence.get("sealed_root")
                                          and evidence.get("events_now") == evidence.get("sealed_events"))


def _signing_key(keys: Keyring, seal) -> int | None:
    return signing_key(keys, seal.day, seal.event_count, seal.merkle_root, seal.signature, key_id=seal.key_id,
                       prev_day=seal.prev_day, prev_root=seal.prev_root)


# ---------------------------------------------------------------- seals kept outside the database

SEAL_FIELDS = ("day", "event_count", "merkle_root", "prev_day", "prev_root", "key_id", "signature", "sealed_at")


def seal_records(session, *, keys: Keyring | str) -> list[dict]:
    """Every signed day seal as a plain record (JSON-ready), for a copy outside the database: a notary, a
    write-once store. Each names the fingerprint of its key (never the key), so the copy can be matched to it."""
    keys = Keyring.of(keys)
    records = []
    for row in session.execute(select(DaySeal.__table__).where(DaySeal.merkle_root.is_not(None))
                               .order_by(DaySeal.day)):
        record = {name: _plain(getattr(row, name)) for name in SEAL_FIELDS}
        signer = row.key_id if row.key_id is not None else _signing_key(keys, row)
        record["key_fingerprint"] = keys.fingerprint(signer) if signer in keys.masters else None
        records.append(record)
    session.rollback()
    return records


def compare_seal_records(session, records: list[dict], *, keys: Keyring | str) -> list[dict]:
    """What differs between exported seal records and the database: a seal changed, deleted or blanked since it
    was exported, and a signed seal that was never exported. Empty when they agree."""
    current = {r["day"]: r for r in seal_records(session, keys=keys)}
    problems = []
    exported = {}
    for record in records:
        day = record.get("day")
        exported[day] = record
        stored = current.get(day)
        if stored is None:
            problems.append({"day": day, "problem": "missing_in_database"})
            continue
        changed = [name for name in SEAL_FIELDS if stored.get(name) != record.get(name)]
        if changed:
            problems.append({"day": day, "problem": "changed", "fields": changed})
    problems += [{"day": day, "problem": "not_exported"} for day in sorted(set(current) - set(exported))]
    return sorted(problems, key=lambda p: str(p["day"]))


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value
