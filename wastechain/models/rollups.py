"""Daily rollups for the regulators' dashboard: figures per day, county, stream and HW category, and flows per day
between counties by stream. Written only by services.statistics.rollups (the night and `flask rollups rebuild`);
the dashboard reads these instead of years of manifests."""
from datetime import date
from decimal import Decimal

from sqlalchemy import Date, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from wastechain.db import Base, Mass

ZERO = Decimal(0)


class DailyFigures(Base):
    """What happened on one China day in one county, for one stream and waste category (see rollups.py)."""

    __tablename__ = "rollup_day"
    __table_args__ = (Index("ix_rollup_day_region_day", "region_code", "day"),)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    stream: Mapped[str] = mapped_column(String(16), primary_key=True)
    category: Mapped[str] = mapped_column(String(8), primary_key=True)
    produced_kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    storage_change_kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    transferred_kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    disposed_kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    approval_kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    manifests_issued: Mapped[int] = mapped_column(Integer, default=0)
    manifests_picked_up: Mapped[int] = mapped_column(Integer, default=0)
    manifests_closed: Mapped[int] = mapped_column(Integer, default=0)
    approval_manifests: Mapped[int] = mapped_column(Integer, default=0)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    receipts_on_time: Mapped[int] = mapped_column(Integer, default=0)


class DailyFlow(Base):
    """Kilograms picked up on one China day in an origin county for a destination county, by stream."""

    __tablename__ = "rollup_flow"
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    origin_region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    destination_region_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    stream: Mapped[str] = mapped_column(String(16), primary_key=True)
    kg: Mapped[Decimal] = mapped_column(Mass, default=ZERO)
    manifests: Mapped[int] = mapped_column(Integer, default=0)
