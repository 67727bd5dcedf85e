"""Public status look-up: no personal data, the same 404 for every miss, rate-limited."""

from fastapi.testclient import TestClient

from backend.app.main import create_app
from tests.backend.conftest import make_settings
from tests.backend.test_tickets_api import COMPLAINT, create

PERSONAL_VALUES = ("Nguyễn Thị Lan", "0912345678", "912 345 678", "Ba cột đèn", "12 Trần Phú", "zalo:123456",
                   "đèn đường hỏng", "Đèn đường hỏng")
NOT_FOUND = {"error": "ticket_not_found",
             "message": "Không tìm thấy phiếu với mã và số điện thoại đã nhập. Vui lòng kiểm tra lại."}


def test_public_lookup_without_personal_data(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    r = client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"})
    assert r.status_code == 200
    body = r.json()
    assert body["code"] == code and body["status"] == "received" and body["status_label"] == "Đã tiếp nhận"
    assert set(body) == {"code", "status", "status_label", "overdue", "display_label", "kind", "kind_label",
                         "field", "agency", "created_at", "updated_at", "due_at", "latest_reply"}
    for value in PERSONAL_VALUES:
        assert value not in r.text


def test_public_lookup_misses_look_the_same(client, bot_headers):
    code = create(client, bot_headers).json()["code"]
    no_phone = create(client, bot_headers, {**COMPLAINT, "citizen_phone": None}).json()["code"]
    for path, digits in ((code, "5679"), ("PA-2612-000000", "5678"), ("garbage", "5678"), (no_phone, "0000")):
        r = client.get(f"/api/public/tickets/{path}", params={"phone_last4": digits})
        assert r.status_code == 404 and r.json() == NOT_FOUND
    for bad in ("567", "56789", "abcd"):
        assert client.get(f"/api/public/tickets/{code}", params={"phone_last4": bad}).status_code == 422
    assert client.get(f"/api/public/tickets/{code}").status_code == 422


def test_public_lookup_is_rate_limited(database_url, bot_headers):
    settings = make_settings(database_url, public_lookup_rate_limit=3, public_lookup_rate_window_s=60)
    with TestClient(create_app(settings)) as client:
        code = create(client, bot_headers).json()["code"]
        statuses = [client.get(f"/api/public/tickets/{code}", params={"phone_last4": "0000"}).status_code
                    for _ in range(3)]
        assert statuses == [404, 404, 404]
        r = client.get(f"/api/public/tickets/{code}", params={"phone_last4": "5678"})
        assert r.status_code == 429
        assert r.json()["error"] == "too_many_requests"
        assert 1 <= int(r.headers["retry-after"]) <= 60
        # The bot's own API is not limited by the public one.
        assert client.get(f"/api/tickets/{code}", headers=bot_headers).status_code == 200
