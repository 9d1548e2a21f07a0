from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import JSON, Boolean, Date, Float, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from wastechain.db import Base, Mass, UTCDateTime, stored_enum, utcnow
from wastechain.domain.vocabulary import Role


class Organization(Base):
    """An enterprise or agency, identified by its 统一社会信用代码."""

    __tablename__ = "organization"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    roles: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    sites: Mapped[list["Site"]] = relationship(back_populates="organization", order_by="Site.id")
    permits: Mapped[list["Permit"]] = relationship(back_populates="organization", order_by="Permit.id")

    def has_role(self, role: str) -> bool:
        return role in self.roles


class Site(Base):
    """A production site, a storage site (贮存点) or a utilization/disposal facility."""

    __tablename__ = "site"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(16))
    region_code: Mapped[str] = mapped_column(ForeignKey("region.code"), index=True)
    address: Mapped[str] = mapped_column(String(300), default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    capacity_kg: Mapped[Decimal | None] = mapped_column(Mass)

    organization: Mapped[Organization] = relationship(back_populates="sites")


class Permit(Base):
    """危险废物经营许可证 (hw_operation) or 危险货物道路运输许可 (hw_transport)."""

    __tablename__ = "permit"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    number: Mapped[str] = mapped_column(String(64), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    waste_codes: Mapped[list[str]] = mapped_column(JSON)
    methods: Mapped[list[str]] = mapped_column(JSON)
    annual_capacity_kg: Mapped[Decimal | None] = mapped_column(Mass)

    organization: Mapped[Organization] = relationship(back_populates="permits")


class Vehicle(Base):
    __tablename__ = "vehicle"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    plate: Mapped[str] = mapped_column(String(16), unique=True)
    max_load_kg: Mapped[Decimal | None] = mapped_column(Mass)


class User(Base):
    """An account; its role says what it may do, its organization or jurisdiction what it may see."""

    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[Role] = mapped_column(stored_enum(Role, length=16, name="role"))
    organization_id: Mapped[int | None] = mapped_column(ForeignKey("organization.id"), index=True)
    region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))  # a regulator's jurisdiction
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    locale: Mapped[str | None] = mapped_column(String(8))  # the page language the user chose: zh or en
    # the enterprise's own administrator: manages its users, sites, vehicles and API keys (besides its role's work)
    org_admin: Mapped[bool] = mapped_column(Boolean, default=False)
    # an enterprise account a regulator created: it cannot act until the enterprise's admin confirms it
    pending_confirmation: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    display_name: Mapped[str | None] = mapped_column(String(64))  # the person's name (张三), shown beside their work

    organization: Mapped[Organization | None] = relationship()

    @property
    def shown_name(self) -> str:
        """How pages name the person: their name, else their login."""
        return self.display_name or self.username

    # Flask-Login's user protocol
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        """May log in and act: not deactivated, and (if a regulator created it) confirmed by its enterprise."""
        return self.active and not self.pending_confirmation

    def get_id(self) -> str:
        return str(self.id)


class ApiToken(Base):
    """A bearer token; only its SHA-256 is stored."""

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class ApiKey(Base):
    """A long-lived key for an enterprise's own systems (ERP): it acts as one named user of the company.

    Shown once when created; only its SHA-256 is stored, with a short prefix to recognise it in the list.
    Revoking sets revoked_at (the row stays, so the list shows who revoked what and when).
    """

    __tablename__ = "api_key"
    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    prefix: Mapped[str] = mapped_column(String(16))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(foreign_keys=[user_id])


class UserLogin(Base):
    """A page login: binds the session cookie and the remember-me cookie to one revocable, expiring row.

    The remember-me cookie carries a random token of this login; only its SHA-256 is stored. Logging out deletes
    the row, so neither the session nor the remember-me cookie of that login works again.
    """

    __tablename__ = "user_login"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship()


class Approval(Base):
    """跨区域转移审批: a regulator's exception for a producer, codes, destination, quantity and period."""

    __tablename__ = "approval"
    id: Mapped[int] = mapped_column(primary_key=True)
    producer_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), index=True)
    waste_codes: Mapped[list[str]] = mapped_column(JSON)
    destination_site_id: Mapped[int] = mapped_column(ForeignKey("site.id"))
    max_quantity_kg: Mapped[Decimal] = mapped_column(Mass)
    reserved_kg: Mapped[Decimal] = mapped_column(Mass, default=Decimal(0))
    valid_from: Mapped[date] = mapped_column(Date)
    valid_to: Mapped[date] = mapped_column(Date)
    granted_by_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # the jurisdiction that granted it (the granting regulator's, at the time): only it (or above it) revokes
    granting_region_code: Mapped[str | None] = mapped_column(ForeignKey("region.code"))
    # a revoked approval allows no further manifest; those already issued under it stay as they are
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(500))

    producer: Mapped[Organization] = relationship(foreign_keys=[producer_id])
    destination_site: Mapped[Site] = relationship(foreign_keys=[destination_site_id])
    granted_by: Mapped["User"] = relationship(foreign_keys=[granted_by_id])

    @property
    def remaining_kg(self) -> Decimal:
        return self.max_quantity_kg - self.reserved_kg

    @property
    def used_kg(self) -> Decimal:
        """Kilograms of the live manifests issued under it (reserved at issue, given back when one is cancelled)."""
        return self.reserved_kg
