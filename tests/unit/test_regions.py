"""GB/T 2260 codes: a county, its city, its province, and whether a place lies in a jurisdiction."""
import pytest

from wastechain.domain.regions import city_of, county_of, jurisdiction_prefix, level_of, province_of, within


def test_a_county_code_names_itself_its_city_and_its_province():
    assert county_of("330802") == "330802"
    assert city_of("330802") == "330800"
    assert province_of("330802") == "330000"


@pytest.mark.parametrize("code, level", [("330000", "province"), ("330800", "city"), ("330802", "county"),
                                         ("330881", "county")])
def test_the_level_follows_the_trailing_zeros(code, level):
    assert level_of(code) == level


def test_a_county_lies_within_itself_its_city_and_its_province():
    assert within("330802", "330802") and within("330802", "330800") and within("330802", "330000")


def test_a_county_does_not_lie_within_a_neighbouring_county():
    assert not within("330803", "330802")


def test_a_county_does_not_lie_within_another_city_of_the_same_province():
    assert not within("330102", "330800")
    assert within("330102", "330000")


def test_a_county_level_city_belongs_to_its_prefecture():
    assert within("330881", "330800")  # 江山市 in 衢州市


def test_jurisdiction_prefixes_serve_like_queries():
    assert jurisdiction_prefix("330000") == "33"
    assert jurisdiction_prefix("330800") == "3308"
    assert jurisdiction_prefix("330802") == "330802"
