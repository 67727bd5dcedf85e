"""The hand-off in a real browser (Debian's chromium driven by playwright): a citizen's message sent
through the bot API appears on the open ticket page without a reload (the page's script, under
the Content-Security-Policy), then the operator hands the conversation back. Skipped only when
/usr/bin/chromium is missing."""

from __future__ import annotations

from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = pytest.mark.skipif(not CHROMIUM.exists(), reason="Debian's chromium is not installed at /usr/bin/chromium")

from fastapi.testclient import TestClient  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402

from backend.app.main import create_app  # noqa: E402
from tests.backend.conftest import BOT_TOKEN, make_settings, served_in_thread  # noqa: E402
from tests.backend.staff import PASSWORD, add_user  # noqa: E402
from tests.backend.test_handoff_api import CHAT  # noqa: E402


def test_citizen_messages_appear_live_and_hand_back(tmp_path):
    app = create_app(make_settings(f"sqlite:///{tmp_path / 'backend.db'}"))
    headers = {"Authorization": f"Bearer {BOT_TOKEN}"}
    with served_in_thread(app) as base, TestClient(app, base_url=base) as api:
        add_user(api, "tongdai.lan", "operator", display_name="Nguyễn Thị Lan")
        code = api.post("/api/tickets", json=CHAT, headers=headers).json()["code"]
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
            try:
                page = browser.new_page()
                errors = []
                page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
                page.on("pageerror", lambda e: errors.append(str(e)))
                page.goto(f"{base}/inbox/login")
                page.fill("input[name=username]", "tongdai.lan")
                page.fill("input[name=password]", PASSWORD)
                page.click("button[type=submit]")
                expect(page).to_have_url(f"{base}/inbox")
                page.goto(f"{base}/inbox/tickets/{code}")
                expect(page.locator("#citizen-messages-empty")).to_be_visible()
                r = api.post(f"/api/tickets/{code}/citizen-messages",
                             json={"text": "Đèn vẫn chưa sáng <b>ạ</b>", "message_id": "m1"}, headers=headers)
                assert r.status_code == 201
                item = page.locator("#citizen-messages .message-citizen")
                expect(item).to_have_count(1, timeout=15_000)
                expect(item.first).to_contain_text("Đèn vẫn chưa sáng <b>ạ</b>")  # as text, not markup
                expect(page.locator("#citizen-messages-empty")).to_be_hidden()
                api.post(f"/api/tickets/{code}/citizen-messages", json={"text": "Alo"}, headers=headers)
                expect(item).to_have_count(2, timeout=15_000)
                page.get_by_role("button", name="Trả lại cho trợ lý ảo").click()
                expect(page.get_by_role("status")).to_contain_text("Đã trả cuộc trò chuyện cho trợ lý ảo")
                expect(page.get_by_text("Trợ lý ảo đang phụ trách cuộc trò chuyện.")).to_be_visible()
                expect(page.locator("#citizen-messages .message-citizen")).to_have_count(2)
                assert errors == [], errors
            finally:
                browser.close()
