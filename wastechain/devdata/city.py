"""The synthetic city of the plan: its ordinary days simulated through the services, with its injected faults."""
from datetime import timedelta

from wastechain.devdata import session_for
from wastechain.devdata.faults import inject_faults
from wastechain.devdata.synthetic import City, CityPlan, GeneratedCity
from wastechain.domain.anomalies import day_window
from wastechain.domain.keys import Keyring
from wastechain.settings import Settings

__all__ = ["CityPlan", "GeneratedCity", "generate_city"]


def generate_city(bind, plan: CityPlan, progress=None, keys: Keyring | str | None = None) -> GeneratedCity:
    """Simulates the plan's days through the services (which commit as they go); returns what was injected.

    `keys` MACs the events: the keyring the city will be reconciled and verified with (default: a key of its own).
    """
    settings = Settings(secret_key=keys, runtime_checks=False) if keys is not None else None
    with session_for(bind, settings) as session:
        city = City(session, plan)
        city.cast.populate(plan)
        for i in range(plan.days):
            city.regular_day(plan.start + timedelta(days=i), plan.manifests_per_day)
        if plan.faults:
            inject_faults(city)
        if plan.declarations:
            city.schedule_declarations()
        for i in range(plan.days):
            city.run_until(day_window(plan.start + timedelta(days=i)).end)
            if progress and (i % 10 == 9 or i == plan.days - 1):
                progress("days", i + 1, plan.days)
        city.run_until(city.end_moment)
        city.resolve_expectations()
        city.out.ids = {"hazardous_receivers": [r.org for r in city.cast.receivers["hazardous"]]}
        return city.out
