"""考核 scoring: targets met earn the weight, shortfalls earn their share, nothing to count earns the weight."""
from decimal import Decimal

from wastechain.domain.assessment import DEFAULT_INDICATORS, indicator_score, indicators_from_config, rate

CLOSED, _ON_TIME, _RESOLVED, APPROVALS = DEFAULT_INDICATORS


def test_a_rate_meeting_its_target_earns_the_whole_weight_and_a_shortfall_its_share():
    assert indicator_score(CLOSED, Decimal("0.97")) == Decimal(40)
    assert indicator_score(CLOSED, Decimal("0.76")) == Decimal("32.0")  # 0.76 / 0.95 of 40
    assert indicator_score(CLOSED, None) == Decimal(40)


def test_an_at_most_indicator_loses_points_above_its_target():
    assert indicator_score(APPROVALS, Decimal("0.02")) == Decimal(10)
    assert indicator_score(APPROVALS, Decimal("0.10")) == Decimal("5.0")


def test_targets_and_weights_come_from_the_configuration():
    configured = indicators_from_config({"ASSESSMENT_TARGETS": {"closed_loop_rate": [0.9, 50]}})
    assert (configured[0].target, configured[0].weight) == (Decimal("0.9"), Decimal(50))
    assert configured[1:] == DEFAULT_INDICATORS[1:]


def test_a_rate_without_a_base_is_none():
    assert rate(0, 0) is None and rate(1, 3) == Decimal("0.3333")
