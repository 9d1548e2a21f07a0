"""Lineage arithmetic in whole grams: drawing from parts first-in first-out and splitting a receipt exactly.

Every function here conserves mass: what it hands out adds up to what it was given, to the gram. The services
record the result as lineage flows at the moment quantities move (SPEC.md: lineage is recorded, not guessed).
"""
from dataclasses import dataclass


@dataclass(frozen=True)
class Part:
    """A quantity that can be drawn from: a flow's id and the grams still open in it."""

    key: int
    open_g: int


def draw_fifo(parts: list[Part], wanted_g: int) -> list[tuple[int, int]]:
    """Takes `wanted_g` from the parts oldest first; (key, grams) pairs. Refuses to take more than there is."""
    if wanted_g < 0:
        raise ValueError("cannot draw a negative quantity")
    taken, left = [], wanted_g
    for part in parts:
        if left == 0:
            break
        take = min(part.open_g, left)
        if take > 0:
            taken.append((part.key, take))
            left -= take
    if left:
        raise ValueError(f"parts hold {wanted_g - left} g, {wanted_g} g wanted")
    return taken


def split_proportionally(total_g: int, weights: list[int]) -> list[int]:
    """`total_g` shared in proportion to `weights` by largest remainder: exact, and no share exceeds its weight
    when total_g <= sum(weights)."""
    if total_g < 0 or any(w < 0 for w in weights):
        raise ValueError("quantities must not be negative")
    whole = sum(weights)
    if whole == 0:
        if total_g:
            raise ValueError("nothing to share in proportion to")
        return [0] * len(weights)
    shares = [total_g * w // whole for w in weights]
    remainders = sorted(range(len(weights)), key=lambda i: (-(total_g * weights[i] % whole), i))
    for i in remainders[: total_g - sum(shares)]:
        shares[i] += 1
    return shares


@dataclass(frozen=True)
class ReceiptShare:
    accepted_g: int
    rejected_g: int
    variance_g: int  # shipped but neither accepted nor refused: the weighbridge difference


@dataclass(frozen=True)
class ReceiptSplit:
    shares: list[ReceiptShare]
    surplus_accepted_g: int  # weighed in beyond what was shipped: attributed to no origin batch
    surplus_rejected_g: int


def split_receipt(shipped_g: list[int], accepted_g: int, rejected_g: int) -> ReceiptSplit:
    """Shares a receipt's accepted and refused grams over the shipped parts, in proportion to what each carried.

    Accepted quantity is attributed first (it is what the receiver signs for), refused quantity from what is left;
    anything shipped and not weighed in is variance; anything weighed in beyond the shipment is surplus.
    """
    total = sum(shipped_g)
    accepted_here = min(accepted_g, total)
    rejected_here = min(rejected_g, total - accepted_here)
    accepted = split_proportionally(accepted_here, shipped_g)
    capacity = [s - a for s, a in zip(shipped_g, accepted)]
    rejected = split_proportionally(rejected_here, capacity)
    shares = [ReceiptShare(a, r, s - a - r) for s, a, r in zip(shipped_g, accepted, rejected)]
    return ReceiptSplit(shares, accepted_g - accepted_here, rejected_g - rejected_here)
