from wastechain.api.manifests.resources import bp  # noqa: F401
