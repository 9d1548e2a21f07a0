"""Paper manifests entered afterwards (补录): the step's event, the scan of the paper form, the regulator's check."""
from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, UTCDateTime
from wastechain.models.parties import User
from wastechain.models.waste import Manifest, ManifestEvent


class PaperEntry(Base):
    """A step entered from a paper manifest; the scan lives outside the database, named by its SHA-256."""

    __tablename__ = "paper_entry"
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("manifest_event.id"), unique=True)
    scan_sha256: Mapped[str] = mapped_column(String(64))
    scan_type: Mapped[str] = mapped_column(String(40))  # image/jpeg, image/png or application/pdf
    scan_size: Mapped[int] = mapped_column(Integer)
    entered_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    entered_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manifest: Mapped[Manifest] = relationship()
    event: Mapped[ManifestEvent] = relationship()
    entered_by: Mapped[User] = relationship(foreign_keys=[entered_by_id])
    confirmed_by: Mapped[User] = relationship(foreign_keys=[confirmed_by_id])
