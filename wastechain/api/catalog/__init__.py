from wastechain.api.catalog.resources import bp  # noqa: F401
