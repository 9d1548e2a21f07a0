from wastechain.api.paper.resources import bp  # noqa: F401
