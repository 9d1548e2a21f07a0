"""Every QR we print decodes, with a real decoder (zxing-cpp), to the URL it stands for: the manifest's QR, the
label as PNG, as SVG (drawn by the browser) and as PDF (rasterized by pdfium), and each label of an A4 sheet."""
import io

import pypdfium2 as pdfium
import zxingcpp
from PIL import Image

from tests.factories import make_batch
from wastechain.services.rendering.qr import qr_version


def _decoded(image: Image.Image) -> list[str]:
    return sorted(result.text for result in zxingcpp.read_barcodes(image))


def _pdf_pages(data: bytes) -> list[Image.Image]:
    return [page.render(scale=200 / 72).to_pil() for page in pdfium.PdfDocument(data)]


def test_every_printed_qr_decodes_to_its_url(browser, live_url, api, session, world):
    batches = [make_batch(session, world.producer, world.producer_site, kg="500") for _ in range(5)]
    session.commit()
    manifest = api.issue(world, batches[0], "100").json
    batch_url = api.get(f"/batches/{batches[0].id}", as_="producer").json["qr_url"]
    assert batch_url.startswith(live_url + "/s/") and manifest["qr_url"].startswith(live_url + "/s/")

    qr_png = api.get(f"/manifests/{manifest['id']}/qr.png", as_="producer")
    assert _decoded(Image.open(io.BytesIO(qr_png.data))) == [manifest["qr_url"]]

    label_png = api.get(f"/batches/{batches[0].id}/label.png", as_="producer")
    assert label_png.mimetype == "image/png"
    assert _decoded(Image.open(io.BytesIO(label_png.data))) == [batch_url]

    label_svg = api.get(f"/batches/{batches[0].id}/label.svg", as_="producer").get_data(as_text=True)
    page = browser.new_page(viewport={"width": 800, "height": 800})
    page.set_content(f'<body style="margin:0;background:#fff">{label_svg.replace("100.0mm", "760px")}</body>')
    assert "危险废物" in page.locator("svg text").first.text_content()
    shot = Image.open(io.BytesIO(page.locator("svg").screenshot()))
    page.close()
    assert _decoded(shot) == [batch_url]

    [label_page] = _pdf_pages(api.get(f"/batches/{batches[0].id}/label.pdf", as_="producer").data)
    assert _decoded(label_page) == [batch_url]

    ids = ",".join(str(b.id) for b in batches)
    sheet = api.get(f"/batches/labels.pdf?ids={ids}", as_="producer")
    pages = _pdf_pages(sheet.data)
    assert len(pages) == 2  # four labels to an A4 page
    decoded = sorted(url for page in pages for url in _decoded(page))
    expected = sorted(api.get(f"/batches/{b.id}", as_="producer").json["qr_url"] for b in batches)
    assert decoded == expected


def test_a_production_url_fits_a_version_4_symbol_at_level_m():
    url = "https://wastechain.quzhou.gov.cn/s/" + "A" * 24
    assert qr_version(url) <= 4
