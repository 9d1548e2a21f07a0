"""The ledger's XLSX export: a site's name is plain text, whatever it contains (no formula, no control character)."""
import io

from openpyxl import load_workbook

from tests.factories import make_batch, make_site


def _xlsx(api, site):
    response = api.get(f"/sites/{site.id}/ledger", as_="producer",
                       query_string={"from": "2025-01-01", "to": "2027-01-01", "format": "xlsx"})
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return load_workbook(io.BytesIO(response.data)).active


def test_a_site_name_with_control_characters_still_exports(api, world, session):
    site = make_site(session, world.producer, name="一号\x01仓库\x1f")
    make_batch(session, world.producer, site, kg="5")
    session.commit()
    sheet = _xlsx(api, site)
    assert sheet["A1"].value.startswith("一号仓库")


def test_a_site_name_that_looks_like_a_formula_is_not_a_formula(api, world, session):
    site = make_site(session, world.producer, name='=HYPERLINK("http://evil.example","点此")')
    make_batch(session, world.producer, site, kg="5")
    session.commit()
    sheet = _xlsx(api, site)
    assert sheet["A1"].data_type == "s"
    assert sheet["A1"].value.startswith('=HYPERLINK')
