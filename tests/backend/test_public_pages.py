"""Public pages: answered tickets without personal data (/ket-qua), the status look-up form (/tra-cuu)
sharing the JSON API's rate limit; strict Content-Security-Policy; everything escaped."""

import re

from fastapi.testclient import TestClient

from backend.app.main import create_app
from tests.backend.conftest import make_settings
from tests.backend.test_tickets_api import COMPLAINT, create

SECRET_ANSWER = ("Đã sửa 3 cột đèn trước số 12 đường Trần Phú. Mọi thắc mắc liên hệ ông Bình 0987 654 321 "
                 "hoặc binh.nguyen@example.vn.")


def answer(client, headers, code, text, status="answered"):
    assert client.post(f"/api/tickets/{code}/assign", json={"agency_code": "SXD"}, headers=headers).status_code == 200
    assert client.post(f"/api/tickets/{code}/replies", json={"text": text}, headers=headers).status_code == 201
    assert client.post(f"/api/tickets/{code}/status", json={"status": status}, headers=headers).status_code == 200


def setup_tickets(client, headers):
    r = client.post("/api/agencies", json={"code": "SXD", "name": "Sở Xây dựng"}, headers=headers)
    assert r.status_code == 201, r.text
    published = create(client, headers, {**COMPLAINT, "summary": "Đèn đường hỏng, gọi 0912345678 để biết thêm"}).json()["code"]
    answer(client, headers, published, SECRET_ANSWER)
    closed = create(client, headers, {**COMPLAINT, "field": "Môi trường", "summary": "Rác <b>tồn đọng</b> & mùi hôi"}).json()["code"]
    answer(client, headers, closed, "Đã thu gom <script>alert(1)</script>", status="closed")
    waiting = create(client, headers, {**COMPLAINT, "summary": "Phiếu chưa trả lời"}).json()["code"]
    no_reply = create(client, headers, {**COMPLAINT, "summary": "Đóng mà không trả lời"}).json()["code"]
    assert client.post(f"/api/tickets/{no_reply}/status", json={"status": "closed"}, headers=headers).status_code == 200
    return published, closed, waiting


def assert_strict_page(r):
    assert r.headers["content-type"].startswith("text/html")
    csp = r.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp and "unsafe-inline" not in csp
    nonce = re.search(r"'nonce-([^']+)'", csp)[1]
    assert f'<style nonce="{nonce}">' in r.text
    assert "<script" not in r.text and "http://" not in r.text and "https://" not in r.text
    assert '<html lang="vi">' in r.text and 'name="viewport"' in r.text


def test_results_page_publishes_answers_without_personal_data(client, bot_headers):
    published, closed, waiting = setup_tickets(client, bot_headers)
    r = client.get("/ket-qua")
    assert r.status_code == 200
    assert_strict_page(r)
    html = r.text
    assert "Kết quả trả lời phản ánh, kiến nghị" in html and "Có 2 kết quả" in html
    assert "Đèn đường hỏng, gọi [đã ẩn] để biết thêm" in html
    assert "Đã sửa 3 cột đèn trước [đã ẩn]. Mọi thắc mắc liên hệ ông Bình [đã ẩn] hoặc [đã ẩn]." in html
    assert "Sở Xây dựng" in html and "Giao thông" in html
    # Escaped, never markup.
    assert "&lt;script&gt;" in html and "<script>" not in html and "Rác &lt;b&gt;tồn đọng&lt;/b&gt; &amp; mùi hôi" in html
    for personal in ("Nguyễn Thị Lan", "0912345678", "0987 654 321", "example.vn", "12 Trần Phú", "zalo:123456",
                     "Ba cột đèn", "đèn đường hỏng", published, closed, waiting):
        assert personal not in html
    assert "Phiếu chưa trả lời" not in html and "Đóng mà không trả lời" not in html
    # Newest answer first.
    assert html.index("Rác") < html.index("Đèn đường hỏng, gọi")


def test_results_filter_and_pages(client, bot_headers):
    setup_tickets(client, bot_headers)
    r = client.get("/ket-qua", params={"linh_vuc": "Môi trường"})
    assert "Có 1 kết quả thuộc lĩnh vực “Môi trường”" in r.text and "Đèn đường hỏng" not in r.text
    assert '<option value="Môi trường" selected>' in r.text
    r = client.get("/ket-qua", params={"linh_vuc": "Không có"})
    assert r.status_code == 200 and "Chưa có kết quả nào được công khai" in r.text
    for i in range(21):
        code = create(client, bot_headers, {**COMPLAINT, "field": "Hộ tịch", "summary": f"Hỏi hộ tịch số {i:02d}"}).json()["code"]
        answer(client, bot_headers, code, f"Trả lời {i:02d}")
    first = client.get("/ket-qua", params={"linh_vuc": "Hộ tịch"}).text
    assert "Có 21 kết quả" in first and "Trang 1/2" in first and first.count('class="card"') == 20
    assert 'href="/ket-qua?page=2&amp;linh_vuc=H%E1%BB%99+t%E1%BB%8Bch"' in first
    second = client.get("/ket-qua", params={"linh_vuc": "Hộ tịch", "page": 2}).text
    assert second.count('class="card"') == 1 and "Hỏi hộ tịch số 00" in second
    assert client.get("/ket-qua", params={"page": 0}).status_code == 422
    assert client.get("/ket-qua", params={"page": 99}).status_code == 200  # clamped to the last page


def test_lookup_form_shows_what_the_json_api_shows(client, bot_headers):
    published, _, waiting = setup_tickets(client, bot_headers)
    empty = client.get("/tra-cuu")
    assert empty.status_code == 200 and "Tra cứu tình trạng phiếu tiếp nhận" in empty.text
    assert_strict_page(empty)
    r = client.get("/tra-cuu", params={"ma": published.lower().replace("-", " "), "phone_last4": "5678"})
    assert r.status_code == 200
    assert_strict_page(r)
    api = client.get(f"/api/public/tickets/{published}", params={"phone_last4": "5678"}).json()
    assert f"Phiếu {published}" in r.text and api["display_label"] == "Đã trả lời" and "Đã trả lời" in r.text
    assert "Sở Xây dựng" in r.text and "Phản ánh, kiến nghị" in r.text and "Hạn trả lời" in r.text
    # The citizen's own ticket: the latest reply as the API gives it.
    assert "0987 654 321" in api["latest_reply"]["text"] and "0987 654 321" in r.text
    for personal in ("Nguyễn Thị Lan", "0912345678", "12 Trần Phú", "zalo:123456", "Ba cột đèn", "5678"):
        assert personal not in r.text
    r = client.get("/tra-cuu", params={"ma": waiting, "phone_last4": "5678"})
    assert "Đã tiếp nhận" in r.text and "Phiếu chưa có nội dung trả lời" in r.text


def test_lookup_misses_look_the_same(client, bot_headers):
    published, _, _ = setup_tickets(client, bot_headers)
    message = "Không tìm thấy phiếu với mã và số điện thoại đã nhập. Vui lòng kiểm tra lại."
    for code, digits in ((published, "0000"), ("PA-2612-000000", "5678"), ("<b>x</b>", "5678")):
        r = client.get("/tra-cuu", params={"ma": code, "phone_last4": digits})
        assert r.status_code == 404 and message in r.text and "Phiếu PA" not in r.text
    assert "&lt;b&gt;x&lt;/b&gt;" in client.get("/tra-cuu", params={"ma": "<b>x</b>", "phone_last4": "1"}).text
    bad = client.get("/tra-cuu", params={"ma": published, "phone_last4": "12a4"})
    assert bad.status_code == 422 and "4 chữ số cuối" in bad.text


def test_lookup_page_shares_the_api_rate_limit(database_url, bot_headers):
    with TestClient(create_app(make_settings(database_url, public_lookup_rate_limit=3))) as client:
        code = create(client, bot_headers).json()["code"]
        assert client.get(f"/api/public/tickets/{code}", params={"phone_last4": "0000"}).status_code == 404
        assert client.get("/tra-cuu", params={"ma": code, "phone_last4": "0000"}).status_code == 404
        assert client.get("/tra-cuu", params={"ma": code, "phone_last4": "0001"}).status_code == 404
        r = client.get("/tra-cuu", params={"ma": code, "phone_last4": "5678"})
        assert r.status_code == 429 and "quá nhiều lần" in r.text and int(r.headers["retry-after"]) >= 1
        assert client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"}).status_code == 429
        assert client.get("/tra-cuu").status_code == 200  # the empty form is not a look-up


def test_demo_page_links_the_public_pages(client):
    html = client.get("/").text
    assert '<a href="/ket-qua">' in html and '<a href="/tra-cuu">' in html
