from wastechain.api.containers.resources import bp  # noqa: F401
