"""Contract tests of the platform clients and protocol helpers (connectors/zalo.py, facebook.py,
telegram.py, common.py) against a local fake platform that records the exact requests sent."""

import asyncio
import hashlib
import hmac
import json
import threading
import time

import pytest

from connectors.common import (Button, ButtonMemory, PayloadStore, PlatformError, SeenMessages, scrub, split_text,
                               with_retries)
from connectors import facebook, telegram, zalo
from tests.fake_platforms import FakePlatforms


@pytest.fixture()
def fake():
    with FakePlatforms() as server:
        yield server


# --- common --------------------------------------------------------------------------------------


def test_split_text_cuts_on_sentences_within_the_limit():
    text = " ".join(f"Câu số {i} nói về hồ sơ đăng ký thường trú." for i in range(200))
    pieces = split_text(text, 2000)
    assert len(pieces) > 1 and all(len(p) <= 2000 for p in pieces)
    assert all(p.endswith(".") for p in pieces)  # every piece ends a sentence
    assert " ".join(pieces) == text  # nothing lost


def test_split_text_handles_lines_words_and_giant_tokens():
    assert split_text("", 10) == [] and split_text("ngắn", 10) == ["ngắn"]
    lines = "\n".join(f"{i}. Giấy tờ số {i}" for i in range(50))
    assert all(len(p) <= 100 for p in split_text(lines, 100))
    url = "https://dichvucong.gov.vn/" + "x" * 250
    pieces = split_text(url, 100)
    assert all(len(p) <= 100 for p in pieces) and "".join(pieces) == url


def test_seen_messages_takes_an_id_once_across_instances(tmp_path):
    db = tmp_path / "seen.db"
    first, second = SeenMessages(db), SeenMessages(db)
    assert first.first_time("zalo", "m1") is True
    assert second.first_time("zalo", "m1") is False
    assert second.first_time("telegram", "m1") is True  # per channel


def test_seen_messages_is_atomic_under_threads(tmp_path):
    store, wins = SeenMessages(tmp_path / "seen.db"), []
    threads = [threading.Thread(target=lambda: wins.append(store.first_time("facebook", "mid.1"))) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert wins.count(True) == 1


def test_button_memory_maps_numbers_and_titles(tmp_path):
    memory = ButtonMemory(tmp_path / "b.db")
    memory.remember("zalo", "u1", [Button("Cấp hộ chiếu (cấp tỉnh)", "/choose{\"code\":\"1\"}"),
                                   Button("Cấp hộ chiếu (trung ương)", "/choose{\"code\":\"2\"}")])
    assert memory.resolve("zalo", "u1", "2") == "/choose{\"code\":\"2\"}"
    assert memory.resolve("zalo", "u1", " số 1 ") == "/choose{\"code\":\"1\"}"
    assert memory.resolve("zalo", "u1", "cấp hộ chiếu (trung ương)") == "/choose{\"code\":\"2\"}"
    assert memory.resolve("zalo", "u1", "3") is None
    assert memory.resolve("zalo", "u1", "làm hộ chiếu mất bao lâu") is None
    assert memory.resolve("zalo", "other", "1") is None


def test_payload_store_gives_short_keys(tmp_path):
    store = PayloadStore(tmp_path / "p.db")
    long_payload = '/choose_procedure{"procedure_code": "1.001456", "note": "' + "x" * 80 + '"}'
    key = store.key_for(long_payload)
    assert len(key.encode()) <= 64 and store.payload(key) == long_payload


def test_scrub_masks_tokens():
    line = "POST https://api.telegram.org/bot123456:AAH-secret_x/sendMessage access_token=EAAB123&x=1"
    cleaned = scrub(line)
    assert "AAH-secret_x" not in cleaned and "EAAB123" not in cleaned
    assert scrub('{"refresh_token": "r-123", "a": 1}').count("r-123") == 0


def test_with_retries_backs_off_then_gives_up():
    calls, sleeps = [], []

    def flaky():
        calls.append(1)
        raise PlatformError("zalo", -32, "rate limit", retryable=True)

    with pytest.raises(PlatformError):
        with_retries(flaky, attempts=3, base_delay=1.0, sleep=sleeps.append)
    assert len(calls) == 3 and sleeps == [1.0, 2.0]

    def refused():
        calls.append(1)
        raise PlatformError("zalo", -230, "window closed")

    calls.clear()
    with pytest.raises(PlatformError):
        with_retries(refused, sleep=sleeps.append)
    assert len(calls) == 1


# --- Zalo ----------------------------------------------------------------------------------------

APP_ID, OA_SECRET = "4301234567890123456", "oa-secret-key"


def zalo_body(event="user_send_text", text="Xin chào", msg_id="msg-1", ts=None):
    return json.dumps({"app_id": APP_ID, "user_id_by_app": "55", "event_name": event,
                       "timestamp": str(ts if ts is not None else int(time.time() * 1000)),
                       "sender": {"id": "7001234567890123456"}, "recipient": {"id": "2901"},
                       "message": {"msg_id": msg_id, "text": text}}, ensure_ascii=False).encode()


def test_zalo_signature_is_sha256_of_app_id_body_timestamp_secret():
    raw = zalo_body()
    ts = json.loads(raw)["timestamp"]
    header = "mac=" + hashlib.sha256(APP_ID.encode() + raw + ts.encode() + OA_SECRET.encode()).hexdigest()
    assert zalo.signature(APP_ID, raw, ts, OA_SECRET) == header
    assert zalo.signature_ok(raw, header, APP_ID, OA_SECRET) == (True, "")
    assert zalo.signature_ok(raw, header.replace("mac=", "mac=0"), APP_ID, OA_SECRET)[0] is False
    assert zalo.signature_ok(raw, None, APP_ID, OA_SECRET) == (False, "missing signature")
    assert zalo.signature_ok(raw + b" ", header, APP_ID, OA_SECRET)[1] == "bad signature"  # raw bytes count
    assert zalo.signature_ok(raw, header, APP_ID, "app-secret-instead")[0] is False


def test_zalo_refuses_stale_and_foreign_events():
    old = zalo_body(ts=int((time.time() - 3600) * 1000))
    ts = json.loads(old)["timestamp"]
    assert zalo.signature_ok(old, zalo.signature(APP_ID, old, ts, OA_SECRET), APP_ID, OA_SECRET) == (False, "stale event")
    other = json.dumps({"app_id": "999", "timestamp": ts}).encode()
    assert zalo.signature_ok(other, zalo.signature(APP_ID, other, ts, OA_SECRET), APP_ID, OA_SECRET)[1] in (
        "event for another app", "stale event")
    assert zalo.signature_ok(b"not json", "mac=00", APP_ID, OA_SECRET) == (False, "body is not JSON")


def test_zalo_events_are_parsed_by_kind():
    text = zalo.parse_event(json.loads(zalo_body(text="lam ho chieu mat bao lau")))
    assert (text.kind, text.user_id, text.message_id, text.text) == (
        "text", "7001234567890123456", "msg-1", "lam ho chieu mat bao lau")
    for event in ("user_send_image", "user_send_sticker", "user_send_location", "user_send_file"):
        assert zalo.parse_event(json.loads(zalo_body(event=event))).kind == "media"
    follow = zalo.parse_event({"event_name": "follow", "timestamp": "1", "follower": {"id": "77"}})
    assert (follow.kind, follow.user_id) == ("follow", "77")
    for event in ("oa_send_text", "user_seen_message", "user_received_message", "unfollow", "anonymous_send_text"):
        assert zalo.parse_event(json.loads(zalo_body(event=event))).kind == "ignored"
    assert zalo.parse_event({}).kind == "ignored"


def zalo_client(fake, tmp_path, access="access-0", refresh="refresh-0", secret="app-secret"):
    settings = zalo.ZaloSettings(app_id=APP_ID, app_secret=secret, oa_secret_key=OA_SECRET, access_token=access,
                                 refresh_token=refresh, api_base=fake.url, oauth_base=fake.url,
                                 token_file=tmp_path / "zalo-token.json")
    return zalo.ZaloClient(settings, sleep=lambda s: None)


def test_zalo_sends_cs_messages_with_the_access_token_header(fake, tmp_path):
    client = zalo_client(fake, tmp_path)
    long_answer = " ".join(["Hồ sơ gồm tờ khai đề nghị cấp hộ chiếu phổ thông theo mẫu."] * 60)
    ids = client.send_text("7001234567890123456", long_answer)
    sent = fake.sent("/v3.0/oa/message/cs")
    assert len(sent) == len(ids) >= 2
    for request in sent:
        assert request["method"] == "POST" and request["headers"]["access_token"] == "access-0"
        assert "authorization" not in request["headers"] and "access_token" not in request["query"]
        assert request["json"]["recipient"] == {"user_id": "7001234567890123456"}
        assert len(request["json"]["message"]["text"]) <= 2000
    assert " ".join(r["json"]["message"]["text"] for r in sent) == long_answer


def test_zalo_window_errors_are_not_retried_rate_limits_are(fake, tmp_path):
    client = zalo_client(fake, tmp_path)
    fake.script("/oa/message/cs", [(200, {"error": -230, "message": "User has not interacted with the OA in 7 days"})])
    with pytest.raises(PlatformError) as refused:
        client.send_text("u1", "Phiếu PA-2612-000001 đã được xử lý.")
    assert refused.value.code == -230 and len(fake.sent("/oa/message/cs")) == 1
    fake.clear()
    fake.script("/oa/message/cs", [(200, {"error": -32, "message": "limit"}), (502, {})])
    ids = client.send_text("u1", "Xin chào")  # rate limit, then a 502, then accepted
    assert len(ids) == 1 and ids[0].startswith("zmsg") and len(fake.sent("/oa/message/cs")) == 3


def test_zalo_refreshes_an_expiring_token_once_and_saves_the_new_pair(fake, tmp_path):
    client = zalo_client(fake, tmp_path)
    client.tokens._write(zalo.TokenPair("old-access", "refresh-0", time.time() + 60))  # expires in a minute
    client.send_text("u1", "Xin chào")
    refresh = fake.sent("/v4/oa/access_token")
    assert len(refresh) == 1
    assert refresh[0]["headers"]["secret_key"] == "app-secret"
    assert refresh[0]["form"] == {"refresh_token": "refresh-0", "app_id": APP_ID, "grant_type": "refresh_token"}
    saved = json.loads((tmp_path / "zalo-token.json").read_text())
    new_access = saved["access_token"]
    assert new_access.startswith("access-") and saved["refresh_token"].startswith("refresh-")
    assert saved["expires_at"] > time.time() + 24 * 3600
    assert fake.sent("/oa/message/cs")[-1]["headers"]["access_token"] == new_access
    assert (tmp_path / "zalo-token.json").stat().st_mode & 0o777 == 0o600
    # Another process (a second client on the same file) uses the saved pair: no second refresh.
    zalo_client(fake, tmp_path).send_text("u1", "Lần hai")
    assert len(fake.sent("/v4/oa/access_token")) == 1


def test_zalo_concurrent_senders_spend_the_refresh_token_once(fake, tmp_path):
    clients = [zalo_client(fake, tmp_path) for _ in range(2)]  # two "processes"
    clients[0].tokens._write(zalo.TokenPair("old", "refresh-0", time.time() + 10))
    threads = [threading.Thread(target=clients[i % 2].send_text, args=("u1", f"tin {i}")) for i in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(fake.sent("/v4/oa/access_token")) == 1
    assert len(fake.sent("/oa/message/cs")) == 8


def test_zalo_rejected_token_is_refreshed_and_the_message_sent_again(fake, tmp_path):
    client = zalo_client(fake, tmp_path)
    fake.script("/oa/message/cs", [(200, {"error": -216, "message": "Access token is invalid"})])
    client.send_text("u1", "Xin chào")
    sent = fake.sent("/oa/message/cs")
    assert len(sent) == 2 and sent[0]["headers"]["access_token"] == "access-0"
    assert sent[1]["headers"]["access_token"] != "access-0"
    assert len(fake.sent("/v4/oa/access_token")) == 1


def test_zalo_settings_come_from_the_environment(monkeypatch, tmp_path):
    for name in ("ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN", "ZALO_REFRESH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    assert zalo.ZaloSettings.from_env() is None
    monkeypatch.setenv("ZALO_APP_ID", APP_ID)
    monkeypatch.setenv("ZALO_OA_SECRET_KEY", OA_SECRET)
    monkeypatch.setenv("ZALO_REFRESH_TOKEN", "r")
    monkeypatch.setenv("ZALO_API_BASE", "http://127.0.0.1:18081/")
    monkeypatch.setenv("CHANNEL_STATE_DIR", str(tmp_path))
    settings = zalo.ZaloSettings.from_env()
    assert settings.api_base == "http://127.0.0.1:18081" and settings.oauth_base == zalo.OAUTH_BASE


# --- Messenger -----------------------------------------------------------------------------------


def test_messenger_handshake():
    good = {"hub.mode": "subscribe", "hub.verify_token": "verify-me", "hub.challenge": "1158201444"}
    assert facebook.verify_handshake(good, "verify-me") == "1158201444"
    assert facebook.verify_handshake(dict(good, **{"hub.verify_token": "nope"}), "verify-me") is None
    assert facebook.verify_handshake(dict(good, **{"hub.mode": "unsubscribe"}), "verify-me") is None


def test_messenger_signature_is_hmac_sha256_of_the_raw_body():
    raw = '{"object":"page","entry":[{"messaging":[{"message":{"text":"Xin ch\\u00e0o"}}]}]}'.encode()
    header = "sha256=" + hmac.new(b"app-secret", raw, hashlib.sha256).hexdigest()
    assert facebook.signature_ok(raw, header, "app-secret")
    assert not facebook.signature_ok(raw, header, "other")
    assert not facebook.signature_ok(raw, header.replace("sha256=", "sha1="), "app-secret")
    assert not facebook.signature_ok(raw, None, "app-secret")


def test_messenger_events():
    body = {"object": "page", "entry": [
        {"id": "PAGE", "messaging": [
            {"sender": {"id": "psid-1"}, "message": {"mid": "m1", "text": "lệ phí khai sinh"}},
            {"sender": {"id": "psid-1"}, "message": {"mid": "m2", "text": "1. Cấp hộ chiếu…",
                                                      "quick_reply": {"payload": "/choose{\"c\":\"1\"}"}}},
            {"sender": {"id": "PAGE"}, "message": {"mid": "m3", "text": "echo", "is_echo": True}},
            {"sender": {"id": "psid-1"}, "delivery": {"mids": ["m9"], "watermark": 1}},
            {"sender": {"id": "psid-1"}, "read": {"watermark": 1}}]},
        {"id": "PAGE", "messaging": [
            {"sender": {"id": "psid-2"}, "postback": {"mid": "m4", "title": "Bắt đầu", "payload": "/greet"}},
            {"sender": {"id": "psid-2"}, "timestamp": 5,
             "message": {"mid": "m5", "attachments": [{"type": "image", "payload": {"url": "https://x"}}]}}]}]}
    events = facebook.parse_events(body)
    assert [(e.kind, e.text) for e in events] == [
        ("text", "lệ phí khai sinh"), ("text", "/choose{\"c\":\"1\"}"), ("ignored", ""), ("ignored", ""),
        ("ignored", ""), ("text", "/greet"), ("media", "")]
    assert facebook.parse_events({"object": "instagram"}) == [] and facebook.parse_events([1]) == []


def messenger_client(fake):
    settings = facebook.MessengerSettings("verify-me", "app-secret", "PAGE-TOKEN", fake.url, "v25.0")
    return facebook.MessengerClient(settings, sleep=lambda s: None)


def test_messenger_send_api_request(fake):
    client = messenger_client(fake)
    buttons = [Button(f"Thủ tục số {i} có tên rất dài", f"/choose{{\"i\":{i}}}") for i in range(15)]
    client.send_text("psid-1", "Đoạn một. " * 300, quick=facebook.quick_replies(buttons))
    sent = fake.sent("/v25.0/me/messages")
    assert len(sent) == 2
    for request in sent:
        assert request["query"] == {"access_token": "PAGE-TOKEN"}
        assert request["json"]["recipient"] == {"id": "psid-1"} and request["json"]["messaging_type"] == "RESPONSE"
        assert len(request["json"]["message"]["text"]) <= 2000 and "tag" not in request["json"]
    assert "quick_replies" not in sent[0]["json"]["message"]
    quick = sent[1]["json"]["message"]["quick_replies"]
    assert len(quick) == 13 and all(len(q["title"]) <= 20 and q["content_type"] == "text" for q in quick)
    assert quick[0]["payload"] == "/choose{\"i\":0}" and quick[0]["title"].startswith("1. ")


def test_messenger_human_agent_tag(fake):
    messenger_client(fake).send_text("psid-1", "Tổng đài viên trả lời", "MESSAGE_TAG", "HUMAN_AGENT")
    body = fake.sent("/me/messages")[0]["json"]
    assert body["messaging_type"] == "MESSAGE_TAG" and body["tag"] == "HUMAN_AGENT"


def test_messenger_errors(fake):
    client = messenger_client(fake)
    fake.script("/me/messages", [(500, {"error": {"message": "oops", "code": 2}})])
    client.send_text("psid-1", "Xin chào")
    assert len(fake.sent("/me/messages")) == 2  # retried once, then sent
    fake.clear()
    fake.script("/me/messages", [(400, {"error": {"message": "(#10) outside the allowed window", "code": 10}})])
    with pytest.raises(PlatformError) as refused:
        client.send_text("psid-1", "Muộn quá")
    assert refused.value.code == 10 and len(fake.sent("/me/messages")) == 1
    assert "PAGE-TOKEN" not in str(refused.value)


# --- Telegram ------------------------------------------------------------------------------------


def test_telegram_secret_header():
    assert telegram.secret_ok("s3cr3t_token", "s3cr3t_token")
    assert not telegram.secret_ok("wrong", "s3cr3t_token")
    assert not telegram.secret_ok(None, "s3cr3t_token") and not telegram.secret_ok("x", None)


def test_telegram_updates():
    text = {"update_id": 10, "message": {"message_id": 1, "date": 1, "chat": {"id": 111, "type": "private"},
                                         "from": {"id": 111, "is_bot": False, "first_name": "An"},
                                         "text": "lam cccd o dau"}}
    assert telegram.parse_update(text) == telegram.TelegramEvent("text", "111", "10", "lam cccd o dau")
    start = dict(text, message=dict(text["message"], text="/start"))
    assert telegram.parse_update(start).kind == "start"
    photo = {"update_id": 11, "message": {"message_id": 2, "date": 1, "chat": {"id": 111}, "photo": [{}]}}
    assert telegram.parse_update(photo).kind == "media"
    press = {"update_id": 12, "callback_query": {"id": "cb-1", "from": {"id": 111}, "data": "/choose{\"c\":1}",
                                                 "message": {"message_id": 3, "chat": {"id": 111}}}}
    event = telegram.parse_update(press)
    assert (event.kind, event.text, event.callback_query_id, event.user_id) == ("text", "/choose{\"c\":1}", "cb-1", "111")
    assert telegram.parse_update({"update_id": 13, "edited_message": {}}).kind == "ignored"
    assert telegram.parse_update({"nothing": 1}).kind == "ignored" and telegram.parse_update([]).kind == "ignored"


def test_telegram_send_message_and_keyboard(fake, tmp_path):
    settings = telegram.TelegramSettings("123456:ABC-token", "secret", fake.url)
    client = telegram.TelegramClient(settings)
    store = PayloadStore(tmp_path / "p.db")
    long_payload = '/choose_procedure{"procedure_code":"1.001456","level":"province","x":"' + "y" * 40 + '"}'
    keyboard = telegram.inline_keyboard([Button("Cấp hộ chiếu phổ thông", "/a"), Button("Khác", long_payload)],
                                        store.key_for)
    asyncio.run(client.send_text("111", "Câu trả lời. " * 400, keyboard))
    sent = fake.sent("/bot123456:ABC-token/sendMessage")
    assert len(sent) == 2 and all(len(r.payload["text"]) <= 4096 for r in sent)
    assert str(sent[0].payload["chat_id"]) == "111" and "reply_markup" not in sent[0].payload
    markup = sent[1].payload["reply_markup"]
    markup = json.loads(markup) if isinstance(markup, str) else markup
    rows = markup["inline_keyboard"]
    assert rows[0][0] == {"text": "Cấp hộ chiếu phổ thông", "callback_data": "/a"}
    data = rows[1][0]["callback_data"]
    assert len(data.encode()) <= 64 and store.payload(data) == long_payload


def test_telegram_flood_control_is_retried(fake):
    client = telegram.TelegramClient(telegram.TelegramSettings("1:T", None, fake.url), sleep=_no_sleep)
    fake.script("/sendMessage", [(429, {"ok": False, "error_code": 429, "description": "Too Many Requests",
                                        "parameters": {"retry_after": 1}})])
    asyncio.run(client.send_text("111", "Xin chào"))
    assert len(fake.sent("/sendMessage")) == 2
    fake.clear()
    fake.script("/sendMessage", [(403, {"ok": False, "error_code": 403, "description": "Forbidden: bot was blocked"})])
    with pytest.raises(PlatformError):
        asyncio.run(client.send_text("111", "Xin chào"))
    assert len(fake.sent("/sendMessage")) == 1


async def _no_sleep(_seconds):
    return None


def test_telegram_settings_choose_polling_without_a_secret(monkeypatch):
    monkeypatch.delenv("TELEGRAM_SECRET_TOKEN", raising=False)
    monkeypatch.delenv("TELEGRAM_MODE", raising=False)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "1:T")
    assert telegram.TelegramSettings.from_env().polling is True
    monkeypatch.setenv("TELEGRAM_SECRET_TOKEN", "s")
    settings = telegram.TelegramSettings.from_env()
    assert settings.polling is False and settings.api_base == telegram.API_BASE


TOKEN_WORKER = r'''
import sys, threading, time
sys.path.insert(0, sys.argv[1])
from pathlib import Path
from connectors import zalo
settings = zalo.ZaloSettings(app_id="1", app_secret="app-secret", oa_secret_key="k", access_token="old",
                             refresh_token="refresh-0", api_base=sys.argv[2], oauth_base=sys.argv[2],
                             token_file=Path(sys.argv[3]))
client = zalo.ZaloClient(settings, sleep=lambda s: None)
while time.time() < float(sys.argv[4]):  # start together with the other process
    time.sleep(0.005)
threads = [threading.Thread(target=client.send_text, args=("u", "tin")) for _ in range(4)]
[t.start() for t in threads]
[t.join() for t in threads]
'''


def test_zalo_two_processes_spend_the_refresh_token_once(fake, tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    token_file = tmp_path / "zalo-token.json"
    zalo_client(fake, tmp_path).tokens._write(zalo.TokenPair("old", "refresh-0", time.time() + 5))
    root = str(Path(__file__).resolve().parents[2])
    start_at = str(time.time() + 2.0)
    workers = [subprocess.Popen([sys.executable, "-c", TOKEN_WORKER, root, fake.url, str(token_file), start_at])
               for _ in range(2)]
    assert [w.wait(timeout=60) for w in workers] == [0, 0]
    assert len(fake.sent("/v4/oa/access_token")) == 1
    assert len(fake.sent("/oa/message/cs")) == 8
    assert json.loads(token_file.read_text())["refresh_token"] != "refresh-0"


def test_telegram_set_webhook_sends_the_secret(fake):
    client = telegram.TelegramClient(telegram.TelegramSettings("1:T", "tg_secret-9", fake.url))
    asyncio.run(client.set_webhook("https://1022.example.gov.vn/webhooks/telegram/webhook"))
    sent = fake.sent("/bot1:T/setWebhook")[0].payload
    assert sent["url"] == "https://1022.example.gov.vn/webhooks/telegram/webhook"
    assert sent["secret_token"] == "tg_secret-9"
    allowed = sent["allowed_updates"]
    assert "callback_query" in (json.loads(allowed) if isinstance(allowed, str) else allowed)
    with pytest.raises(SystemExit):  # webhook mode needs the secret
        asyncio.run(telegram.TelegramClient(telegram.TelegramSettings("1:T", None, fake.url)).set_webhook("https://x"))
