"""The hazard pictograms of a waste label (危险特性警示图形, HJ 1276-2022 附录 / GB 18597-2023), drawn from simple
shapes: a red-bordered diamond with a black symbol (skull and crossbones, corrosion, flame, flame over circle,
biohazard). Shapes are in millimetres around the diamond's centre so the three label back ends draw them alike.
No image is copied: every symbol is a few polygons and circles computed here.
"""
import math
from dataclasses import dataclass

RED, BLACK, WHITE = "#E0201B", "#000000", "#FFFFFF"


@dataclass(frozen=True)
class Polygon:
    points: tuple[tuple[float, float], ...]
    fill: str | None
    stroke: str | None = None
    width: float = 0.3


@dataclass(frozen=True)
class Circle:
    cx: float
    cy: float
    r: float
    fill: str | None
    stroke: str | None = None
    width: float = 0.3


def _bar(x1: float, y1: float, x2: float, y2: float, thickness: float) -> tuple:
    """A rectangle of some thickness from (x1, y1) to (x2, y2)."""
    dx, dy = x2 - x1, y2 - y1
    length = math.hypot(dx, dy) or 1
    nx, ny = -dy / length * thickness / 2, dx / length * thickness / 2
    return ((x1 + nx, y1 + ny), (x2 + nx, y2 + ny), (x2 - nx, y2 - ny), (x1 - nx, y1 - ny))


def _flame(cx: float, base: float, width: float, height: float) -> tuple:
    """A flame: a pointed outline with two tongues, base centred at (cx, base)."""
    w, h = width / 2, height
    return ((cx - w, base), (cx - w * 1.05, base - h * 0.45), (cx - w * 0.55, base - h * 0.75),
            (cx - w * 0.45, base - h * 0.45), (cx - w * 0.1, base - h * 1.0), (cx + w * 0.35, base - h * 0.6),
            (cx + w * 0.55, base - h * 0.85), (cx + w * 1.05, base - h * 0.4), (cx + w, base))


def _skull(cx: float, cy: float, s: float) -> list:
    return [Polygon(_bar(cx - s * .42, cy + s * .05, cx + s * .42, cy + s * .45, s * .12), BLACK),
            Polygon(_bar(cx + s * .42, cy + s * .05, cx - s * .42, cy + s * .45, s * .12), BLACK),
            Circle(cx, cy - s * .22, s * .27, BLACK),
            Polygon(((cx - s * .15, cy - s * .05), (cx + s * .15, cy - s * .05), (cx + s * .12, cy + s * .1),
                     (cx - s * .12, cy + s * .1)), BLACK),
            Circle(cx - s * .1, cy - s * .24, s * .07, WHITE), Circle(cx + s * .1, cy - s * .24, s * .07, WHITE)]


def _corrosion(cx: float, cy: float, s: float) -> list:
    return [Polygon(_bar(cx - s * .5, cy - s * .45, cx - s * .2, cy - s * .25, s * .13), BLACK),
            Polygon(_bar(cx + s * .05, cy - s * .45, cx + s * .35, cy - s * .25, s * .13), BLACK),
            Circle(cx - s * .22, cy - s * .08, s * .05, BLACK), Circle(cx + s * .33, cy - s * .08, s * .05, BLACK),
            Polygon(((cx - s * .55, cy + s * .15), (cx - s * .05, cy + s * .15), (cx - s * .05, cy + s * .3),
                     (cx - s * .55, cy + s * .3)), BLACK),
            Polygon(((cx + s * .1, cy + s * .15), (cx + s * .55, cy + s * .15), (cx + s * .55, cy + s * .3),
                     (cx + s * .25, cy + s * .3), (cx + s * .2, cy + s * .22)), BLACK),
            Polygon(((cx - s * .6, cy + s * .38), (cx + s * .6, cy + s * .38), (cx + s * .6, cy + s * .46),
                     (cx - s * .6, cy + s * .46)), BLACK)]


def _fire(cx: float, cy: float, s: float) -> list:
    return [Polygon(_flame(cx, cy + s * .3, s * .7, s * .8), BLACK),
            Polygon(((cx - s * .45, cy + s * .36), (cx + s * .45, cy + s * .36), (cx + s * .45, cy + s * .46),
                     (cx - s * .45, cy + s * .46)), BLACK)]


def _flame_over_circle(cx: float, cy: float, s: float) -> list:
    return [Polygon(_flame(cx, cy + s * .05, s * .6, s * .6), BLACK),
            Circle(cx, cy + s * .2, s * .2, BLACK), Circle(cx, cy + s * .2, s * .09, WHITE),
            Polygon(((cx - s * .45, cy + s * .4), (cx + s * .45, cy + s * .4), (cx + s * .45, cy + s * .48),
                     (cx - s * .45, cy + s * .48)), BLACK)]


def _biohazard(cx: float, cy: float, s: float) -> list:
    shapes = []
    for angle in (-90, 30, 150):
        a = math.radians(angle)
        shapes.append(Circle(cx + math.cos(a) * s * .2, cy + math.sin(a) * s * .2, s * .24, BLACK))
    for angle in (-90, 30, 150):
        a = math.radians(angle)
        shapes.append(Circle(cx + math.cos(a) * s * .28, cy + math.sin(a) * s * .28, s * .15, WHITE))
    shapes.append(Circle(cx, cy, s * .08, WHITE))
    shapes.append(Circle(cx, cy, s * .42, None, BLACK, s * .05))
    return shapes


SYMBOLS = {"T": _skull, "C": _corrosion, "I": _fire, "R": _flame_over_circle, "In": _biohazard}


def pictogram(code: str, cx: float, cy: float, half: float, *, background: str = WHITE) -> list:
    """The shapes of one hazard's pictogram: a diamond of half-diagonal `half` centred at (cx, cy)."""
    diamond = ((cx, cy - half), (cx + half, cy), (cx, cy + half), (cx - half, cy))
    inner = tuple((cx + (x - cx) * .86, cy + (y - cy) * .86) for x, y in diamond)
    shapes = [Polygon(diamond, RED), Polygon(inner, background)]
    draw = SYMBOLS.get(code)
    if draw is not None:
        shapes += draw(cx, cy, half * .9)
    return shapes
