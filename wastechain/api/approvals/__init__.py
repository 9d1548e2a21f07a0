from wastechain.api.approvals.resources import bp  # noqa: F401
