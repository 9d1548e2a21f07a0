"""Route geometry: a track's length, and whether points lie in a jurisdiction judged from its sites' extent."""
import pytest

from wastechain.domain.track import Point, RegionBox, points_outside, track_length_m

KECHENG = RegionBox("330802", 28.95, 118.80, 29.00, 118.90)
QUJIANG = RegionBox("330803", 28.96, 118.93, 29.02, 119.00)
HANGZHOU = RegionBox("330102", 30.24, 120.15, 30.27, 120.19)
BOXES = [KECHENG, QUJIANG, HANGZHOU]


def test_a_tracks_length_adds_its_legs_in_the_order_driven():
    there_and_back = [Point(28.97, 118.87), Point(28.97, 118.97), Point(28.97, 118.87)]
    assert track_length_m(there_and_back) == pytest.approx(2 * 9725, rel=0.01)  # 0.1° of longitude at 29°N
    assert track_length_m(there_and_back[:1]) == 0


def test_a_point_in_the_next_county_is_outside_the_county_but_inside_the_city():
    in_qujiang = Point(28.99, 118.97)
    assert points_outside([in_qujiang], "330802", BOXES) == [in_qujiang]
    assert points_outside([in_qujiang], "330800", BOXES) == []


def test_the_margin_forgives_a_fix_just_beyond_the_last_site_but_not_another_city():
    just_beyond = Point(29.03, 118.85)  # ~3.3 km north of 柯城's northernmost site
    in_hangzhou = Point(30.25, 120.17)
    assert points_outside([just_beyond, in_hangzhou], "330800", BOXES) == [in_hangzhou]


def test_a_jurisdiction_without_a_located_site_is_not_judged():
    assert points_outside([Point(30.25, 120.17)], "330900", BOXES) is None
