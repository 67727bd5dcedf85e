"""Facebook Messenger as a Rasa channel (webhook /webhooks/facebook/webhook, GET for Meta's
verification handshake). The protocol and the client are in connectors/facebook.py.

Buttons become quick replies; their titles are cut at 20 characters by Messenger, so the options
are also listed with numbers in the text, and typing the number works too. An operator's reply
after 24 hours goes out with the HUMAN_AGENT tag the backend chose (backend/app/services/
delivery_rules.py).
"""

from __future__ import annotations

import asyncio
from typing import Any, Dict, List, Optional

from sanic import response
from sanic.request import Request
from sanic.response import HTTPResponse

from connectors.common import Button, numbered_text
from connectors.facebook import (MessengerClient, MessengerSettings, parse_events, quick_replies, signature_ok,
                                 verify_handshake)
from connectors.platform_channel import Incoming, PlatformInput, PlatformOutput, Rejected


class MessengerOutput(PlatformOutput):
    channel = "facebook"

    def __init__(self, client: MessengerClient, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.client = client

    async def deliver(self, user_id: str, text: str, buttons: List[Button], options: Dict[str, Any]) -> None:
        quick = None
        if buttons:
            start = self.offer(user_id, buttons)
            text, quick = numbered_text(text, buttons, start), quick_replies(buttons, start)
        messaging_type = options.get("messaging_type") or "RESPONSE"
        tag = options.get("message_tag") if messaging_type == "MESSAGE_TAG" else None
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(None, lambda: self.client.send_text(user_id, text, messaging_type, tag, quick))


class MessengerInput(PlatformInput):
    channel = "facebook"
    required_settings = ("FACEBOOK_VERIFY_TOKEN", "FACEBOOK_APP_SECRET", "FACEBOOK_PAGE_ACCESS_TOKEN")

    def __init__(self, settings: Optional[MessengerSettings]) -> None:
        super().__init__(settings)
        self.client = MessengerClient(settings) if settings is not None else None

    @classmethod
    def settings_from_env(cls) -> Optional[MessengerSettings]:
        return MessengerSettings.from_env()

    def handshake(self, request: Request) -> HTTPResponse:
        params = {k: request.args.get(k) for k in ("hub.mode", "hub.verify_token", "hub.challenge")}
        challenge = verify_handshake(params, self.settings.verify_token)
        if challenge is None:
            return response.text("verification failed", status=403)
        return response.text(challenge)

    def check(self, request: Request, raw: bytes) -> None:
        if not signature_ok(raw, request.headers.get("X-Hub-Signature-256"), self.settings.app_secret):
            raise Rejected(403, "bad signature")

    def parse(self, body: Any) -> List[Incoming]:
        if not isinstance(body, dict) or body.get("object") != "page":
            raise Rejected(400, "not a page event")
        return [Incoming(e.kind, e.user_id, e.message_id, e.text) for e in parse_events(body)]

    def output(self) -> MessengerOutput:
        return MessengerOutput(self.client, buttons=self.buttons, reporter=self.reporter)
