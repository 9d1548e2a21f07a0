"""Public tip-offs (有奖举报, the Quzhou plans: rewards for reporting illegal transfer, dumping and disposal).

Pure rules: the kinds, statuses and findings of a tip-off, its tracking code, and the form's challenge.

The tracking code is the reporter's only key to the case: 20 random base-32 characters (100 bits), shown once in
groups of four, stored only as its SHA-256, so neither a guess nor a copy of the database reveals a case's code.

The challenge keeps scripted floods off the public form without an outside service: the form carries a small sum
(3 + 4) and a token signed by the server (HMAC under the tip-off key) holding the sum's answer, the time the form
was served and a random nonce. A submission needs the right answer, a token at least `min_seconds` old (a person
takes longer than that to fill in a report; a script posting at once does not wait) and at most `max_age` old; the
nonce is stored with the tip-off under a unique constraint, so one solved form files one tip-off. Together with the
per-address rate limit (wastechain/throttle.py) a flood costs a bot a wait and a solved sum per report, and never
more than the limit per address.
"""
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from wastechain.domain.errors import ValidationFailed
from wastechain.domain.text import N_


class TipoffKind(StrEnum):
    ILLEGAL_TRANSFER = "illegal_transfer"
    DUMPING = "dumping"
    ILLEGAL_DISPOSAL = "illegal_disposal"


class TipoffStatus(StrEnum):
    RECEIVED = "received"  # filed by the public, nobody has looked yet
    INVESTIGATING = "investigating"  # triaged: accepted and assigned to an officer
    CLOSED = "closed"  # a finding is recorded


class Finding(StrEnum):
    UPHELD = "upheld"
    NOT_UPHELD = "not_upheld"


KIND_NAMES = {TipoffKind.ILLEGAL_TRANSFER: N_("非法转移"), TipoffKind.DUMPING: N_("非法倾倒"),
              TipoffKind.ILLEGAL_DISPOSAL: N_("非法处置")}
STATUS_NAMES = {TipoffStatus.RECEIVED: N_("已收到，待受理"), TipoffStatus.INVESTIGATING: N_("已受理，调查中"),
                TipoffStatus.CLOSED: N_("已办结")}
FINDING_NAMES = {Finding.UPHELD: N_("举报属实"), Finding.NOT_UPHELD: N_("举报不属实")}

CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 symbols without 0/O, 1/I, easy to read out and type
CODE_LENGTH = 20


def new_tracking_code() -> str:
    """A fresh tracking code, grouped for reading: XXXX-XXXX-XXXX-XXXX-XXXX."""
    raw = "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))
    return "-".join(raw[i:i + 4] for i in range(0, CODE_LENGTH, 4))


def normalize_code(typed: str) -> str:
    """A code as a person may type it (lower case, spaces, without dashes) in its one stored form."""
    letters = "".join(c for c in (typed or "").upper() if c.isascii() and c.isalnum())
    return "-".join(letters[i:i + 4] for i in range(0, len(letters), 4))


def code_hash(code: str) -> str:
    return hashlib.sha256(normalize_code(code).encode()).hexdigest()


# ---------------------------------------------------------------- the form's challenge

@dataclass(frozen=True)
class Challenge:
    question: str  # "3 + 4"
    token: str  # what the form sends back


def make_challenge(key: bytes, now: datetime) -> Challenge:
    """A sum to answer and the signed token that remembers its answer and when the form was served."""
    a, b = secrets.randbelow(9) + 1, secrets.randbelow(9) + 1
    nonce = secrets.token_hex(8)
    payload = f"{int(now.timestamp())}.{nonce}.{_answer_digest(key, nonce, a + b)}"
    return Challenge(question=f"{a} + {b}", token=f"{payload}.{_sign(key, payload)}")


def check_challenge(key: bytes, token: str, answer: str, now: datetime, *, min_seconds: int,
                    max_age: timedelta) -> str:
    """The token's nonce when the answer is right and the form's age within bounds; ValidationFailed otherwise."""
    parts = (token or "").split(".")
    if len(parts) != 4 or not hmac.compare_digest(_sign(key, ".".join(parts[:3])), parts[3]):
        raise ValidationFailed(N_("表单已失效，请重新填写验证题后提交"), code="CHALLENGE_FAILED",
                               details={"challenge": "invalid token"})
    served_at, nonce, digest = parts[:3]
    age = now.timestamp() - int(served_at)
    if age > max_age.total_seconds():
        raise ValidationFailed(N_("表单已过期，请重新回答验证题后提交"), code="CHALLENGE_FAILED",
                               details={"challenge": "expired"})
    if age < min_seconds:
        raise ValidationFailed(N_("提交过快，请核对内容后再提交"), code="CHALLENGE_FAILED",
                               details={"challenge": "too fast"})
    typed = (answer or "").strip()
    if not (typed.isascii() and typed.isdigit() and len(typed) <= 3) or not hmac.compare_digest(_answer_digest(key, nonce, int(typed)), digest):
        raise ValidationFailed(N_("验证题答案不正确"), code="CHALLENGE_FAILED", details={"challenge_answer": "wrong"})
    return nonce


def _answer_digest(key: bytes, nonce: str, answer: int) -> str:
    return _sign(key, f"answer:{nonce}:{answer}")[:16]


def _sign(key: bytes, message: str) -> str:
    return hmac.new(key, message.encode(), hashlib.sha256).hexdigest()
