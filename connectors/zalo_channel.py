"""Zalo Official Account as a Rasa channel (webhook /webhooks/zalo/webhook). The protocol and the
client are in connectors/zalo.py; what every channel shares is in connectors/platform_channel.py.

Zalo's customer-service messages have no confirmed button template, so options are written as a
numbered list and the citizen answers with the number.
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from sanic.request import Request

from connectors.common import Button, numbered_text
from connectors.platform_channel import Incoming, PlatformInput, PlatformOutput, Rejected
from connectors.zalo import ZaloClient, ZaloSettings, parse_event, signature_ok


class ZaloOutput(PlatformOutput):
    channel = "zalo"

    def __init__(self, client: ZaloClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    async def deliver(self, user_id: str, text: str, buttons: List[Button], options: Dict[str, Any]) -> None:
        if buttons:
            text = numbered_text(text, buttons, self.offer(user_id, buttons))
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, self.client.send_text, user_id, text)


class ZaloInput(PlatformInput):
    channel = "zalo"
    required_settings = ("ZALO_APP_ID", "ZALO_OA_SECRET_KEY", "ZALO_ACCESS_TOKEN or ZALO_REFRESH_TOKEN",
                         "ZALO_APP_SECRET (to refresh the token)")

    def __init__(self, settings: Optional[ZaloSettings]) -> None:
        super().__init__(settings)
        self.client = ZaloClient(settings) if settings is not None else None

    @classmethod
    def settings_from_env(cls) -> Optional[ZaloSettings]:
        return ZaloSettings.from_env()

    def check(self, request: Request, raw: bytes) -> None:
        ok, reason = signature_ok(raw, request.headers.get("X-ZEvent-Signature"), self.settings.app_id,
                                  self.settings.oa_secret_key)
        if not ok:
            raise Rejected(400 if reason in ("body is not JSON", "body is not an object") else 401, reason)

    def parse(self, body: Any) -> List[Incoming]:
        event = parse_event(body)
        kind = "start" if event.kind == "follow" else event.kind
        return [Incoming(kind, event.user_id, event.message_id, event.text)]

    def output(self) -> ZaloOutput:
        return ZaloOutput(self.client, buttons=self.buttons, reporter=self.reporter)
