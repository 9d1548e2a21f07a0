"""Running totals kept beside the history, so rules and the nightly run never sum a year of manifests."""
from decimal import Decimal

from sqlalchemy import ForeignKey, Integer
from sqlalchemy.orm import Mapped, mapped_column

from wastechain.db import Base, Mass


class ReceiverCapacity(Base):
    """Hazardous quantity committed to a receiver on live manifests planned in a year (its permit's capacity covers it).

    Written in the issuing transaction (services.manifests.capacity); a manifest that leaves the live states
    (cancelled, refused whole) gives its quantity back through a database trigger on manifest.status
    (migration 0014), so every writer of a manifest's state keeps it right.
    """

    __tablename__ = "receiver_capacity"
    receiver_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    committed_kg: Mapped[Decimal] = mapped_column(Mass)


class ReceiverIntakeTotal(Base):
    """Accepted quantity per receiver and year: the running total of its `receiver_intake` days.

    The nightly capacity check reads it instead of summing the year's days. Kept by database triggers on
    `receiver_intake` (migration 0014), so every writer of the day rows keeps it right.
    """

    __tablename__ = "receiver_intake_total"
    receiver_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    accepted_kg: Mapped[Decimal] = mapped_column(Mass)
