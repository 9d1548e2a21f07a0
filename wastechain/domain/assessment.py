"""考核: the county indicators of a month, their targets and weights, and how a county's score is counted.

Defaults (README "考核"): closed-loop rate ≥ 95 % weighs 40, on-time receipt rate ≥ 98 % weighs 30, anomalies of
the month resolved ≥ 90 % weighs 20, cross-boundary transfers under an approval ≤ 5 % of the transferred kg weighs 10.
An indicator that meets its target earns its whole weight; one below earns the share it reached (actual / target,
or target / actual for the "at most" indicator); an indicator without a base (no manifest picked up, nothing
delivered) earns its whole weight, since nothing failed. The configuration key ASSESSMENT_TARGETS overrides the
targets and weights: {"closed_loop_rate": [0.95, 40], ...}.
"""
from dataclasses import dataclass
from decimal import Decimal

from wastechain.domain.text import N_


@dataclass(frozen=True)
class Indicator:
    key: str
    name: str
    target: Decimal
    weight: Decimal
    at_most: bool = False  # lower is better


DEFAULT_INDICATORS = (
    Indicator("closed_loop_rate", N_("闭环率"), Decimal("0.95"), Decimal(40)),
    Indicator("on_time_receipt_rate", N_("按时接收率"), Decimal("0.98"), Decimal(30)),
    Indicator("anomalies_resolved_rate", N_("异常处置率"), Decimal("0.90"), Decimal(20)),
    Indicator("approval_share", N_("跨区域转移占比"), Decimal("0.05"), Decimal(10), at_most=True),
)


def indicators_from_config(config) -> tuple[Indicator, ...]:
    """The defaults, with targets and weights from ASSESSMENT_TARGETS ({key: [target, weight]}) where given."""
    given = config.get("ASSESSMENT_TARGETS") or {}
    return tuple(Indicator(i.key, i.name, Decimal(str(given[i.key][0])), Decimal(str(given[i.key][1])), i.at_most)
                 if i.key in given else i for i in DEFAULT_INDICATORS)


def indicator_score(indicator: Indicator, actual: Decimal | None) -> Decimal:
    """The points an indicator earns (0 … its weight)."""
    if actual is None:
        return indicator.weight
    if indicator.at_most:
        reached = Decimal(1) if actual <= indicator.target else indicator.target / actual
    else:
        reached = Decimal(1) if indicator.target <= 0 or actual >= indicator.target else actual / indicator.target
    return (indicator.weight * reached).quantize(Decimal("0.1"))


def rate(part: int | Decimal, whole: int | Decimal) -> Decimal | None:
    """part / whole to four places; None without a base."""
    if not whole:
        return None
    return (Decimal(part) / Decimal(whole)).quantize(Decimal("0.0001"))
