from wastechain.api.organizations.resources import bp  # noqa: F401
