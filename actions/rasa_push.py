"""Telling a citizen something without waiting for their next message, through Rasa's HTTP API.

`trigger_intent` runs an external intent in the citizen's conversation and sends the bot's reply
on the channel given (`output_channel`), as in Rasa's reminder examples. RASA_URL (default
http://127.0.0.1:5005) and RASA_API_TOKEN (default the development token `dev-rasa-token`; Rasa
must run with `--enable-api --auth-token`) come from the environment.
"""

from __future__ import annotations

import os
from urllib.parse import quote

import httpx


def trigger_intent(sender_id: str, output_channel: str, intent: str, entities: dict[str, str],
                   transport: httpx.BaseTransport | None = None) -> None:
    base = (os.environ.get("RASA_URL") or "http://127.0.0.1:5005").rstrip("/")
    token = os.environ.get("RASA_API_TOKEN") or "dev-rasa-token"
    with httpx.Client(timeout=httpx.Timeout(30.0, connect=3.0), transport=transport) as client:
        # ":" stays as is: Rasa does not percent-decode path parameters ("zalo:123" is the id).
        response = client.post(f"{base}/conversations/{quote(sender_id, safe=':@')}/trigger_intent",
                               params={"output_channel": output_channel or "latest", "token": token},
                               json={"name": intent, "entities": entities})
    if response.status_code >= 300:
        raise RuntimeError(f"Rasa answered {response.status_code}")


def notify_ticket_created(sender_id: str, rasa_channel: str, code: str) -> None:
    trigger_intent(sender_id, rasa_channel, "EXTERNAL_ticket_created", {"ticket_code": code})
