"""Our REST and socketio channels: a citizen always gets a reply, never a trace."""

import asyncio

from rasa.core.channels.channel import CollectingOutputChannel, UserMessage

from connectors.rasa_channels import (BUSY_REPLY, RestInputWithFallback, SocketIOInputWithFallback, guard)


def run(handler, text="đăng ký thường trú"):
    collector = CollectingOutputChannel()
    asyncio.run(guard(handler)(UserMessage(text, collector, "citizen-1", input_channel="rest")))
    return collector.messages


def test_replies_pass_through_unchanged():
    async def handler(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Xin chào"})

    assert [m["text"] for m in run(handler)] == ["Xin chào"]


def test_silence_becomes_the_busy_reply():
    async def handler(message):  # e.g. the action server is down: Rasa logs and sends nothing
        return None

    assert [m["text"] for m in run(handler)] == [BUSY_REPLY]


def test_a_crash_becomes_the_busy_reply(caplog):
    async def handler(message):
        raise RuntimeError("secret stack detail 0912345678")

    messages = run(handler)
    assert [m["text"] for m in messages] == [BUSY_REPLY]
    # The log names the failure's type, not its message (it may hold personal data).
    assert "0912345678" not in caplog.text and "RuntimeError" in caplog.text


def test_restart_commands_may_stay_silent():
    async def handler(message):
        return None

    assert run(handler, "/restart") == []


def test_channel_names_and_routes_are_rasa_s():
    assert RestInputWithFallback.name() == "rest"
    assert SocketIOInputWithFallback.name() == "socketio"
    channel = SocketIOInputWithFallback.from_credentials({"session_persistence": True, "metadata_key": "customData"})
    assert channel.session_persistence is True and channel.metadata_key == "customData"


SOCKETIO_SERVER = r'''
import sys
sys.path.insert(0, sys.argv[2])
from sanic import Sanic
from connectors.rasa_channels import SocketIOInputWithFallback

app = Sanic("socketio_probe")

async def echo(message):
    await message.output_channel.send_response(message.sender_id, {"text": "Đã nhận: " + message.text})

app.blueprint(SocketIOInputWithFallback(session_persistence=True).blueprint(echo))
app.run(host="127.0.0.1", port=int(sys.argv[1]), access_log=False)
'''


SESSION = "3f2a9c0e4b7d4e8f9a1b2c3d4e5f6a7b"


def test_socketio_over_a_real_websocket(tmp_path):
    """The widget's transport: Engine.IO over WebSocket on the pinned Sanic and Python 3.11.

    Without the Sanic shim in connectors.rasa_channels the server closes the socket as soon as the
    client sends its first packet, so this test fails at the Socket.IO connect step.
    """
    import json
    import re
    import socket
    import subprocess
    import sys
    import time
    from pathlib import Path

    import websockets

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    script = tmp_path / "server.py"
    script.write_text(SOCKETIO_SERVER, encoding="utf-8")
    root = str(Path(__file__).resolve().parents[2])
    server = subprocess.Popen([sys.executable, str(script), str(port), root],
                              stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert server.poll() is None, server.stderr.read().decode()
            time.sleep(0.2)

        async def talk():
            url = f"ws://127.0.0.1:{port}/socket.io/?EIO=4&transport=websocket"
            async with websockets.connect(url) as ws:
                assert (await asyncio.wait_for(ws.recv(), 10)).startswith("0{")  # Engine.IO open
                await ws.send("40")  # Socket.IO connect
                assert (await asyncio.wait_for(ws.recv(), 10)).startswith("40{")
                await ws.send('42["session_request",{"session_id":"<script>"}]')  # not an id: replaced
                event, replaced = json.loads((await asyncio.wait_for(ws.recv(), 10))[2:])
                assert event == "session_confirm" and re.fullmatch(r"[0-9a-f]{32}", replaced)
                await ws.send('42["session_request",{"session_id":"%s"}]' % SESSION)
                assert await asyncio.wait_for(ws.recv(), 10) == '42["session_confirm","%s"]' % SESSION
                await ws.send('42' + json.dumps(["user_uttered", {"message": "lệ phí hộ chiếu",
                                                                  "session_id": SESSION}]))
                # The reply goes to the session's room, which the socket joined.
                return json.loads((await asyncio.wait_for(ws.recv(), 10))[2:])

        event, payload = asyncio.run(talk())
        assert event == "bot_uttered" and payload["text"] == "Đã nhận: lệ phí hộ chiếu"
    finally:
        server.terminate()
        server.wait(timeout=20)


def test_rest_mailbox_keeps_messages_between_turns_and_delivers_them_first(tmp_path):
    from connectors.rasa_channels import Mailbox, MailboxOutputChannel, with_mailbox

    mailbox = Mailbox(tmp_path / "mailbox.db")
    pushed = MailboxOutputChannel(mailbox)  # what trigger_intent(output_channel=rest) writes to
    asyncio.run(pushed.send_text_message("citizen-1", "Tổng đài viên: đèn sẽ được sửa trong tuần"))
    asyncio.run(pushed.send_text_message("citizen-2", "cho người khác"))

    async def handler(message):
        await message.output_channel.send_response(message.sender_id, {"text": "Tin nhắn đã được chuyển"})

    collector = CollectingOutputChannel()
    asyncio.run(with_mailbox(Mailbox(tmp_path / "mailbox.db"), handler)(  # a restart keeps the mail
        UserMessage("đèn vẫn tắt", collector, "citizen-1", input_channel="rest")))
    assert [m["text"] for m in collector.messages] == ["Tổng đài viên: đèn sẽ được sửa trong tuần",
                                                       "Tin nhắn đã được chuyển"]
    assert mailbox.take("citizen-1") == []  # delivered once
    assert [m["text"] for m in mailbox.take("citizen-2")] == ["cho người khác"]


def test_rest_channel_pushes_into_its_mailbox(tmp_path, monkeypatch):
    from connectors.rasa_channels import MailboxOutputChannel

    monkeypatch.setenv("RASA_MAILBOX_DB", str(tmp_path / "mailbox.db"))
    channel = RestInputWithFallback()
    output = channel.get_output_channel()
    assert isinstance(output, MailboxOutputChannel) and output.name() == "rest"
