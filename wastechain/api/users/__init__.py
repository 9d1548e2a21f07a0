from wastechain.api.users.resources import bp  # noqa: F401
