"""Lineage of every kilogram: flows recorded as quantities move (an in-step handler), read both ways, and the
utilization/disposal records with the producer's certificate."""
from wastechain.services.lineage.disposals import (batch_certificate_pdf, list_disposals, manifest_certificate,
                                                   manifest_certificate_pdf, verify_certificate)
from wastechain.services.lineage.flows import record_step_effects
from wastechain.services.lineage.trace import disposal_origins, manifest_origins, trace_batch

__all__ = ["batch_certificate_pdf", "disposal_origins", "list_disposals", "manifest_certificate", "manifest_certificate_pdf",
           "manifest_origins", "record_step_effects", "verify_certificate",
           "trace_batch"]
