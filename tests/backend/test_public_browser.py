"""Public pages and the report page in a real browser (Debian's chromium via playwright), with their
Content-Security-Policy in force: styles apply (nonce), no console errors, forms work on a phone-sized
window. The backend runs in a thread on a free port with a seeded SQLite database. Skipped only
when /usr/bin/chromium is missing; no browser is ever downloaded."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402
from sqlalchemy import select  # noqa: E402

from backend import seed as seed_module  # noqa: E402
from backend.app.main import create_app  # noqa: E402
from backend.app.models import Ticket  # noqa: E402
from tests.backend.conftest import make_settings, served_in_thread  # noqa: E402
from tests.backend.staff import PASSWORD, add_user  # noqa: E402

RED = "rgb(163, 24, 27)"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    app = create_app(make_settings(f"sqlite:///{tmp_path_factory.mktemp('browser') / 'backend.db'}"))
    with served_in_thread(app) as base:
        with TestClient(app, base_url=base) as setup:
            with app.state.session_factory() as session:
                result = seed_module.seed(session, with_users=False)
                answered_with_phone = select(Ticket).where(Ticket.status == "answered", Ticket.citizen_phone != "")
                ticket = session.scalars(answered_with_phone.order_by(Ticket.id)).first()
                lookup = (ticket.code, ticket.citizen_phone[-4:])
            add_user(setup, "giamsat.hoa", "supervisor")
        yield base, lookup, result.showcase_month


@pytest.fixture
def page():
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})
            page.errors = []
            page.on("console", lambda m: page.errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: page.errors.append(str(e)))
            yield page
        finally:
            browser.close()


def test_public_pages_on_a_phone(server, page):
    base, (code, last4), _ = server
    page.goto(f"{base}/ket-qua")
    expect(page.locator("h2")).to_have_text("Kết quả trả lời phản ánh, kiến nghị")
    assert page.eval_on_selector("header.top", "e => getComputedStyle(e).backgroundColor") == RED
    assert page.locator("article.card").count() == 20
    page.select_option("select[name=linh_vuc]", "Đất đai")
    page.click("button[type=submit]")
    expect(page.locator("p.lead").nth(1)).to_contain_text("thuộc lĩnh vực “Đất đai”")
    assert page.locator(".tag", has_text="Đất đai").count() == page.locator(".tag").count() > 0
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scrolling
    page.click("a[href='/tra-cuu']")
    page.fill("input[name=ma]", code.lower())
    page.fill("input[name=phone_last4]", last4)
    page.click("button[type=submit]")
    expect(page.locator("section.card h3")).to_have_text(f"Phiếu {code}")
    expect(page.locator("dl.status")).to_contain_text("Đã trả lời")
    assert page.errors == []
    page.fill("input[name=phone_last4]", "0000" if last4 != "0000" else "1111")
    page.click("button[type=submit]")
    expect(page.locator(".notice.error")).to_contain_text("Không tìm thấy phiếu")
    # The miss is answered with status 404, which chromium reports; nothing else.
    assert all("status of 404" in error for error in page.errors)


def test_report_page_for_a_supervisor(server, page):
    base, _, month = server
    page.goto(f"{base}/inbox/reports?month={month}")
    expect(page).to_have_url(f"{base}/inbox/login")
    page.fill("input[name=username]", "giamsat.hoa")
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.goto(f"{base}/inbox/reports?month={month}")
    expect(page.locator(".kpi .value").first).to_have_text("961")
    expect(page.locator(".kpi .value").nth(2)).to_have_text("98,75 %")
    assert page.eval_on_selector(".kpi .value", "e => getComputedStyle(e).color") == RED  # the nonce style applies
    assert page.locator("svg.chart").count() == 6
    assert page.eval_on_selector("svg.chart", "e => e.getBoundingClientRect().width") > 200
    assert page.errors == []
