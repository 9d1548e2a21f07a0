from wastechain.api.payments.resources import bp  # noqa: F401
