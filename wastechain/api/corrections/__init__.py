from wastechain.api.corrections.resources import bp  # noqa: F401
