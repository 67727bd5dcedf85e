"""The monthly report page and CSV: supervisors only; figures, charts and CSV from the database."""

import csv
import io
import re
from datetime import datetime, timezone

import pytest
from fastapi.testclient import TestClient

from backend import seed as seed_module
from backend.app.main import create_app
from tests.backend.conftest import make_settings
from tests.backend.staff import add_user, db, login
from tests.backend.test_tickets_api import COMPLAINT, create

SEED_NOW = datetime(2026, 12, 10, 3, 0, tzinfo=timezone.utc)


@pytest.fixture
def users(client, bot_headers):
    assert client.post("/api/agencies", json={"code": "STP", "name": "Sở Tư pháp"},
                       headers=bot_headers).status_code == 201
    add_user(client, "giamsat.hoa", "supervisor")
    add_user(client, "tongdai.lan", "operator")
    add_user(client, "stp.minh", "agency_staff", "STP")


def browser_as(client, username):
    browser = TestClient(client.app)
    login(browser, username)
    return browser


def test_only_supervisors_see_reports(client, users, bot_headers):
    for path in ("/inbox/reports?month=2026-11", "/inbox/reports.csv?month=2026-11"):
        r = TestClient(client.app).get(path, follow_redirects=False)
        assert r.status_code == 303 and r.headers["location"] == "/inbox/login"
        # The bot's token is not a supervisor.
        r = client.get(path, headers=bot_headers, follow_redirects=False)
        assert r.status_code == 303
        for username in ("tongdai.lan", "stp.minh"):
            r = browser_as(client, username).get(path, follow_redirects=False)
            assert r.status_code == 403, (username, path)
            assert "Báo cáo" not in r.text and "Tổng lượt tiếp nhận" not in r.text
        assert browser_as(client, "giamsat.hoa").get(path).status_code == 200


def test_report_page_and_csv_from_tickets(client, users, bot_headers):
    now_month = datetime.now(timezone.utc).astimezone(seed_module.VIETNAM_TZ).strftime("%Y-%m")
    code = create(client, bot_headers, {**COMPLAINT, "field": "Hộ tịch <i>"}).json()["code"]
    client.post(f"/api/tickets/{code}/replies", json={"text": "Đã trả lời"}, headers=bot_headers)
    client.post(f"/api/tickets/{code}/status", json={"status": "answered"}, headers=bot_headers)
    create(client, bot_headers, {**COMPLAINT, "channel": "phone"})
    browser = browser_as(client, "giamsat.hoa")
    r = browser.get("/inbox/reports", params={"month": now_month})
    assert r.status_code == 200
    html = r.text
    assert f"Báo cáo tháng {now_month[5:]}/{now_month[:4]}" in html
    assert re.search(r'<span class="value">2</span><span class="label">Tổng lượt tiếp nhận', html)
    assert "50,00 %" in html and html.count("<svg") == 6
    assert "Hộ tịch &lt;i&gt;" in html and "Hộ tịch <i>" not in html
    csp = r.headers["content-security-policy"]
    nonce = re.search(r"'nonce-([^']+)'", csp)[1]
    assert f'<style nonce="{nonce}">' in html and "unsafe-inline" not in csp
    assert f'href="/inbox/reports.csv?month={now_month}"' in html

    r = browser.get("/inbox/reports.csv", params={"month": now_month})
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    assert f'filename="bao-cao-1022-{now_month}.csv"' in r.headers["content-disposition"]
    assert r.content.startswith(b"\xef\xbb\xbf")
    rows = {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(r.content.decode("utf-8-sig")))}
    assert rows[("Tổng hợp", "Tổng lượt tiếp nhận")] == "2" and rows[("Tổng hợp", "Tỷ lệ xử lý (%)")] == "50.00"
    assert rows[("Nhóm kênh", "Cuộc gọi")] == "1" and rows[("Nhóm kênh", "Chatbot")] == "1"

    assert browser.get("/inbox/reports", params={"month": "2026-13"}).status_code == 422
    assert browser.get("/inbox/reports.csv", params={"month": "x"}).status_code == 422
    assert browser.get("/inbox/reports").status_code == 200  # last month by default


def test_report_of_the_seeded_showcase_month(tmp_path):
    database_url = f"sqlite:///{tmp_path / 'seeded.db'}"
    with TestClient(create_app(make_settings(database_url))) as client:
        with db(client) as session:
            seed_module.seed(session, showcase=(2026, 11), now=SEED_NOW, with_users=False)
        add_user(client, "giamsat.hoa", "supervisor")
        browser = browser_as(client, "giamsat.hoa")
        html = browser.get("/inbox/reports", params={"month": "2026-11"}).text
        for value, label in (("961", "Tổng lượt tiếp nhận"), ("949", "Đã xử lý"), ("98,75 %", "Tỷ lệ xử lý")):
            assert re.search(rf'<span class="value">{re.escape(value)}</span><span class="label">{label}', html)
        assert 'data-value="434"' in html and 'data-value="500"' in html
        rows = {(row[0], row[1]): row[2] for row in csv.reader(io.StringIO(
            browser.get("/inbox/reports.csv", params={"month": "2026-11"}).content.decode("utf-8-sig")))}
        assert (rows[("Nhóm kênh", "Cuộc gọi")], rows[("Nhóm kênh", "Chatbot")], rows[("Nhóm kênh", "Email")],
                rows[("Nhóm kênh", "Web/App")]) == ("434", "500", "15", "12")
        assert rows[("Tổng hợp", "Tỷ lệ xử lý (%)")] == "98.75"
        # The public page shows the seeded answers, without personal data.
        public = client.get("/ket-qua").text
        assert "Có " in public and "0900" not in public and "Văn A" not in public
