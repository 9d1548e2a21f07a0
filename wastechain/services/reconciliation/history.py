"""Re-verifying the whole history at once: every manifest's hash chain and every day seal.

The nightly run checks what the day touched, the links of all seals, the previous week's roots and a rolling
slice of older ones; after a restore from backup, or when a
regulator asks, the operator checks everything (`flask verify-history`).
"""
from dataclasses import dataclass, field
from datetime import date, datetime, timezone

from wastechain.domain.anomalies import Thresholds
from wastechain.services.reconciliation.context import Context
from wastechain.services.reconciliation.seal import check_chains, check_seal_chain, recheck_seals
from wastechain.services.reconciliation.sql import ensure_sqlite_math

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
    session.rollback()  # read only: end the transaction (SQLite holds its write lock for any open one)
    return HistoryCheck(manifests_verified=manifests, seals_verified=seals, problems=problems)
