from wastechain.api.ledger.resources import bp  # noqa: F401
