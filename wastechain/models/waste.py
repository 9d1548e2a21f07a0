from datetime import datetime
from decimal import Decimal

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, Mass, UTCDateTime, stored_enum, utcnow
from wastechain.domain.states import ManifestStatus, Step
from wastechain.domain.vocabulary import BatchStatus, Role
from wastechain.models.catalog import CatalogEdition, WasteCode
from wastechain.models.parties import Organization, Site, User, Vehicle


class Batch(Base):
    """A quantity of one waste code produced at a site and put in storage (产生 + 贮存)."""

    __tablename__ = "batch"
    id: Mapped[int] = mapped_column(primary_key=True)
    unit_code: Mapped[str] = mapped_column(String(37), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    waste_code: Mapped[str] = mapped_column(ForeignKey("waste_code.code"), index=True)
    code_edition_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_edition.id"))  # the code's edition
    quantity_kg: Mapped[Decimal] = mapped_column(Mass)
    remaining_kg: Mapped[Decimal] = mapped_column(Mass)
    status: Mapped[BatchStatus] = mapped_column(stored_enum(BatchStatus, length=20, name="status"), index=True)
    generated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    container_count: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What HJ 1276-2022 prints on the label besides the catalog's name, category, code and hazards
    waste_form: Mapped[str] = mapped_column(String(16), default="", server_default="")  # 废物形态 (WASTE_FORMS)
    main_components: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 主要成分
    hazardous_components: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 有害成分
    precautions: Mapped[str] = mapped_column(String(200), default="", server_default="")  # 注意事项
    contact_name: Mapped[str] = mapped_column(String(50), default="", server_default="")  # 联系人
    contact_phone: Mapped[str] = mapped_column(String(30), default="", server_default="")  # 联系电话
    # Refused at receipt on this manifest (migration 0022): in the carrier's custody, at no site's ledger, until a
    # return or redirect manifest takes it on.
    refused_from_id: Mapped[int | None] = mapped_column(ForeignKey("manifest.id"), index=True)

    organization: Mapped[Organization] = relationship()
    site: Mapped[Site] = relationship()
    waste: Mapped[WasteCode] = relationship()
    code_edition: Mapped[CatalogEdition | None] = relationship()


class ManifestSerial(Base):
    """The last manifest serial used per city and year; a row lock on it serializes numbering."""

    __tablename__ = "manifest_serial"
    city_code: Mapped[str] = mapped_column(String(6), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_serial: Mapped[int] = mapped_column(Integer)


class Manifest(Base):
    """转移联单: one vehicle trip from an origin site to a receiver site."""

    __tablename__ = "manifest"
    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(String(14), unique=True)
    status: Mapped[ManifestStatus] = mapped_column(stored_enum(ManifestStatus, length=16, name="status"), index=True)
    issuer_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    origin_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    origin_region_code: Mapped[str] = mapped_column(String(6), index=True)
    receiver_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    receiver_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"), index=True)
    destination_region_code: Mapped[str] = mapped_column(String(6), index=True)
    transporter_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    approval_id: Mapped[int | None] = mapped_column(ForeignKey("approval.id"))
    planned_pickup_at: Mapped[datetime] = mapped_column(UTCDateTime)
    total_kg: Mapped[Decimal] = mapped_column(Mass)
    pickup_kg: Mapped[Decimal | None] = mapped_column(Mass)
    received_kg: Mapped[Decimal | None] = mapped_column(Mass)
    accepted_kg: Mapped[Decimal | None] = mapped_column(Mass)
    rejected_kg: Mapped[Decimal | None] = mapped_column(Mass)
    disposed_kg: Mapped[Decimal] = mapped_column(Mass, default=Decimal(0))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    status_changed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    # 联运 (migration 0026): the leg whose carrier holds the load now; NULL on a single-carrier manifest (the
    # transporter, vehicle and driver above are its only carrier, and leg 1 of a multi-carrier one).
    current_leg: Mapped[int | None] = mapped_column(Integer)

    lines: Mapped[list["ManifestLine"]] = relationship(back_populates="manifest", order_by="ManifestLine.id")
    events: Mapped[list["ManifestEvent"]] = relationship(back_populates="manifest", order_by="ManifestEvent.seq")
    issuer: Mapped[Organization] = relationship(foreign_keys=[issuer_id])
    receiver: Mapped[Organization] = relationship(foreign_keys=[receiver_id])
    transporter: Mapped[Organization] = relationship(foreign_keys=[transporter_id])
    origin_site: Mapped[Site] = relationship(foreign_keys=[origin_site_id])
    receiver_site: Mapped[Site] = relationship(foreign_keys=[receiver_site_id])
    legs: Mapped[list["ManifestLeg"]] = relationship(back_populates="manifest", order_by="ManifestLeg.seq")


class ManifestLine(Base):
    """A quantity taken from one batch onto a manifest."""

    __tablename__ = "manifest_line"
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    batch_id: Mapped[int] = mapped_column(ForeignKey("batch.id"), index=True)
    waste_code: Mapped[str] = mapped_column(ForeignKey("waste_code.code"))
    quantity_kg: Mapped[Decimal] = mapped_column(Mass)
    # The receiver's figures for this line when it weighed in line by line (migration 0022; null before, or when
    # the receipt was given for the manifest as a whole): accepted and refused kg, why, and the method chosen.
    accepted_kg: Mapped[Decimal | None] = mapped_column(Mass)
    rejected_kg: Mapped[Decimal | None] = mapped_column(Mass)
    refusal_reason: Mapped[str | None] = mapped_column(String(500))
    method: Mapped[str | None] = mapped_column(String(8))

    manifest: Mapped[Manifest] = relationship(back_populates="lines")
    batch: Mapped[Batch] = relationship()
    waste: Mapped[WasteCode] = relationship()


class ManifestLeg(Base):
    """One carrier's part of a multi-carrier manifest (联运), in order; leg 1 repeats the manifest's transporter,
    vehicle and driver. A manifest with one carrier has no legs."""

    __tablename__ = "manifest_leg"
    __table_args__ = (UniqueConstraint("manifest_id", "seq"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"), index=True)
    seq: Mapped[int] = mapped_column(Integer)
    transporter_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicle.id"))
    driver_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handover_site_id: Mapped[int | None] = mapped_column(ForeignKey("site.id"))  # where this leg takes the load
    handover_point: Mapped[str | None] = mapped_column(String(200))  # or a place in words
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    manifest: Mapped[Manifest] = relationship(back_populates="legs")
    transporter: Mapped[Organization] = relationship()
    vehicle: Mapped[Vehicle | None] = relationship()
    driver: Mapped[User | None] = relationship()
    handover_site: Mapped[Site | None] = relationship()


class ManifestEvent(Base):
    """One step of a manifest; append-only and hash-linked to the previous event of the same manifest."""

    __tablename__ = "manifest_event"
    __table_args__ = (
        UniqueConstraint("manifest_id", "seq"),  # two concurrent steps cannot both become step N
        UniqueConstraint("manifest_id", "idempotency_key"),  # a retried step finds the first one
        # the first event with a MAC (services/manifests/events.py), found without reading the events before MACs
        Index("ix_manifest_event_keyed", "id", postgresql_where=text("mac IS NOT NULL"),
              sqlite_where=text("mac IS NOT NULL")),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    manifest_id: Mapped[int] = mapped_column(ForeignKey("manifest.id"))
    seq: Mapped[int] = mapped_column(Integer)
    type: Mapped[Step] = mapped_column(stored_enum(Step, length=16, name="type"))
    status_after: Mapped[ManifestStatus] = mapped_column(stored_enum(ManifestStatus, length=16, name="status_after"))
    actor_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    actor_role: Mapped[Role] = mapped_column(stored_enum(Role, length=16, name="actor_role"))
    idempotency_key: Mapped[str] = mapped_column(String(100))
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    quantity_kg: Mapped[Decimal | None] = mapped_column(Mass)
    accepted_kg: Mapped[Decimal | None] = mapped_column(Mass)
    rejected_kg: Mapped[Decimal | None] = mapped_column(Mass)
    reason: Mapped[str | None] = mapped_column(String(500))
    method: Mapped[str | None] = mapped_column(String(8))
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))
    # "<key id>:<HMAC of hash>" under the keyring's event key (domain/hashing.py); NULL on events written before it
    mac: Mapped[str | None] = mapped_column(String(80))

    manifest: Mapped[Manifest] = relationship(back_populates="events")

    HASHED_FIELDS = (
        "manifest_id", "seq", "type", "status_after", "actor_id", "actor_role", "idempotency_key", "occurred_at",
        "recorded_at", "lat", "lon", "quantity_kg", "accepted_kg", "rejected_kg", "reason", "method", "data",
    )

    def hashed_content(self) -> dict:
        return {name: getattr(self, name) for name in self.HASHED_FIELDS}
