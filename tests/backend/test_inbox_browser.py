"""The operator inbox in a real browser (Debian's chromium driven by playwright): log in, the
queue, a ticket, a canned reply copied by the page's script and sent, forwarding, the manual entry
form, on a laptop and a phone-sized window, with the page's Content-Security-Policy in force (no
console errors). The backend runs in a thread on a free port with a SQLite database. Skipped only
when /usr/bin/chromium is missing; no browser is ever downloaded."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from backend.app.main import create_app  # noqa: E402
from tests.backend.conftest import BOT_TOKEN, make_settings, served_in_thread  # noqa: E402
from tests.backend.staff import PASSWORD, add_agency, add_user  # noqa: E402
from tests.backend.test_tickets_api import COMPLAINT  # noqa: E402

SCREENSHOTS = os.environ.get("INBOX_SCREENSHOTS")  # a folder to keep screenshots in (for people)


@pytest.fixture
def server(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'backend.db'}"))
    with served_in_thread(app) as base:
        with TestClient(app, base_url=base) as setup:  # same app, same database
            headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
            add_agency(setup, headers, "SXD", "Sở Xây dựng")
            add_user(setup, "tongdai.lan", "operator", display_name="Nguyễn Thị Lan")
            code = setup.post("/api/tickets", json=COMPLAINT, headers=headers).json()["code"]
        yield base, code


def _shot(page, name):
    if SCREENSHOTS:
        Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)


@pytest.mark.parametrize("viewport", [{"width": 1280, "height": 800}, {"width": 390, "height": 844}],
                         ids=["laptop", "phone"])
def test_inbox_in_a_browser(server, viewport):
    base, code = server
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        try:
            page = browser.new_page(viewport=viewport)
            errors = []
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(f"{base}/inbox")
            expect(page).to_have_url(f"{base}/inbox/login")
            page.fill("input[name=username]", "tongdai.lan")
            page.fill("input[name=password]", "sai-mat-khau-123")
            page.click("button[type=submit]")
            expect(page.get_by_role("alert")).to_contain_text("Tên đăng nhập hoặc mật khẩu không đúng.")
            page.fill("input[name=password]", PASSWORD)
            page.click("button[type=submit]")
            expect(page).to_have_url(f"{base}/inbox")
            expect(page.locator("h1")).to_contain_text("Danh sách phiếu")
            expect(page.get_by_text("Nguyễn Thị Lan · Tổng đài viên")).to_be_visible()
            _shot(page, f"queue-{viewport['width']}")

            page.click(f"a[href='/inbox/tickets/{code}']")
            expect(page.locator("h1")).to_contain_text(code)
            expect(page.get_by_text("0912345678")).to_be_visible()
            page.select_option("#canned", label="Đã tiếp nhận")
            expect(page.locator("#reply-text")).to_have_value(
                "Tổng đài 1022 đã tiếp nhận phản ánh của Anh/Chị và đang chuyển tới cơ quan có thẩm quyền "
                "xem xét, xử lý. Kết quả sẽ được thông báo tới Anh/Chị trong thời gian sớm nhất.")
            page.locator("#reply-text").fill(page.locator("#reply-text").input_value() + " Trân trọng.")
            page.uncheck("input[name=mark_answered]")
            page.click("#reply-form button[type=submit]")
            expect(page.get_by_role("status")).to_contain_text("Đã gửi trả lời cho công dân.")
            expect(page.locator(".message-reply")).to_contain_text("Trân trọng.")
            page.select_option("select[name=agency_code]", "SXD")
            page.get_by_role("button", name="Chuyển phiếu").click()
            expect(page.get_by_role("status")).to_contain_text("Đã chuyển phiếu tới cơ quan xử lý.")
            expect(page.locator("h1 .status")).to_have_text("Đã chuyển cơ quan xử lý")
            _shot(page, f"ticket-{viewport['width']}")

            page.goto(f"{base}/inbox/new")
            page.select_option("select[name=channel]", "phone")
            page.fill("input[name=summary]", "Hỏi lệ phí cấp đổi giấy phép lái xe")
            page.fill("input[name=citizen_phone]", "0987 654 321")
            page.get_by_role("button", name="Tạo phiếu").click()
            expect(page.get_by_role("status")).to_contain_text("Đã tạo phiếu.")
            expect(page.get_by_text("Điện thoại").first).to_be_visible()
            assert "0987" not in page.url

            page.get_by_role("button", name="Đăng xuất").click()
            expect(page).to_have_url(f"{base}/inbox/login")
            # No CSP violations, no script errors, no missing files (the wrong password's 401 aside).
            assert [e for e in errors if "status of 401" not in e] == [], errors
        finally:
            browser.close()
