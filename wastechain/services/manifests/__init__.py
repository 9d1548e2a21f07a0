"""Transfer manifests: issuing, steps, events, reading, and the producer's handover code."""
from wastechain.services.manifests.events import LineReceipt, StepRequest
from wastechain.services.manifests.handover import (confirm_pickup, confirm_transfer, issue_code,
                                                   record_step_with_handover)
from wastechain.services.manifests.issue import (LegRequest, LineRequest, RULE_NAMES, check_manifest, issue_manifest,
                                                 receiver_choices, verdict_text)
from wastechain.services.manifests.reading import (driver_queue, get_manifest, issued_by_own_organization,
                                                   list_manifests, treatment_options, verify_manifest)
from wastechain.services.manifests.returns import issue_return_trip, refused_in_custody, take_back
from wastechain.services.manifests.steps import StepResult, record_step
from wastechain.services.manifests.track import PointRequest, TrackResult, read_track, record_track

__all__ = ["LegRequest", "LineReceipt", "LineRequest", "confirm_transfer", "StepRequest", "StepResult", "confirm_pickup", "driver_queue", "get_manifest",
           "check_manifest", "issue_code", "issue_manifest", "receiver_choices", "verdict_text", "RULE_NAMES", "issued_by_own_organization", "list_manifests",
           "record_step", "record_step_with_handover", "treatment_options", "verify_manifest",
           "issue_return_trip", "refused_in_custody", "take_back", "PointRequest", "TrackResult", "read_track",
           "record_track"]
