from wastechain.api.scan.resources import bp  # noqa: F401
