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
