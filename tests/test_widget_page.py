"""The widget demo page and the widget's files, served by the backend (no Rasa, no browser)."""

import re

import pytest
from fastapi.testclient import TestClient

from backend.app.config import Settings
from backend.app.main import create_app
from backend.app.routers.pages import WIDGET_DIR


def client(rasa_url: str = "http://localhost:5105") -> TestClient:
    return TestClient(create_app(Settings(load_knowledge_base=False, rasa_public_url=rasa_url)))


def test_demo_page_embeds_the_widget_with_one_script_tag():
    r = client().get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    html = r.text
    assert '<html lang="vi">' in html and "Cổng thông tin điện tử tỉnh" in html
    tags = re.findall(r"<script\b[^>]*>", html)
    assert tags == ['<script src="/widget/widget.js" data-rasa-url="http://localhost:5105" defer>']
    # The page tells a province's IT team what to paste: the same tag with this server's address.
    assert ("&lt;script src=&quot;http://testserver/widget/widget.js&quot; "
            "data-rasa-url=&quot;http://localhost:5105&quot; defer&gt;&lt;/script&gt;") in html
    # A strict policy the widget must live with: no inline script, Rasa as the only other origin.
    csp = r.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "connect-src 'self' http://localhost:5105 ws://localhost:5105;" in csp


def test_rasa_url_comes_from_the_settings_and_the_environment(monkeypatch):
    assert 'data-rasa-url="https://chat.example.gov.vn"' in client("https://chat.example.gov.vn").get("/").text
    assert Settings().rasa_public_url == "http://localhost:5005"
    monkeypatch.setenv("RASA_PUBLIC_URL", "https://bot.tinh.gov.vn/")
    assert Settings.from_env().rasa_public_url == "https://bot.tinh.gov.vn"
    monkeypatch.delenv("RASA_PUBLIC_URL")
    assert Settings.from_env().rasa_public_url == "http://localhost:5005"


def test_rasa_url_is_escaped_everywhere():
    evil = 'http://x.vn/"><script>alert(1)</script>'
    r = client(evil).get("/")
    assert "<script>alert(1)" not in r.text
    assert 'data-rasa-url="http://x.vn/&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"' in r.text
    # The policy lists only the origin, never the rest of the URL.
    assert "connect-src 'self' http://x.vn ws://x.vn;" in r.headers["content-security-policy"]
    assert "<" not in r.headers["content-security-policy"]
    odd = client("http://x.vn; script-src *").get("/")
    assert "connect-src 'self' ;" in odd.headers["content-security-policy"]


@pytest.mark.parametrize("name, content_type", [("widget.js", "text/javascript; charset=utf-8"),
                                                 ("widget.css", "text/css; charset=utf-8")])
def test_assets_are_served_with_content_type_and_caching(name, content_type):
    c = client()
    r = c.get(f"/widget/{name}")
    assert r.status_code == 200
    assert r.headers["content-type"] == content_type
    assert r.content == (WIDGET_DIR / name).read_bytes()
    assert r.headers["cache-control"] == "public, max-age=300"
    assert r.headers["x-content-type-options"] == "nosniff"
    again = c.get(f"/widget/{name}", headers={"If-None-Match": r.headers["etag"]})
    assert again.status_code == 304 and not again.content


@pytest.mark.parametrize("path", ["/widget/../main.py", "/widget/..%2Fconfig.py", "/widget/%2e%2e%2fpages.py",
                                  "/widget/..%2F..%2F..%2FMakefile", "/widget/rasa_channels.py",
                                  "/widget/widget.js.bak", "/widget/", "/widget/.%2Fwidget.js"])
def test_nothing_else_is_reachable(path):
    r = client().get(path)
    assert r.status_code == 404
    assert "import" not in r.text


def test_widget_text_is_vietnamese_and_bot_text_is_never_html():
    js = (WIDGET_DIR / "widget.js").read_text(encoding="utf-8")
    for text in ("Tổng đài 1022", "Nhập câu hỏi của Anh/Chị...", "Gửi", "Trợ lý đang trả lời...",
                 "Đang kết nối lại...", "Bắt đầu lại"):
        assert f'"{text}"' in js
    # innerHTML is used once, for the static launcher icon; messages are built node by node.
    assert js.count("innerHTML") == 1 and "launcher.innerHTML = ICON_CHAT" in js
    assert "insertAdjacentHTML" not in js and "eval(" not in js
