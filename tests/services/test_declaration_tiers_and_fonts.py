"""The HJ 1259-2022 tier by a year's hazardous waste, the R/D method names, and the one clear start-up message
when no CJK font reportlab reads is installed (PDFs still render with the STSong-Light fallback)."""
import logging
from datetime import datetime, timezone
from decimal import Decimal

from wastechain.domain.methods import method_name, sort_key
from wastechain.services.anomalies.declarations import tier_of
from wastechain.services.lineage import disposals
from wastechain.services.rendering import pdf


def test_the_tier_follows_the_tonnes_generated_in_a_year():
    assert tier_of(Decimal("100000")).key == "key"
    assert tier_of(Decimal("99999.999")).key == "simplified"
    assert tier_of(Decimal("10000")).key == "simplified"
    assert tier_of(Decimal("9999")).key == "registered" and tier_of(Decimal("0")).key == "registered"


def test_methods_have_names_and_sort_as_numbers():
    assert method_name("D10") == "焚烧" and method_name("r4").startswith("再循环")
    assert method_name("X9") == "未收录的方式代码"
    assert sorted(["R15", "D1", "R4", "D10", "R1"], key=sort_key) == ["R1", "R4", "R15", "D1", "D10"]


def test_without_a_cjk_font_start_up_says_which_package_to_install(monkeypatch, caplog):
    monkeypatch.setattr(pdf, "FONT_CANDIDATES", (("/nonexistent/font.ttc", 0),))
    pdf.check_fonts_at_startup.cache_clear()
    pdf._readable_font.cache_clear()
    pdf._warn_fallback.cache_clear()
    try:
        with caplog.at_level(logging.WARNING, logger=pdf.__name__):
            assert pdf.check_fonts_at_startup() is False
            assert pdf.register_cjk_font() == pdf.FALLBACK_CJK_FONT
        messages = [r.getMessage() for r in caplog.records]
        assert any("fonts-wqy-microhei" in m for m in messages)
        document = disposals._certificate_pdf(  # the certificate still renders on the fallback font
            title="t", subtitle="s", parties=[("产生单位", {"name": "甲", "credit_code": "913308020000000197"})],
            facts=["事实"], manifests=[], records=[], totals=(Decimal(1), Decimal(1), Decimal(0), True),
            verify="http://x/certificates/verify/ABC", now=datetime(2026, 12, 1, tzinfo=timezone.utc))
        assert document.startswith(b"%PDF") and b"STSong-Light" in document
    finally:
        pdf.check_fonts_at_startup.cache_clear()
        pdf._readable_font.cache_clear()
        pdf._warn_fallback.cache_clear()


def test_with_the_font_installed_start_up_says_nothing(caplog):
    pdf.check_fonts_at_startup.cache_clear()
    with caplog.at_level(logging.WARNING, logger=pdf.__name__):
        assert pdf.check_fonts_at_startup() is True
    assert not caplog.records
