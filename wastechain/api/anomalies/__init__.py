from wastechain.api.anomalies.resources import bp  # noqa: F401
