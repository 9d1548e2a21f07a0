from sqlalchemy import event

from tests.factories import make_batch


def _queries_for_list(api, app) -> int:
    count = [0]

    def tally(*_args):
        count[0] += 1

    engine = app.extensions["wastechain.engine"]
    api.token("city_regulator")  # log in before counting
    event.listen(engine, "before_cursor_execute", tally)
    try:
        assert api.get("/manifests?per_page=50", as_="city_regulator").status_code == 200
    finally:
        event.remove(engine, "before_cursor_execute", tally)
    return count[0]


def test_listing_manifests_costs_the_same_queries_for_two_rows_or_twelve(api, app, world, session):
    batch = make_batch(session, world.producer, world.producer_site, kg="1000")
    session.commit()
    for _ in range(2):
        assert api.issue(world, batch, "10").status_code == 201
    few = _queries_for_list(api, app)
    for _ in range(10):
        assert api.issue(world, batch, "10").status_code == 201
    assert _queries_for_list(api, app) == few
