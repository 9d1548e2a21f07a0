"""Handover codes (交接码): the producer's gate confirms a pickup on the driver's phone.

《危险废物转移管理办法》 requires a handover record at every transfer. A scan alone proves the driver was near the QR,
not that the producer handed the load over. So the producer shows, in its own account, a one-time code that its
gate staff type on the driver's phone (or read aloud); the pickup event then carries `handover_confirmed: true`.

Scheme, and why it beats a static company code (Trackdéchets' 4 digits, the same for every pickup):
- 6 random digits from `secrets`, bound to one manifest, valid 10 minutes, single use: a code seen once is
  worthless afterwards and for any other manifest.
- Stored only as HMAC-SHA256(server secret, manifest id + code): a copy of the database does not reveal a live
  code, and without the secret the million candidates cannot be tried offline.
- 5 wrong codes lock it; only the producer can issue a new one (which replaces the old). A guesser has
  5 in 1,000,000 per code the producer chooses to issue.
- Validity is judged at the step's device time (occurred_at): a driver in a dead zone types the code at the
  gate, the phone queues the pickup, and it is accepted when it syncs later, as long as the code was valid when
  the handover happened and has not been used or replaced since.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import select, update

from wastechain.domain.errors import Conflict, Forbidden, HandoverRefused, ValidationFailed
from wastechain.domain.keys import HANDOVER, Keyring
from wastechain.domain.states import ManifestStatus, Party, Step, transition_for
from wastechain.domain.text import N_, clean_text
from wastechain.domain.timeutil import check_occurred_at
from wastechain.models import HandoverCode, Manifest, ManifestEvent, User
from wastechain.services import access
from wastechain.services.common import locked, transactional
from wastechain.services.manifests.events import StepRequest
from wastechain.services.manifests.steps import StepResult, record_step

CODE_DIGITS = 6
CODE_TTL = timedelta(minutes=10)
MAX_FAILED_ATTEMPTS = 5
CLOCK_SKEW = timedelta(minutes=2)  # a phone's clock may run a little behind the server's


@dataclass(frozen=True)
class IssuedCode:
    code: str
    expires_at: datetime


@dataclass(frozen=True)
class CodeState:
    issued_at: datetime
    expires_at: datetime
    used: bool
    locked: bool
    failed_attempts: int

    def active(self, now: datetime) -> bool:
        return not self.used and not self.locked and now <= self.expires_at


def _hash(secret: Keyring | str, manifest_id: int, code: str) -> str:
    key = Keyring.of(secret).key(HANDOVER)  # the handover key of the current master key (codes live 10 minutes)
    return hmac.new(key, f"{manifest_id}:{code}".encode(), hashlib.sha256).hexdigest()


def _locked_row(session, manifest_id: int) -> HandoverCode | None:
    return locked(session, select(HandoverCode).where(HandoverCode.manifest_id == manifest_id)).first()


@transactional
def issue_code(session, *, actor: User, manifest_id: int, secret: str, now: datetime) -> IssuedCode:
    """Issues the manifest's one-time handover code, replacing any earlier one: the producer's for the pickup, or
    on a multi-carrier manifest in transit (联运) the current leg's driver's for the hand-over to the next leg."""
    manifest = access.get_manifest(session, actor, manifest_id)
    if not can_issue_code(actor, manifest):
        if _hands_over(manifest):
            raise Forbidden(N_("只有当前运输区段的驾驶员可以生成联运交接码"))
        if Party.ISSUER not in access.manifest_parties(actor, manifest):
            raise Forbidden(N_("只有开具联单的产生单位可以生成交接码"))
        transition_for(manifest.status, Step.PICKUP)  # raises INVALID_TRANSITION naming the state
    code = f"{secrets.randbelow(10 ** CODE_DIGITS):0{CODE_DIGITS}d}"
    row = _locked_row(session, manifest.id)
    if row is None:
        row = HandoverCode(manifest_id=manifest.id)
        session.add(row)
    row.code_hash = _hash(secret, manifest.id, code)
    row.issued_at, row.expires_at, row.issued_by_id = now, now + CODE_TTL, actor.id
    row.failed_attempts, row.locked_at, row.used_at, row.used_by_id = 0, None, None, None
    return IssuedCode(code=code, expires_at=row.expires_at)


def can_issue_code(actor: User, manifest: Manifest) -> bool:
    """The producer may hand out a code while the manifest waits for its pickup; on a multi-carrier manifest in
    transit, the driver of the leg holding the load while a next leg waits."""
    if manifest.status == ManifestStatus.ISSUED:
        return Party.ISSUER in access.manifest_parties(actor, manifest)
    return _hands_over(manifest) and Party.DRIVER in access.manifest_parties(actor, manifest)


def _hands_over(manifest: Manifest) -> bool:
    """In transit with a next carrier waiting (联运)."""
    return (manifest.status == ManifestStatus.IN_TRANSIT and manifest.current_leg is not None
            and access.current_legs(manifest)[1] is not None)


def code_state(session, *, manifest_id: int) -> CodeState | None:
    """The state of a manifest's code (never the code itself: only its hash is kept)."""
    row = session.scalar(select(HandoverCode).where(HandoverCode.manifest_id == manifest_id))
    if row is None:
        return None
    return CodeState(issued_at=row.issued_at, expires_at=row.expires_at, used=row.used_at is not None,
                     locked=row.locked_at is not None, failed_attempts=row.failed_attempts)


def confirm_pickup(session, *, actor: User, manifest_id: int, code: str, request: StepRequest,
                   secret: str, now: datetime) -> StepResult:
    """Records a pickup confirmed by the producer's one-time code; a wrong code counts towards the lockout.

    A retry with the idempotency key of a recorded pickup returns it without looking at the code again. The code
    is used in the step's own transaction (one UPDATE … RETURNING, record_step's lean path); a code that is
    wrong, expired, used, locked or missing rolls the step back and is then refused with its reason, the failed
    attempt counted in a transaction of its own.
    """
    if request.type != Step.PICKUP:
        raise ValidationFailed(N_("交接码只用于提货"), details={"type": request.type})
    return _confirm(session, actor=actor, manifest_id=manifest_id, code=code, request=request, secret=secret, now=now)


def confirm_transfer(session, *, actor: User, manifest_id: int, code: str, request: StepRequest,
                     secret: str, now: datetime) -> StepResult:
    """Records a hand-over between carriers (联运): the next leg's driver types the one-time code shown on the
    phone of the current leg's driver. The same code rules as a pickup; the load is then with the next leg."""
    if request.type != Step.TRANSFER:
        raise ValidationFailed(N_("联运交接码只用于联运交接"), details={"type": request.type})
    return _confirm(session, actor=actor, manifest_id=manifest_id, code=code, request=request, secret=secret, now=now)


def _confirm(session, *, actor: User, manifest_id: int, code: str, request: StepRequest, secret: str,
             now: datetime) -> StepResult:
    code = (code or "").strip().replace(" ", "")
    gate = _Gate(actor=actor, code=code, secret=secret, now=now, step=Step(request.type))
    try:
        return record_step(session, actor=actor, manifest_id=manifest_id, now=now, request=request, handover=gate)
    except _NotAccepted:
        pass  # record_step rolled back the step and the code's use
    row = _locked_row(session, manifest_id)
    try:
        _check(session, row, manifest_id, code, gate.occurred_at, secret, now, step=gate.step)
    except BaseException:
        session.rollback()
        raise
    session.rollback()  # the code is right now: it was replaced while the step waited; the driver tries again
    raise Conflict(N_("交接码刚被产生单位更新，请重试"), code="INVALID_TRANSITION")


class _NotAccepted(Exception):
    """The code did not pass the step's quick check; confirm_pickup says why, counting a wrong code."""


@dataclass
class _Gate:
    """The handover of one pickup, for record_step (see steps.Handover)."""

    actor: User
    code: str
    secret: str
    now: datetime
    step: Step = Step.PICKUP
    occurred_at: datetime | None = None

    def refuse(self, manifest: Manifest) -> Forbidden:
        if self.step == Step.TRANSFER:
            return Forbidden(N_("您不是联单 {number} 下一程运输单位的驾驶员，不能接手"), params={"number": manifest.number},
                             details={"step": Step.TRANSFER, "allowed": [Party.NEXT_DRIVER]})
        return Forbidden(N_("您不是联单 {number} 指定运输单位的驾驶员，不能提货"), params={"number": manifest.number},
                         details={"step": Step.PICKUP, "allowed": [Party.DRIVER]})

    def claim(self, session, manifest: Manifest, occurred_at: datetime) -> dict:
        """Marks the code used (an UPDATE that only a live code passes) and returns the event's evidence."""
        if not (len(self.code) == CODE_DIGITS and self.code.isdigit()):
            raise ValidationFailed(N_("请输入生产单位提供的 {digits} 位交接码"), params={"digits": CODE_DIGITS},
                                   details={"handover_code": "format"})
        self.occurred_at = occurred_at
        H = HandoverCode.__table__
        row = session.execute(
            update(H).where(H.c.manifest_id == manifest.id, H.c.used_at.is_(None), H.c.locked_at.is_(None))
            .values(used_at=self.now, used_by_id=self.actor.id)
            .returning(H.c.code_hash, H.c.issued_at, H.c.expires_at, H.c.issued_by_id)).first()
        if (row is None or not hmac.compare_digest(row.code_hash, _hash(self.secret, manifest.id, self.code))
                or not (row.issued_at - CLOCK_SKEW <= occurred_at <= row.expires_at)
                or (self.step == Step.TRANSFER and not _from_carrier(session, row.issued_by_id, manifest))):
            raise _NotAccepted()
        evidence = {"handover_confirmed": True, "handover_code_issued_by": row.issued_by_id,
                    "handover_code_issued_at": row.issued_at.isoformat()}
        if self.step == Step.TRANSFER:  # which leg hands over to which: in the hash-chained data
            (giver, _), taker = access.current_legs(manifest)
            evidence |= {"leg": manifest.current_leg + 1, "from_transporter_id": giver,
                         "to_transporter_id": taker[0]}
        return evidence


def _from_carrier(session, user_id: int, manifest: Manifest) -> bool:
    """A hand-over code counts only when a driver of the carrier holding the load made it: not, say, a pickup code
    of the producer's left unused when the pickup was recorded with an exception."""
    user = session.get(User, user_id)
    return user is not None and Party.DRIVER in access.manifest_parties(user, manifest)


def _recorded(session, manifest_id: int, key: str) -> bool:
    return session.scalar(select(ManifestEvent.id).where(ManifestEvent.manifest_id == manifest_id,
                                                        ManifestEvent.idempotency_key == key)) is not None


_TRANSFER_REFUSALS = {  # the code of a hand-over between carriers comes from the current leg's driver
    "HANDOVER_CODE_MISSING": N_("交出方驾驶员尚未生成联运交接码：请对方在扫码页点击「生成联运交接码」"),
    "HANDOVER_CODE_LOCKED": N_("联运交接码输错次数过多已锁定：请交出方驾驶员重新生成"),
    "HANDOVER_CODE_USED": N_("联运交接码已使用过：请交出方驾驶员重新生成"),
    "HANDOVER_CODE_EXPIRED": N_("联运交接码已过期（有效期 10 分钟）：请交出方驾驶员重新生成"),
}


def _check(session, row: HandoverCode | None, manifest_id: int, code: str, occurred_at: datetime, secret: str,
           now: datetime, step: Step = Step.PICKUP) -> None:
    if step == Step.TRANSFER and row is not None and not _from_carrier(session, row.issued_by_id,
                                                                       session.get(Manifest, manifest_id)):
        row = None  # not a code of the carrier handing over
    try:
        _check_code(session, row, manifest_id, code, occurred_at, secret, now)
    except HandoverRefused as refused:
        if step != Step.TRANSFER or refused.code not in _TRANSFER_REFUSALS:
            raise
        raise HandoverRefused(_TRANSFER_REFUSALS[refused.code], code=refused.code) from None


def _check_code(session, row: HandoverCode | None, manifest_id: int, code: str, occurred_at: datetime, secret: str,
                now: datetime) -> None:
    if row is None:
        raise HandoverRefused(N_("产生单位尚未生成交接码：请对方在系统中点击「生成交接码」"), code="HANDOVER_CODE_MISSING")
    if row.locked_at is not None:
        raise HandoverRefused(N_("交接码输错次数过多已锁定：请产生单位重新生成交接码"), code="HANDOVER_CODE_LOCKED")
    if row.used_at is not None:
        raise HandoverRefused(N_("交接码已使用过：请产生单位重新生成"), code="HANDOVER_CODE_USED")
    if not hmac.compare_digest(row.code_hash, _hash(secret, manifest_id, code)):
        row.failed_attempts += 1
        left = MAX_FAILED_ATTEMPTS - row.failed_attempts
        if left <= 0:
            row.locked_at = now
        session.commit()  # deliberately its own write: the failed attempt counts even though the step is refused
        if left <= 0:
            raise HandoverRefused(N_("交接码错误次数过多，已锁定：请产生单位重新生成交接码"), code="HANDOVER_CODE_LOCKED")
        raise HandoverRefused(N_("交接码错误，还可尝试 {n} 次"), params={"n": left}, details={"attempts_left": left})
    if not (row.issued_at - CLOCK_SKEW <= occurred_at <= row.expires_at):
        raise HandoverRefused(N_("交接码已过期（有效期 10 分钟）：请产生单位重新生成"), code="HANDOVER_CODE_EXPIRED")


def record_step_with_handover(session, *, actor: User, manifest_id: int, request: StepRequest,
                              handover_code: str | None, handover_exception_reason: str | None, secret: str,
                              now: datetime) -> StepResult:
    """A step from the API: a pickup needs the producer's one-time code, or a stated exception to it.

    With the code, the pickup is confirmed (`handover_confirmed: true`). With `handover_exception_reason` (the
    producer's staff were absent, the account was unreachable …) it is recorded with `handover_confirmed: false`
    and the reason in the event, and the run-time check raises HANDOVER_UNCONFIRMED for the regulator. With
    neither it is refused (HANDOVER_CODE_REQUIRED) and nothing is recorded. A retry of a recorded step returns it.
    """
    exception = None
    if handover_exception_reason is not None:
        exception = clean_text(handover_exception_reason, field="handover_exception_reason", max_length=500,
                               required=True, multiline=True)
    if request.type == Step.TRANSFER:  # 联运: always with the current leg's code, no exception to it
        if exception is not None or handover_code is None:
            raise HandoverRefused(N_("联运交接须提供交出方驾驶员的一次性交接码 handover_code"),
                                  code="HANDOVER_CODE_REQUIRED", details={"handover_code": "required"})
        return confirm_transfer(session, actor=actor, manifest_id=manifest_id, code=handover_code, request=request,
                                secret=secret, now=now)
    if request.type != Step.PICKUP:
        if handover_code is not None or exception is not None:
            raise ValidationFailed(N_("交接码和交接例外原因只用于提货"), details={"type": request.type})
        return record_step(session, actor=actor, manifest_id=manifest_id, request=request, now=now)
    if handover_code is not None and exception is not None:
        raise ValidationFailed(N_("交接码与交接例外原因只能填写一项"),
                               details={"handover_code": "either", "handover_exception_reason": "either"})
    if handover_code is not None:
        return confirm_pickup(session, actor=actor, manifest_id=manifest_id, code=handover_code, request=request,
                              secret=secret, now=now)
    manifest = access.get_manifest(session, actor, manifest_id)
    if exception is None and not _recorded(session, manifest.id, request.idempotency_key):
        # the state and the driver first, as with a code: a refusal names the most basic problem
        transition_for(manifest.status, Step.PICKUP)
        if Party.DRIVER not in access.manifest_parties(actor, manifest):
            raise Forbidden(N_("您不是联单 {number} 指定运输单位的驾驶员，不能提货"), params={"number": manifest.number},
                            details={"step": Step.PICKUP, "allowed": [Party.DRIVER]})
        check_occurred_at(request.occurred_at, now)
        raise HandoverRefused(N_("提货须提供产生单位的一次性交接码 handover_code，或说明无法确认交接的原因 "
                                 "handover_exception_reason（将记为交接未确认异常）"), code="HANDOVER_CODE_REQUIRED",
                              details={"handover_code": "required", "handover_exception_reason": "or a reason"})
    if exception is not None:
        request = replace(request, data={**(request.data or {}), "handover_confirmed": False,
                                         "handover_exception_reason": exception})
    return record_step(session, actor=actor, manifest_id=manifest.id, request=request, now=now)
