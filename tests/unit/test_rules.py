"""The rules checked at issue: jurisdiction, receiver and transport permits, quantity."""
from datetime import date
from decimal import Decimal

from wastechain.domain.rules import (PermitFacts, disposal_method_violation, jurisdiction_violation,
                                     quantity_violation, receiver_permit_violation, transport_permit_violation)
from wastechain.domain.streams import Stream

KECHENG, QUJIANG, HANGZHOU = "330802", "330803", "330102"
DAY = date(2026, 6, 1)


def _permit(**overrides) -> PermitFacts:
    facts = dict(number="浙危废经第001号", kind="hw_operation", valid_from=date(2026, 1, 1), valid_to=date(2026, 12, 31),
                 waste_codes=frozenset({"HW08", "900-041-49"}), methods=frozenset({"R4", "D10"}),
                 annual_capacity_kg=Decimal("1000.000"), used_kg=Decimal("0"))
    return PermitFacts(**{**facts, **overrides})


def _receiver(**kwargs):
    args = dict(stream=Stream.HAZARDOUS, waste_code="900-041-49", category="HW49", quantity_kg=Decimal("100"),
                on=DAY, permits=[_permit()], receiver_name="衢州危废处置中心")
    return receiver_permit_violation(**{**args, **kwargs})


def _jurisdiction(stream, origin, destination, approved=False):
    return jurisdiction_violation(stream=stream, waste_code="X", origin_region=origin, destination_region=destination,
                                  approved=approved)


# jurisdiction

def test_hazardous_waste_may_cross_counties_within_its_city():
    assert _jurisdiction(Stream.HAZARDOUS, KECHENG, QUJIANG) is None


def test_hazardous_waste_cannot_leave_its_city():
    violation = _jurisdiction(Stream.HAZARDOUS, KECHENG, HANGZHOU)
    assert violation.code == "JURISDICTION_VIOLATION"
    assert KECHENG in violation.message and HANGZHOU in violation.message and "危险废物不出市" in violation.message


def test_medical_waste_cannot_leave_its_city():
    assert _jurisdiction(Stream.MEDICAL, KECHENG, HANGZHOU).code == "JURISDICTION_VIOLATION"


def test_medical_waste_may_cross_counties_within_its_city():
    assert _jurisdiction(Stream.MEDICAL, KECHENG, QUJIANG) is None


def test_general_industrial_waste_cannot_leave_its_county():
    violation = _jurisdiction(Stream.INDUSTRIAL, KECHENG, QUJIANG)
    assert violation.code == "JURISDICTION_VIOLATION" and "一般固体废物不出县" in violation.message
    assert violation.details["origin_region"] == KECHENG and violation.details["destination_region"] == QUJIANG


def test_household_construction_and_agricultural_waste_cannot_leave_their_county():
    for stream in (Stream.HOUSEHOLD, Stream.CONSTRUCTION, Stream.AGRICULTURAL):
        assert _jurisdiction(stream, KECHENG, QUJIANG).code == "JURISDICTION_VIOLATION"


def test_general_waste_may_move_within_its_county():
    assert _jurisdiction(Stream.INDUSTRIAL, KECHENG, KECHENG) is None


def test_an_approval_lets_waste_cross_the_boundary():
    assert _jurisdiction(Stream.HAZARDOUS, KECHENG, HANGZHOU, approved=True) is None
    assert _jurisdiction(Stream.INDUSTRIAL, KECHENG, QUJIANG, approved=True) is None


# receiver permit

def test_a_receiver_with_a_valid_covering_permit_passes():
    assert _receiver() is None


def test_a_permit_covering_the_hw_category_covers_its_codes():
    assert _receiver(waste_code="900-249-08", category="HW08") is None


def test_a_receiver_without_a_permit_is_refused():
    violation = _receiver(permits=[])
    assert violation.code == "PERMIT_INVALID" and "衢州危废处置中心" in violation.message and "没有有效" in violation.message


def test_a_receiver_whose_permit_expired_is_refused():
    violation = _receiver(on=date(2027, 1, 1))
    assert violation.code == "PERMIT_INVALID" and "2027-01-01" in violation.message


def test_a_receiver_whose_permit_is_not_yet_valid_is_refused():
    assert _receiver(on=date(2025, 12, 31)).code == "PERMIT_INVALID"


def test_a_permit_not_covering_the_code_nor_its_category_is_refused():
    violation = _receiver(waste_code="841-001-01", category="HW01")
    assert violation.code == "PERMIT_INVALID" and "不覆盖" in violation.message and "浙危废经第001号" in violation.message


def test_a_transport_permit_does_not_make_a_receiver_licensed():
    assert _receiver(permits=[_permit(kind="hw_transport")]).code == "PERMIT_INVALID"


def test_a_receiver_with_its_annual_capacity_exhausted_is_refused():
    violation = _receiver(permits=[_permit(used_kg=Decimal("950"))])
    assert violation.code == "PERMIT_INVALID" and "经营规模不足" in violation.message
    assert violation.details["requested_kg"] == Decimal("100") and violation.details["used_kg"] == Decimal("950")


def test_a_receiver_may_fill_its_capacity_exactly():
    assert _receiver(permits=[_permit(used_kg=Decimal("900"))]) is None


def test_a_permit_without_a_capacity_limit_never_runs_out():
    assert _receiver(permits=[_permit(annual_capacity_kg=None, used_kg=Decimal("1e9"))]) is None


def test_a_second_covering_permit_with_capacity_left_is_enough():
    full = _permit(used_kg=Decimal("1000"))
    spare = _permit(number="浙危废经第002号", annual_capacity_kg=Decimal("5000"), used_kg=Decimal("1000"))
    assert _receiver(permits=[full, spare]) is None


def test_non_hazardous_waste_needs_no_receiver_permit():
    assert _receiver(stream=Stream.INDUSTRIAL, waste_code="SW01", category="SW01", permits=[]) is None


# transport permit

def test_a_hazardous_load_needs_a_transport_permit():
    violation = transport_permit_violation(hazardous=True, on=DAY, permits=[], transporter_name="衢州安运物流")
    assert violation.code == "PERMIT_INVALID" and "衢州安运物流" in violation.message


def test_an_expired_transport_permit_is_refused():
    permit = _permit(kind="hw_transport", valid_to=date(2026, 5, 31))
    assert transport_permit_violation(hazardous=True, on=DAY, permits=[permit], transporter_name="T").code == "PERMIT_INVALID"


def test_a_valid_transport_permit_passes():
    permit = _permit(kind="hw_transport")
    assert transport_permit_violation(hazardous=True, on=DAY, permits=[permit], transporter_name="T") is None


def test_an_operation_permit_is_not_a_transport_permit():
    assert transport_permit_violation(hazardous=True, on=DAY, permits=[_permit()], transporter_name="T") is not None


def test_general_waste_needs_no_transport_permit():
    assert transport_permit_violation(hazardous=False, on=DAY, permits=[], transporter_name="T") is None


# quantity

def test_a_manifest_may_take_all_that_remains():
    assert quantity_violation(unit_code="U", remaining_kg=Decimal("10"), requested_kg=Decimal("10")) is None


def test_a_manifest_cannot_take_more_than_remains():
    violation = quantity_violation(unit_code="U1", remaining_kg=Decimal("10"), requested_kg=Decimal("10.001"))
    assert violation.code == "INSUFFICIENT_QUANTITY"
    assert "U1" in violation.message and "10.000 kg" in violation.message and "10.001 kg" in violation.message


# disposal method

def test_a_disposal_method_outside_the_permit_is_refused():
    violation = disposal_method_violation(method="D1", permits=[_permit()], on=DAY)
    assert violation.code == "PERMIT_INVALID" and violation.details["allowed_methods"] == ["D10", "R4"]


def test_a_disposal_method_the_permit_allows_passes():
    assert disposal_method_violation(method="R4", permits=[_permit()], on=DAY) is None
