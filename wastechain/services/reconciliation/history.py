"""Re-verifying the whole history at once: every manifest's hash chain and every day seal.

The nightly run checks what the day touched, the links of all seals, the previous week's roots and a rolling
slice of older ones; after a restore from backup, or when a
regulator asks, the operator checks everything (`flask verify-history`).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from sqlalchemy import exists, select

from wastechain.domain.anomalies import Thresholds
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


def verify_history(session, *, secret: str) -> HistoryCheck:
    """Recomputes every manifest's chain (and its status against its last event), every day seal and their chain."""
    ensure_sqlite_math(session)
    ctx = Context(session, date.max, ALL_TIME[0], ALL_TIME[1], Thresholds())
    broken, manifests = check_chains(ctx)
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
