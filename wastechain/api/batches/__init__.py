from wastechain.api.batches.resources import bp  # noqa: F401
