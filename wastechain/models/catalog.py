from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from wastechain.db import Base, stored_enum
from wastechain.domain.streams import Stream


class Region(Base):
    """An administrative division (GB/T 2260)."""

    __tablename__ = "region"
    code: Mapped[str] = mapped_column(String(6), primary_key=True)
    name: Mapped[str] = mapped_column(String(64))
    level: Mapped[str] = mapped_column(String(10))
    parent_code: Mapped[str | None] = mapped_column(String(6), index=True)
    note: Mapped[str] = mapped_column(String(200), default="")


class WasteCode(Base):
    """A catalog entry: a hazardous waste code, a general solid waste class, or one of our own classes."""

    __tablename__ = "waste_code"
    code: Mapped[str] = mapped_column(String(16), primary_key=True)
    name: Mapped[str] = mapped_column(String(400))
    category: Mapped[str] = mapped_column(String(8), index=True)
    category_name: Mapped[str] = mapped_column(String(64))
    stream: Mapped[Stream] = mapped_column(stored_enum(Stream, length=16, name="stream"), index=True)
    hazard: Mapped[str] = mapped_column(String(16), default="")
    industry_source: Mapped[str] = mapped_column(String(200), default="")
    edition: Mapped[str] = mapped_column(String(40))
