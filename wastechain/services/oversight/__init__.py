"""The regulators' oversight console: one search box, a manifest's file for the roadside check, a batch's trace and
an enterprise's file, all inside the regulator's jurisdiction."""
from wastechain.services.oversight.files import (SECTIONS, batch_trace, enterprise, enterprise_file,
                                                 enterprise_section, manifest_file)
from wastechain.services.oversight.search import KINDS, COUNT_CAP, search

__all__ = ["COUNT_CAP", "KINDS", "SECTIONS", "batch_trace", "enterprise", "enterprise_file", "enterprise_section",
           "manifest_file", "search"]
