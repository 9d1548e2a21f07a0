from datetime import datetime

from sqlalchemy import Integer
from sqlalchemy.orm import Mapped, mapped_column

from wastechain.db import Base, UTCDateTime


class CheckOutbox(Base):
    """A recorded step whose run-time checks have not run yet (the outbox of services/outbox.py).

    Written in the step's own transaction, so a committed step always has its row; the `flask run-checks` worker
    runs the checks of many rows at once and deletes them in the same transaction as the findings it stores.
    """

    __tablename__ = "check_outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    # No foreign key: the outbox is a queue beside the append-only events, and must not stand in the way of the
    # tamper tests that delete an event as a database owner could (the worker skips an event that is gone).
    event_id: Mapped[int] = mapped_column(Integer, unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
