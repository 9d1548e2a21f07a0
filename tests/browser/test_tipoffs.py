"""有奖举报 in a real browser, at 360 and 1280 px: a member of the public, from the login page, files a tip-off with the
phone's position and a photo, follows it with the tracking code; a county regulator triages, links and closes it
with a finding; the public status page then shows it closed. The app's clock moves instead of the test sleeping
through the form's minimum age."""
import io
import re

import pytest
from PIL import Image
from playwright.sync_api import expect

from tests.browser.conftest import look, log_in
from tests.clock import MovableClock
from tests.conftest import TEST_CONFIG
from wastechain import create_app


@pytest.fixture
def clock():
    return MovableClock()


@pytest.fixture
def app(database_url, clock, tmp_path):
    """The app as deployed (CSRF on), with a clock the test moves and the photos under a temporary directory."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": True, "CLOCK": clock,
                      "TIPOFF_PHOTO_DIR": str(tmp_path / "photos")})
    yield app
    app.extensions["wastechain.engine"].dispose()


def scene_png() -> bytes:
    image = Image.new("RGB", (320, 240), (90, 140, 90))
    for x in range(100, 220):
        for y in range(120, 200):
            image.putpixel((x, y), (40, 30, 20))  # a dark heap on the grass
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_the_public_files_a_tip_off_with_a_photo_and_follows_it_until_a_regulator_closes_it(phone, world, clock):
    public = phone().new_page()
    public.goto("/login")
    public.locator("#tipoff-link").click()
    expect(public.locator("h1")).to_have_text("有奖举报")
    public.locator("input[name=kind][value=dumping]").check()
    public.select_option("select[name=region_code]", label="柯城区")
    public.locator("#locate").click()
    expect(public.locator("#located")).to_contain_text("已获取定位")
    public.fill("textarea[name=description]", "溪边草地上倒了一大堆黑色废渣，旁边有几个破桶")
    public.set_input_files("#photos", files=[{"name": "scene.png", "mimeType": "image/png", "buffer": scene_png()}])
    question = re.search(r"(\d) \+ (\d)", public.locator("label", has_text="验证题").inner_text()).groups()
    public.fill("#challenge-answer", str(int(question[0]) + int(question[1])))
    look(public, "tipoff-form")
    clock.advance(minutes=2)  # the time a person takes to fill it in
    public.locator("#submit-tipoff").click()
    code = public.locator("#tracking-code").inner_text()
    assert re.fullmatch(r"([A-Z2-9]{4}-){4}[A-Z2-9]{4}", code)
    look(public, "tipoff-filed")
    public.locator("#follow").click()
    expect(public.locator("#tipoff-status")).to_have_text("已收到，待受理")
    look(public, "tipoff-status-received")

    desk = phone().new_page()
    desk.goto("/regulator/tipoffs/")
    log_in(desk, "kecheng_regulator")
    expect(desk.locator("#tipoffs li")).to_have_count(1)
    look(desk, "tipoff-desk")
    desk.locator("#tipoffs a").click()
    photo = desk.locator("#case-photos img")
    expect(photo).to_have_count(1)
    desk.wait_for_function("() => document.querySelector('#case-photos img').naturalWidth === 320")  # it decoded
    expect(desk.locator("#case-contact")).to_have_text("未留")
    desk.select_option("select[name=assignee_id]", label="kecheng_regulator")
    desk.locator("#assign").click()
    expect(desk.locator("#case-status")).to_have_text("已受理，调查中")
    desk.fill("input[name=reference]", world.producer.credit_code)
    desk.locator("#link").click()
    expect(desk.locator("#case-links")).to_contain_text(world.producer.name)
    look(desk, "tipoff-case")
    desk.locator("#close-link").click()
    desk.locator("input[name=finding][value=upheld]").check()
    desk.fill("textarea[name=note]", "现场查实：衢州示范化工有限公司委托无资质车辆倾倒废渣，已立案处罚")
    look(desk, "tipoff-close-confirm")
    desk.locator("#confirm-close").click()
    expect(desk.locator("#case-status")).to_have_text("已办结")
    expect(desk.locator("#case-finding")).to_have_text("举报属实")

    public.goto("/tipoffs/track")
    public.fill("input[name=code]", code.lower())
    public.locator("#track-form button[type=submit]").click()
    expect(public.locator("#tipoff-status")).to_have_text("已办结")
    expect(public.locator("#tipoff-finding")).to_have_text("举报属实")
    assert world.producer.name not in public.content()
    look(public, "tipoff-status-closed")
