from wastechain.api.lineage.resources import bp  # noqa: F401
