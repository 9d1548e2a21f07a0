"""Storage, containers, disposal records and the lineage of every kilogram between them."""
from datetime import datetime
from decimal import Decimal

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, Mass, UTCDateTime, stored_enum, utcnow
from wastechain.domain.vocabulary import ContainerStatus, LineageKind
from wastechain.models.parties import Organization, Site


class DisposalRecord(Base):
    """A utilization (R) or disposal (D) record of part of a manifest's accepted quantity: the end of the loop."""

    __tablename__ = "disposal_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    event_id: Mapped[int] = mapped_column(ForeignKey("manifest_event.id"), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    method: Mapped[str] = mapped_column(String(8))
    quantity_kg: Mapped[Decimal] = mapped_column(Mass)
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    certificate_number: Mapped[str] = mapped_column(String(32), unique=True)

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site] = relationship()


class LineageFlow(Base):
    """One movement of a quantity of one origin batch; a flow draws from its parent flow and never exceeds it.

    kinds: produced (root of an original batch) · shipped (onto a manifest line) · cancelled (back into the batch)
    · accepted (signed for by a treating receiver) · stocked (into a collector's stock batch) · returned (refused,
    back into the issuer's stock) · variance (shipped, not weighed in) · disposed (a final R/D record)
    · surplus (weighed in beyond what was shipped; no origin batch).
    A flow's open quantity is its quantity minus its children's; the open quantities of the leaves of an origin
    batch's tree add up to the batch, which is what trace reports.
    """

    __tablename__ = "lineage_flow"
    __table_args__ = (
        Index("ix_lineage_flow_batch_kind", "batch_id", "kind"),
        Index("ix_lineage_flow_manifest_kind", "manifest_id", "kind"),
        Index("ix_lineage_flow_site_recorded", "site_id", "recorded_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[LineageKind] = mapped_column(stored_enum(LineageKind, length=12, name="kind"))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("lineage_flow.id"), index=True)
    origin_batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    # the batch holding the quantity (produced, stocked, returned, cancelled, surplus in stock) or shipped from it
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"))
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("manifest.id"))
    manifest_line_id: Mapped[int | None] = mapped_column(ForeignKey("manifest_line.id"))
    disposal_id: Mapped[int | None] = mapped_column(ForeignKey("disposal_record.id"), index=True)
    # where the quantity arrives (holding kinds) or leaves from (shipped, disposed); none for variance
    site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))
    waste_code: Mapped[str] = mapped_column(ForeignKey("waste_code.code"))
    quantity_kg: Mapped[Decimal] = mapped_column(Mass)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Container(Base):
    """A box, drum or bag with its own code and QR; containers nest (小箱进大箱) and weights add up."""

    __tablename__ = "container"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("container.id"), index=True)
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("batch.id"), index=True)
    quantity_kg: Mapped[Decimal] = mapped_column(Mass, default=Decimal(0))  # waste directly in it, not in children
    manifest_id: Mapped[int | None] = mapped_column(ForeignKey("manifest.id"), index=True)
    status: Mapped[ContainerStatus] = mapped_column(stored_enum(ContainerStatus, length=16, name="status"),
                                                    default=ContainerStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    site: Mapped[Site] = relationship()
