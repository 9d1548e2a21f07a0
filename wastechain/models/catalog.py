from datetime import date

from sqlalchemy import Boolean, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, stored_enum
from wastechain.domain.streams import Stream


class Region(Base):
    """An administrative division (GB/T 2260), as of the NBS 统计用区划代码 of `nbs_year`."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(6), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")
    nbs_year: Mapped[int] = mapped_column(Integer, default=2023, server_default="2023")


class WasteCode(Base):
    """Every code any edition ever listed, with the wording of the newest edition that lists it: what batches,
    manifest lines and reports join to. Which codes are in force on a day is the editions' business
    (CatalogEdition, CatalogEntry)."""

    __tablename__ = "waste_code"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    category: Mapped[str] = mapped_column(String(8), index=True)
    category_name: Mapped[str] = mapped_column(String(64))
    stream: Mapped[Stream] = mapped_column(stored_enum(Stream, length=16, name="stream"), index=True)
    hazard: Mapped[str] = mapped_column(String(16), default="")
    industry_source: Mapped[str] = mapped_column(String(200), default="")
    edition: Mapped[str] = mapped_column(String(40))


class CatalogEdition(Base):
    """One edition of one catalog (kind: hazardous, general, own, exemption), in force from `effective_from`.

    `loaded` is false for an edition known to be in force whose table has not been imported yet (a pending
    note for administrators); the newest loaded edition stays in use until its successor is imported."""

    __tablename__ = "catalog_edition"
    __table_args__ = (UniqueConstraint("kind", "name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(200))
    effective_from: Mapped[date] = mapped_column(Date)
    effective_to: Mapped[date | None] = mapped_column(Date)
    verified: Mapped[bool] = mapped_column(Boolean, default=True)
    loaded: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(2000), default="")


class CatalogEntry(Base):
    """A code as one edition lists it."""

    __tablename__ = "catalog_entry"
    __table_args__ = (UniqueConstraint("edition_id", "code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("catalog_edition.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    name: Mapped[str] = mapped_column(String(400))
    category: Mapped[str] = mapped_column(String(8))
    category_name: Mapped[str] = mapped_column(String(64))
    stream: Mapped[Stream] = mapped_column(stored_enum(Stream, length=16, name="stream"))
    hazard: Mapped[str] = mapped_column(String(16), default="")
    industry_source: Mapped[str] = mapped_column(String(200), default="")

    edition: Mapped[CatalogEdition] = relationship(lazy="joined")


class CatalogSuccession(Base):
    """An edition's mapping of an older code to a code that replaces it (a merge: several old codes to one; a
    split: one old code to several)."""

    __tablename__ = "catalog_succession"
    __table_args__ = (UniqueConstraint("edition_id", "old_code", "new_code"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("catalog_edition.id"), index=True)
    old_code: Mapped[str] = mapped_column(String(16), index=True)
    new_code: Mapped[str] = mapped_column(String(16))


class CatalogExemption(Base):
    """A row of the 危险废物豁免管理清单: a code (or a whole category HWxx) exempt at one link of the chain
    (all, collect, transport, utilize, dispose, landfill) when its condition is met."""

    __tablename__ = "catalog_exemption"
    __table_args__ = (UniqueConstraint("edition_id", "code", "link"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    edition_id: Mapped[int] = mapped_column(ForeignKey("catalog_edition.id"), index=True)
    code: Mapped[str] = mapped_column(String(16), index=True)
    link: Mapped[str] = mapped_column(String(16))
    condition: Mapped[str] = mapped_column(String(400), default="")

    edition: Mapped[CatalogEdition] = relationship(lazy="joined")
