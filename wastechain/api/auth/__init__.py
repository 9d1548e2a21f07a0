from wastechain.api.auth.resources import bp  # noqa: F401
