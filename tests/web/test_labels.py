"""Labels: owner only, Chinese that really renders (embedded font), the content a hazardous waste label carries."""
import io

import pypdfium2 as pdfium
import pytest

from tests.factories import assert_refused, make_batch
from wastechain.services.rendering import labels
from wastechain.services.rendering import pdf as pdf_fonts
from wastechain.services.rendering.pdf import register_cjk_font


def _text_of(pdf: bytes) -> str:
    page = pdfium.PdfDocument(pdf)[0]
    return page.get_textpage().get_text_range()


def test_a_label_carries_what_a_hazardous_waste_label_must(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site, code="900-041-49", kg="1250.5")
    session.commit()
    response = api.get(f"/batches/{batch.id}/label.pdf", as_="producer")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    text = _text_of(response.data)
    for expected in ("危险废物", "废物名称", "HW49", "900-041-49", "危险特性", world.producer.name, "1250.5 kg",
                     batch.unit_code):
        assert expected in text, expected
    svg = api.get(f"/batches/{batch.id}/label.svg", as_="producer").get_data(as_text=True)
    assert "危险废物" in svg and batch.unit_code in svg


def test_only_the_owner_prints_labels(api, session, world):
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    assert_refused(api.get(f"/batches/{batch.id}/label.png", as_="kecheng_regulator"), 403, "FORBIDDEN")
    assert_refused(api.get(f"/batches/{batch.id}/label.png", as_="other_producer"), 404, "NOT_FOUND")
    assert_refused(api.get(f"/batches/{batch.id}/label.png"), 401, "UNAUTHORIZED")
    assert_refused(api.get(f"/batches/labels.pdf?ids={batch.id},x", as_="producer"), 422, "VALIDATION_ERROR")
    printed = api.get(f"/batches/{batch.id}/label.png", as_="producer")
    assert printed.status_code == 200 and printed.mimetype == "image/png"


def test_the_chinese_glyphs_render_from_the_embedded_font():
    """Tofu boxes or blanks would look the same for any text; real glyphs differ."""
    from reportlab.pdfgen import canvas

    def raster(text: str) -> bytes:
        out = io.BytesIO()
        pdf = canvas.Canvas(out, pagesize=(200, 50))
        pdf.setFont(register_cjk_font(), 30)
        pdf.drawString(5, 12, text)
        pdf.save()
        image = pdfium.PdfDocument(out.getvalue())[0].render(scale=1).to_pil().convert("L")
        return image.tobytes()

    hazardous, reversed_ = raster("危险废物"), raster("物废险危")
    assert min(hazardous) < 100, "nothing was drawn"
    assert hazardous != reversed_, "the glyphs are all the same box"
    assert register_cjk_font() == "WQYMicroHei", "install fonts-wqy-microhei: the PDF should embed its CJK font"


def test_hazard_codes_read_in_chinese():
    assert labels.hazard_names("T/C") == "毒性、腐蚀性" and labels.hazard_names("In") == "感染性"


def test_the_producer_prints_a_sheet_of_its_labels_from_its_page(client, session, world):
    from tests.web.helpers import login

    batches = [make_batch(session, world.producer, world.producer_site) for _ in range(3)]
    session.commit()
    login(client, "producer")
    page = client.get("/producer").get_data(as_text=True)
    assert "打印所选标签" in page and batches[0].unit_code in page
    sheet = client.get("/batches/labels.pdf?" + "&".join(f"ids={b.id}" for b in batches))
    assert sheet.status_code == 200 and len(pdfium.PdfDocument(sheet.data)) == 1


# ---- a font reportlab cannot read is skipped (issue 11, item 8) ----

@pytest.fixture
def fonts(monkeypatch):
    """Swaps the font candidates for one test, starting and ending with fresh font caches."""
    def use(*candidates):
        monkeypatch.setattr(pdf_fonts, "FONT_CANDIDATES", candidates)
        pdf_fonts._readable_font.cache_clear()
        labels._pil_font.cache_clear()

    yield use
    monkeypatch.undo()
    pdf_fonts._readable_font.cache_clear()
    labels._pil_font.cache_clear()


def test_a_font_reportlab_cannot_read_is_skipped_for_the_next_one(api, session, world, fonts, tmp_path):
    unreadable = tmp_path / "NotoSansCJK-Regular.ttc"
    unreadable.write_bytes(b"OTTO" + b"\0" * 200)  # what reportlab makes of a CFF-outline font: not a TrueType
    fonts((str(unreadable), 2), *pdf_fonts.FONT_CANDIDATES)
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    response = api.get(f"/batches/{batch.id}/label.pdf", as_="producer")
    assert response.status_code == 200 and "危险废物" in _text_of(response.data)
    assert pdf_fonts.cjk_font_file()[0] != str(unreadable)


def test_with_no_readable_cjk_font_a_pdf_falls_back_to_the_builtin_chinese_font(api, session, world, fonts,
                                                                                tmp_path):
    unreadable = tmp_path / "broken.ttc"
    unreadable.write_bytes(b"not a font at all")
    fonts((str(unreadable), 0), ("/nonexistent/font.ttc", 0))
    assert pdf_fonts.register_cjk_font() == pdf_fonts.FALLBACK_CJK_FONT
    batch = make_batch(session, world.producer, world.producer_site)
    session.commit()
    response = api.get(f"/batches/{batch.id}/label.pdf", as_="producer")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert "危险废物" in _text_of(response.data)
