"""ORM classes; importing this package registers every table on Base.metadata."""
from wastechain.models.anomaly import (Anomaly, AnomalyNote, DaySeal, Declaration, Notification, Payment,
                                      ReceiverIntake)
from wastechain.models.capacity import ReceiverCapacity, ReceiverIntakeTotal
from wastechain.models.catalog import (CatalogEdition, CatalogEntry, CatalogExemption, CatalogSuccession, Region,
                                       WasteCode)
from wastechain.models.credit import CreditEvent, CreditReply
from wastechain.models.drafts import ManifestDraft
from wastechain.models.handover import HandoverCode
from wastechain.models.outbox import CheckOutbox
from wastechain.models.parties import ApiKey, ApiToken, Approval, Organization, Permit, Site, User, UserLogin, Vehicle
from wastechain.models.waste import Batch, Manifest, ManifestEvent, ManifestLeg, ManifestLine, ManifestSerial
from wastechain.models.rollups import DailyFigures, DailyFlow
from wastechain.models.storage import Container, DisposalRecord, LineageFlow
from wastechain.models.tipoffs import Tipoff, TipoffAction, TipoffLink, TipoffPhoto
from wastechain.models.corrections import Correction, CorrectionDecision
from wastechain.models.paper import PaperEntry
from wastechain.models.track import TrackPoint

__all__ = [
    "Anomaly", "AnomalyNote", "DaySeal", "Declaration", "Notification", "Payment", "ReceiverIntake",
    "ApiKey", "ApiToken", "Approval", "Batch", "CatalogEdition", "CatalogEntry", "CatalogExemption", "CatalogSuccession",
    "CheckOutbox", "Container", "Correction", "CorrectionDecision", "CreditEvent", "CreditReply", "DailyFigures",
    "DailyFlow", "DisposalRecord", "HandoverCode", "LineageFlow",
    "Manifest", "ManifestDraft", "ManifestEvent", "ManifestLeg", "ManifestLine", "ManifestSerial",
    "Organization", "PaperEntry", "Permit", "ReceiverCapacity", "ReceiverIntakeTotal", "Region", "Site", "User",
    "UserLogin", "Vehicle", "Tipoff", "TipoffAction", "TipoffLink", "TipoffPhoto", "TrackPoint", "WasteCode",
]
