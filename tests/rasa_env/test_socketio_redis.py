"""Scale-out: with SOCKETIO_REDIS_URL, what one Rasa server emits to a widget reaches the server that
holds the widget's socket, through Redis (connectors/rasa_channels.share_sessions_through_redis)."""

import asyncio
import json
import uuid

import pytest
from socketio import AsyncManager, AsyncRedisManager, AsyncServer

from connectors.rasa_channels import share_sessions_through_redis

REDIS_URL = "redis://127.0.0.1:6379/5"


def test_without_redis_nothing_changes():
    sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
    assert share_sessions_through_redis(sio, None) is False
    assert isinstance(sio.manager, AsyncManager) and not isinstance(sio.manager, AsyncRedisManager)


def test_an_emit_on_one_server_is_published_for_the_others():
    redis = pytest.importorskip("redis.asyncio")

    async def scenario():
        client = redis.Redis.from_url(REDIS_URL)
        try:
            await client.ping()
        except Exception as e:
            pytest.skip(f"Redis not reachable at {REDIS_URL}: {e}")
        pubsub = client.pubsub()
        await pubsub.subscribe("tongdai1022-socketio")
        await pubsub.get_message(timeout=1)  # the subscription confirmation
        # The server that runs the action (it holds no socket of this widget).
        sio = AsyncServer(async_mode="sanic", cors_allowed_origins=[])
        assert share_sessions_through_redis(sio, REDIS_URL) is True
        assert isinstance(sio.manager, AsyncRedisManager) and sio.manager.server is sio
        session_id = uuid.uuid4().hex
        await sio.emit("bot_uttered", {"text": "Phiếu PA-2612-123456 đã có trả lời."}, room=session_id)
        published = None
        for _ in range(20):
            message = await pubsub.get_message(timeout=0.5)
            if message and message["type"] == "message":
                published = message["data"]
                break
        await pubsub.unsubscribe()
        await client.aclose() if hasattr(client, "aclose") else await client.close()
        return published, session_id

    published, session_id = asyncio.run(scenario())
    assert published is not None, "nothing was published to Redis"
    packet = json.loads(published)
    assert packet["method"] == "emit" and packet["event"] == "bot_uttered"
    assert {"text": "Phiếu PA-2612-123456 đã có trả lời."} in packet["data"]
    assert packet["room"] == session_id
