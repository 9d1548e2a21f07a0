"""Route track: GPS points a driver's phone sends while a manifest is in transit (not events: no state, no chain)."""
from datetime import datetime

from sqlalchemy import Float, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from wastechain.db import Base, UTCDateTime


class TrackPoint(Base):
    __tablename__ = "track_point"
    __table_args__ = (
        UniqueConstraint("manifest_id", "client_key"),  # a point resent from the phone's queue is stored once
        Index("ix_track_point_manifest_occurred", "manifest_id", "occurred_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"))
    driver_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    client_key: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lat: Mapped[float] = mapped_column(Float)
    lon: Mapped[float] = mapped_column(Float)
    accuracy_m: Mapped[float | None] = mapped_column(Float)
