from sqlalchemy import func, select

from wastechain.domain.states import ManifestStatus
from wastechain.models import Manifest, User


def _run(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result.output


def test_seed_catalog_twice_writes_nothing_the_second_time(app):
    assert "0 regions and 0 waste codes written" in _run(app, "seed-catalog")


def test_create_admin_makes_an_account_that_can_log_in(app, client):
    _run(app, "create-admin", "--username", "root", "--password", "long-enough-pw")
    response = client.post("/api/v1/auth/token", json={"username": "root", "password": "long-enough-pw"})
    assert response.status_code == 200 and response.json["user"]["role"] == "admin"


def test_create_admin_refuses_a_short_password_without_a_traceback(app):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "root", "--password", "short"])
    assert result.exit_code != 0 and "密码至少" in result.output


def test_seed_demo_builds_manifests_in_every_state_once(app, session):
    output = _run(app, "seed-demo")
    assert "driver1" in output and "quzhou_eb" in output
    _run(app, "seed-demo")
    states = set(session.scalars(select(Manifest.status)))
    assert states == {s.value for s in ManifestStatus}
    assert session.scalar(select(func.count()).select_from(User).where(User.username == "driver1")) == 1


def test_demo_logins_work_with_the_printed_password(app, client):
    _run(app, "seed-demo", "--password", "demo-pass-1")
    response = client.post("/api/v1/auth/token", json={"username": "driver1", "password": "demo-pass-1"})
    assert response.status_code == 200 and response.json["user"]["role"] == "driver"


def test_db_upgrade_on_an_empty_database_creates_the_schema_and_catalog(tmp_path):
    from wastechain import create_app
    from tests.conftest import TEST_CONFIG

    fresh = create_app({**TEST_CONFIG, "DATABASE_URL": f"sqlite:///{tmp_path / 'fresh.db'}"})
    output = _run(fresh, "db", "upgrade")
    assert "3348 regions and 496 waste codes written" in output
    fresh.extensions["wastechain.engine"].dispose()


def test_seed_demo_leaves_the_regulators_a_report_of_the_injected_problems(app, session):
    from wastechain.models import Anomaly

    _run(app, "seed-demo")
    codes = set(session.scalars(select(Anomaly.code)))
    assert {"TRANSIT_OVERDUE", "WEIGHT_MISMATCH", "LOCATION_MISMATCH", "STORAGE_OVERDUE"} <= codes


def test_notifications_drain_posts_the_warnings_to_the_webhook_and_marks_them_delivered(app, session):
    from tests.factories import NOW, build_world, make_anomaly
    from tests.gateway import Gateway
    from wastechain.models import Notification
    from wastechain.services.anomalies import notifications

    world = build_world(session)
    anomaly = make_anomaly(session, org=world.producer, code="CHAIN_BROKEN", severity="critical")
    session.add(Notification(anomaly_id=anomaly.id, region_code=anomaly.region_code, payload={"code": "CHAIN_BROKEN"},
                             created_at=NOW, attempts=0, last_error=""))
    session.commit()
    refused = app.test_cli_runner().invoke(args=["notifications", "drain"])
    assert refused.exit_code != 0 and "NOTIFY_WEBHOOK_URL" in refused.output
    with Gateway() as gateway:
        assert "1 delivered, 0 failed" in _run(app, "notifications", "drain", "--webhook", gateway.url)
        assert "0 delivered, 0 failed" in _run(app, "notifications", "drain", "--webhook", gateway.url)
    assert [m["code"] for m in gateway.received] == ["CHAIN_BROKEN"]
    assert notifications.undelivered(session) == 0
