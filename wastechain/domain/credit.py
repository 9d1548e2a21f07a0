"""The enterprise credit record (信用档案): a score that starts at a documented value and moves by named rules.

Each rule counts facts about an enterprise (open critical anomalies, overdue receipts, missing declarations,
refused deliveries, upheld tip-offs) over a window; the first `allowance` facts are free, each further one costs
`points`. The rule table below holds the defaults; every number is a configuration key (README "Credit record"):
CREDIT_START_SCORE, CREDIT_FLOOR, CREDIT_CRITICAL_GRACE_DAYS and, per rule, CREDIT_<RULE>_POINTS,
CREDIT_<RULE>_ALLOWANCE and CREDIT_<RULE>_WINDOW_DAYS.
"""
from dataclasses import dataclass, field, replace

from wastechain.domain.text import N_


@dataclass(frozen=True)
class CreditRule:
    code: str
    name: str  # N_-marked
    explanation: str  # N_-marked, with {count}, {allowance}, {window_days}, {points}
    points: int  # the score change per counted fact beyond the allowance (negative: a deduction)
    allowance: int = 0  # facts in the window that cost nothing
    window_days: int = 365  # facts older than this many days no longer count

    def deduction(self, count: int) -> int:
        """What `count` facts in the window cost in total (0 or negative)."""
        return self.points * max(0, count - self.allowance)


DEFAULT_RULES = (
    CreditRule("critical_anomaly_open", N_("严重异常逾期未处理"),
               N_("{count} 个严重异常发现后超过 {grace_days} 天仍未处理，每个 {points} 分"), points=-10, window_days=3650),
    CreditRule("receipt_overdue", N_("多次接收确认超期"),
               N_("近 {window_days} 天接收确认超期 {count} 次，超过 {allowance} 次的每次 {points} 分"),
               points=-5, allowance=2),
    CreditRule("declaration_missing", N_("未按期申报"),
               N_("近 {window_days} 天未按期申报 {count} 次，每次 {points} 分"), points=-5),
    CreditRule("refusal", N_("转移废物被拒收"),
               N_("近 {window_days} 天开具的联单被接收单位拒收 {count} 次，超过 {allowance} 次的每次 {points} 分"),
               points=-3, allowance=1),
    CreditRule("tipoff_upheld", N_("举报查实"),
               N_("近 {window_days} 天被举报并查实 {count} 次，每次 {points} 分"), points=-20),
)


@dataclass(frozen=True)
class CreditRules:
    """The rule table in force: defaults, overridden by configuration keys."""

    start_score: int = 100
    floor: int = 0  # the score shown never goes below this
    critical_grace_days: int = 7  # days an open critical anomaly may wait before it costs points
    rules: tuple[CreditRule, ...] = field(default_factory=lambda: DEFAULT_RULES)

    def rule(self, code: str) -> CreditRule:
        return next(r for r in self.rules if r.code == code)

    def score(self, points: int) -> int:
        """The score after the sum of every credit event's points."""
        return max(self.floor, self.start_score + points)

    def explain(self, code: str, count: int, translate=lambda text: text) -> str:
        rule = self.rule(code)
        return translate(rule.explanation).format(count=count, allowance=rule.allowance,
                                                  window_days=rule.window_days, points=rule.points,
                                                  grace_days=self.critical_grace_days)

    @classmethod
    def keys(cls) -> list[str]:
        own = ["CREDIT_START_SCORE", "CREDIT_FLOOR", "CREDIT_CRITICAL_GRACE_DAYS"]
        return own + [f"CREDIT_{r.code.upper()}_{part}" for r in DEFAULT_RULES
                      for part in ("POINTS", "ALLOWANCE", "WINDOW_DAYS")]

    @classmethod
    def from_config(cls, config) -> "CreditRules":
        """Reads every number from its upper-case key when present (text from the environment, or ints)."""
        def number(key: str, default: int) -> int:
            return int(config[key]) if config.get(key) not in (None, "") else default

        rules = tuple(replace(r, points=number(f"CREDIT_{r.code.upper()}_POINTS", r.points),
                              allowance=number(f"CREDIT_{r.code.upper()}_ALLOWANCE", r.allowance),
                              window_days=number(f"CREDIT_{r.code.upper()}_WINDOW_DAYS", r.window_days))
                      for r in DEFAULT_RULES)
        return cls(start_score=number("CREDIT_START_SCORE", cls.start_score),
                   floor=number("CREDIT_FLOOR", cls.floor),
                   critical_grace_days=number("CREDIT_CRITICAL_GRACE_DAYS", cls.critical_grace_days), rules=rules)


CREDIT_RULE_NAMES = {r.code: r.name for r in DEFAULT_RULES}
