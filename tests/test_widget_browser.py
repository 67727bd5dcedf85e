"""The chat widget in a real browser, against the real processes.

scripts/run.py starts the action server, Rasa and the backend on free ports (as `make run` does);
Debian's chromium, driven by playwright, opens the demo page, chats through the widget (Rasa's
socketio channel) and reloads the page. Skipped only when /usr/bin/chromium is missing: `make test`
installs it first (`make browser`). No browser is ever downloaded.
"""

from __future__ import annotations

import contextlib
import os
import re
import socket
import subprocess
import time
from pathlib import Path

import pytest

from tests.stack import healthy, stop_supervisor

ROOT = Path(__file__).resolve().parent.parent
APP_PY = ROOT / ".venv" / "app" / "bin" / "python"
CHROMIUM = Path("/usr/bin/chromium")
START_TIMEOUT = 300  # seconds; Rasa loads its model in about 40 s on 2 cores
REPLY_TIMEOUT = 60_000  # milliseconds

pytestmark = [pytest.mark.skipif(not CHROMIUM.exists(),
                                reason="Debian's chromium is not installed at /usr/bin/chromium (`make browser` installs it)")]

from playwright.sync_api import TimeoutError as PlaywrightTimeout  # noqa: E402
from playwright.sync_api import expect, sync_playwright  # noqa: E402


def free_ports(n: int) -> list[int]:
    sockets = [socket.socket() for _ in range(n)]
    try:
        for s in sockets:
            s.bind(("127.0.0.1", 0))
        return [s.getsockname()[1] for s in sockets]
    finally:
        for s in sockets:
            s.close()


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("widget-stack")
    rasa, actions, backend = free_ports(3)
    env = dict(os.environ, PYTHONPATH=str(ROOT), RASA_PORT=str(rasa), ACTION_SERVER_PORT=str(actions),
               BACKEND_PORT=str(backend), RASA_TRACKER_DB=str(tmp / "tracker.db"),
               DATABASE_URL=f"sqlite:///{tmp / 'backend.db'}")
    env.pop("RASA_PUBLIC_URL", None)  # run.py derives it from RASA_PORT
    log = tmp / "run.log"
    started = time.monotonic()
    with open(log, "wb") as out:
        proc = subprocess.Popen([str(APP_PY), str(ROOT / "scripts" / "run.py")], cwd=ROOT, env=env,
                                stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        urls = [f"http://127.0.0.1:{backend}/health", f"http://127.0.0.1:{actions}/health",
                f"http://127.0.0.1:{rasa}/webhooks/socketio/"]
        while not all(healthy(u) for u in urls):
            if proc.poll() is not None or time.monotonic() - started > START_TIMEOUT:
                pytest.fail(f"the services did not start; run.py log:\n{log.read_text(errors='replace')[-4000:]}")
            time.sleep(1)
        yield {"url": f"http://localhost:{backend}/", "log": log, "startup_s": time.monotonic() - started}
    finally:
        stop_supervisor(proc)


# Notes whether the typing indicator appears (the bot may answer within a few milliseconds).
WATCH_TYPING = """() => {
  const typing = document.querySelector('#td1022-widget').shadowRoot.querySelector('.td1022-typing');
  window.typingSeen = false;
  if (window.typingObserver) window.typingObserver.disconnect();
  window.typingObserver = new MutationObserver(() => { if (!typing.hidden) window.typingSeen = true; });
  window.typingObserver.observe(typing, {attributes: true, attributeFilter: ['hidden']});
}"""


class Chat:
    """The widget on a page, seen as a citizen sees it."""

    def __init__(self, page, timings: dict):
        self.page, self.timings = page, timings
        self.bot = page.locator(".td1022-msg--bot")
        self.user = page.locator(".td1022-msg--user")
        self.typing = page.locator(".td1022-typing")

    def wait_bot(self, count: int, label: str, since: float):
        """Wait for bot message number `count` (0-based) and note how long it took."""
        try:
            self.page.wait_for_function("n => document.querySelector('#td1022-widget').shadowRoot"
                                        ".querySelectorAll('.td1022-msg--bot').length > n",
                                        arg=count, timeout=REPLY_TIMEOUT)
        except PlaywrightTimeout:
            pytest.fail(f"{label}: no bot message reached the widget within {REPLY_TIMEOUT // 1000} s")
        self.timings[label] = round(time.monotonic() - since, 2)
        return self.bot.nth(count)

    def open(self, label: str):
        """Open the widget on a loaded page and wait for the bot's greeting."""
        since = time.monotonic()
        self.page.get_by_role("button", name=OPEN_WIDGET).click()
        expect(self.page.get_by_role("dialog", name="Tổng đài 1022")).to_be_visible()
        return self.wait_bot(0, label, since)

    def ask(self, text: str, label: str):
        """Type a question, press Enter, return the first reply bubble."""
        n = self.bot.count()
        self.page.evaluate(WATCH_TYPING)
        self.page.get_by_label("Câu hỏi của Anh/Chị").fill(text)
        since = time.monotonic()
        self.page.keyboard.press("Enter")
        expect(self.user.last).to_contain_text(text)
        reply = self.wait_bot(n, label, since)
        assert self.page.evaluate("() => window.typingSeen"), "the typing indicator showed while the bot answered"
        expect(self.typing).to_be_hidden()
        return reply

    def click(self, title: str, label: str):
        """Click a quick reply: its title becomes the citizen's message; return the first reply."""
        n = self.bot.count()
        since = time.monotonic()
        self.page.locator(".td1022-quick-btn", has_text=title).first.click()
        expect(self.user.last).to_contain_text(title)
        return self.wait_bot(n, label, since)


SESSION_ID = "() => Object.keys(localStorage).filter(k => k.endsWith(':session')).map(k => localStorage.getItem(k))"
OPEN_WIDGET = "Mở cửa sổ hỏi đáp với Tổng đài 1022"


@pytest.fixture(scope="module")
def timings(stack):
    times = {"startup": round(stack["startup_s"], 1)}
    yield times
    print(f"\nbrowser test timings (s): {times}")


@pytest.fixture(scope="module")
def browser():
    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=str(CHROMIUM), args=["--no-sandbox"])
        yield chromium
        chromium.close()


@contextlib.contextmanager
def watched(page, stack, tmp_path):
    """Fail on script errors and CSP violations; on failure, keep a screenshot and the services' log."""
    errors: list[str] = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: "Content Security Policy" in m.text and errors.append(m.text))
    try:
        yield
        assert not errors, errors
    except BaseException:
        page.screenshot(path=str(tmp_path / "failure.png"), full_page=True)
        print(f"screenshot: {tmp_path / 'failure.png'}")
        print(f"run.py log (tail):\n{stack['log'].read_text(errors='replace')[-3000:]}")
        raise


def test_conversation_buttons_restart_and_reload(stack, browser, timings, tmp_path):
    page = browser.new_context(locale="vi-VN", viewport={"width": 1280, "height": 860}).new_page()
    ws_events: list[str] = []  # Socket.IO events that reached the page over its WebSocket
    page.on("websocket", lambda ws: ws.on("framereceived", lambda f: isinstance(f, str)
                                          and f.startswith("42") and ws_events.append(f)))
    chat = Chat(page, timings)
    with watched(page, stack, tmp_path):
        page.goto(stack["url"])

        # Open the widget: a new conversation, so the bot introduces itself with buttons.
        expect(chat.open("greeting")).to_contain_text("Tổng đài 1022")
        expect(page.locator(".td1022-quick-btn", has_text="Đăng ký khai sinh")).to_be_visible()
        expect(chat.user).to_have_count(0)  # "/greet" is sent but not shown

        # A question with diacritics: the fee of the permanent-residence registration.
        reply = chat.ask("đăng ký thường trú hết bao nhiêu tiền", "answer thường trú")
        expect(reply).to_contain_text("1.004222")
        expect(reply).to_contain_text("20.000 đồng")
        link = reply.locator("a[href^='https://dichvucong.gov.vn/']")  # URLs become safe links
        expect(link).to_have_attribute("rel", "noopener noreferrer")
        expect(link).to_have_attribute("target", "_blank")
        assert reply.locator("br").count() >= 3, "newlines become line breaks"
        expect(page.locator(".td1022-quick-btn", has_text="Đăng ký khai sinh")).to_have_count(0)

        # Without diacritics: passports; the answer offers the other level as a button.
        reply = chat.ask("ho chieu lam o dau", "answer hộ chiếu")
        expect(reply).to_contain_text("hộ chiếu")
        level = page.locator(".td1022-quick-btn", has_text="Thực hiện tại cấp trung ương")
        expect(level).to_be_visible(timeout=REPLY_TIMEOUT)
        expect(chat.click("Thực hiện tại cấp trung ương", "level button")).to_contain_text("1.001471")
        expect(level).to_have_count(0)  # buttons go once the citizen has answered

        # "Bắt đầu lại": the conversation is cleared and the bot greets again.
        since = time.monotonic()
        page.get_by_role("button", name="Bắt đầu lại").click()
        expect(chat.user).to_have_count(0)
        expect(chat.bot.first).to_contain_text("Tổng đài 1022", timeout=REPLY_TIMEOUT)
        timings["restart"] = round(time.monotonic() - since, 2)
        expect(chat.bot).to_have_count(1)
        reply = chat.click("Đăng ký khai sinh", "greeting button")
        expect(reply).to_contain_text("khai sinh")
        expect(reply).to_contain_text("1.001193")
        expect(page.locator(".td1022-quick-btn", has_text="Lệ phí")).to_be_visible(timeout=REPLY_TIMEOUT)

        # Reload: same session, same messages, the panel still open, the buttons still there.
        session, shown = page.evaluate(SESSION_ID), page.locator(".td1022-log").text_content()
        page.reload()
        expect(page.get_by_role("dialog", name="Tổng đài 1022")).to_be_visible()
        expect(page.locator(".td1022-log")).to_have_text(shown)
        assert page.evaluate(SESSION_ID) == session and session[0]
        # ...and Rasa continues the same conversation: "Lệ phí" is about the birth registration.
        expect(chat.click("Lệ phí", "follow-up after reload")).to_contain_text("1.001193")
        assert any('"bot_uttered"' in f for f in ws_events), "the bot's messages came over the WebSocket"

        # Phones: the panel takes the whole screen, and the page's own CSS stays out of it.
        page.set_viewport_size({"width": 375, "height": 740})
        assert page.locator(".td1022-panel").bounding_box() == {"x": 0, "y": 0, "width": 375, "height": 740}
        header = page.locator(".td1022-header").bounding_box()
        assert (header["x"], header["y"], header["width"]) == (0, 0, 375)


def test_falls_back_to_long_polling_without_websocket(stack, browser, timings, tmp_path):
    context = browser.new_context(locale="vi-VN")
    context.add_init_script("delete window.WebSocket")  # as behind a proxy that blocks WebSockets
    page = context.new_page()
    chat = Chat(page, timings)
    with watched(page, stack, tmp_path):
        page.goto(stack["url"])
        expect(chat.open("greeting (long-polling)")).to_contain_text("Tổng đài 1022")
        expect(chat.ask("lam ho chieu het bao nhieu tien", "answer (long-polling)")).to_contain_text("hộ chiếu")


def test_reconnects_after_the_connection_drops(stack, browser, timings, tmp_path):
    context = browser.new_context(locale="vi-VN")
    sockets = []

    def through_to_rasa(ws_route):  # every WebSocket goes to Rasa, through a handle we can cut
        ws_route.connect_to_server()
        sockets.append(ws_route)

    context.route_web_socket(re.compile(r".*/socket\.io/.*"), through_to_rasa)
    page = context.new_page()
    chat = Chat(page, timings)
    with watched(page, stack, tmp_path):
        page.goto(stack["url"])
        chat.open("greeting (routed)")
        session = page.evaluate(SESSION_ID)

        since = time.monotonic()
        sockets[-1].close(code=1001, reason="network drop")
        status = page.locator(".td1022-status")  # role=status; hidden while connected
        expect(status).to_have_text("Đang kết nối lại...")
        expect(status).to_be_hidden(timeout=REPLY_TIMEOUT)
        timings["reconnect"] = round(time.monotonic() - since, 2)
        assert len(sockets) == 2
        expect(chat.ask("cap doi can cuoc can giay to gi", "answer after reconnect")).to_contain_text("căn cước")
        assert page.evaluate(SESSION_ID) == session
