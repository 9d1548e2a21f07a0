"""Regulators' statistics: daily rollups, the dashboard (驾驶舱), the county assessment (考核) and capacity matching."""
from wastechain.services.statistics.rollups import rebuild_rollups, refresh_rollups

__all__ = ["rebuild_rollups", "refresh_rollups"]
