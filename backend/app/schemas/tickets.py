"""Ticket bodies: what the bot (or an operator) sends, what staff and citizens get back."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, field_validator
from pydantic_core import PydanticCustomError

from backend.app.services.phones import normalize_vietnamese_phone

# Spelled out for readers and type checkers; tests check they match the models' lists.
Channel = Literal["web", "zalo", "messenger", "telegram", "phone", "email", "counter"]
Kind = Literal["question", "complaint", "request"]
Status = Literal["received", "assigned", "in_progress", "answered", "closed"]

MAX_TRANSCRIPT_LINES = 500
# Printable ASCII without spaces: UUIDs, Rasa sender ids with a message id, ...
IDEMPOTENCY_KEY_PATTERN = r"^[\x21-\x7e]{1,200}$"
IdempotencyKey = Annotated[str, StringConstraints(pattern=IDEMPOTENCY_KEY_PATTERN)]


class TranscriptLine(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    sender: Literal["user", "bot", "operator"]
    text: str = Field(max_length=4000)
    at: datetime | None = None


class TicketCreate(BaseModel):
    """A new ticket. Unknown fields are rejected; text is trimmed; the phone is normalized to
    0xxxxxxxxx. `kind` "report" is accepted as "complaint" (phản ánh, kiến nghị)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    channel: Channel
    kind: Kind
    summary: str = Field(min_length=1, max_length=500)
    field: str = Field("", max_length=255, description="lĩnh vực")
    procedure_code: str | None = Field(None, max_length=32, pattern=r"^[0-9A-Za-z.\-_]+$")
    description: str = Field("", max_length=5000)
    location: str = Field("", max_length=500)
    citizen_name: str = Field("", max_length=200)
    citizen_phone: str | None = Field(None, max_length=20, description="Vietnamese mobile or landline")
    channel_user_id: str = Field("", max_length=200)
    transcript: list[TranscriptLine] = Field(default_factory=list, max_length=MAX_TRANSCRIPT_LINES)
    idempotency_key: IdempotencyKey | None = Field(
        None, description="Same key, same ticket: a replay returns the first ticket (also as header)")
    rasa_channel: str = Field("", max_length=64, pattern=r"^[A-Za-z0-9_.\-]*$",
                              description='the Rasa input channel ("rest", "socketio", "zalo", "facebook", '
                                          '"telegram"): replies and status changes go back through it')
    handoff: bool = Field(False, description="bot only: an operator owns the conversation from now on")

    @field_validator("kind", mode="before")
    @classmethod
    def _report_is_a_complaint(cls, value):
        return "complaint" if value == "report" else value

    @field_validator("citizen_phone")
    @classmethod
    def _vietnamese_phone(cls, value: str | None) -> str | None:
        if value is None or value == "":
            return None
        phone = normalize_vietnamese_phone(value)
        if phone is None:
            raise PydanticCustomError(
                "invalid_phone", "Số điện thoại không hợp lệ: cần số di động hoặc cố định Việt Nam "
                                 "(ví dụ 0912345678, +84912345678).")
        return phone


class Reply(BaseModel):
    text: str
    at: datetime


class TicketStatusView(BaseModel):
    """What anyone may see of a ticket: no personal data, no description, no transcript."""

    code: str
    status: str
    status_label: str
    overdue: bool
    display_label: str = Field(description='status_label, or "Quá hạn" for an open ticket past due')
    kind: str
    kind_label: str
    field: str
    agency: str | None
    created_at: datetime
    updated_at: datetime
    due_at: datetime
    latest_reply: Reply | None


class TicketView(TicketStatusView):
    """What the bot and staff see (bearer token)."""

    channel: str
    summary: str
    procedure_code: str | None
    assigned_to: str | None = Field(None, description="user name of the staff member who took the ticket")
    rasa_channel: str = ""
    handoff_active: bool = Field(False, description="an operator owns the conversation (the bot forwards "
                                                    "the citizen's messages to the ticket)")


class ApiErrorBody(BaseModel):
    error: str
    message: str


class FieldError(BaseModel):
    field: str
    type: str
    message: str


class ValidationErrorBody(ApiErrorBody):
    errors: list[FieldError]


Actor = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100,
                                         pattern=r"^[\w.@\-]+$")]


class StaffAction(BaseModel):
    """Until operator sessions exist, callers with the bot token name the operator acting."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    actor: Actor | None = Field(None, description='user name written to the history; default "bot"')


class StatusChange(StaffAction):
    status: Status


class AgencyAssignment(StaffAction):
    agency_code: str = Field(min_length=1, max_length=32)


class MessageCreate(StaffAction):
    text: str = Field(min_length=1, max_length=5000)


class SatisfactionRating(StaffAction):
    rating: int = Field(ge=1, le=5)


class TicketEventView(BaseModel):
    actor: str
    at: datetime
    action: str
    field: str | None
    old_value: str | None
    new_value: str | None


class TicketMessageView(BaseModel):
    id: int
    kind: str
    author: str
    text: str
    created_at: datetime


class CitizenMessageCreate(BaseModel):
    """A message the citizen wrote while an operator owns the conversation (the bot forwards it)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    text: str = Field(min_length=1, max_length=4000)
    message_id: str | None = Field(None, min_length=1, max_length=200,
                                   description="the channel's message id: the same id is stored once")


class CitizenMessageView(TicketMessageView):
    message_id: str | None = Field(None, validation_alias="channel_message_id")


class DeliveryView(BaseModel):
    """A message for the citizen, as the bot's action reads it to send it."""

    id: int
    kind: Literal["reply", "status", "closed", "handback"]
    text: str = Field(description="what to send, in Vietnamese")
    status: Literal["pending", "sent", "failed", "undeliverable"]
    attempts: int
    last_error: str | None
    messaging_type: str | None = Field(description='Messenger: "RESPONSE" or "MESSAGE_TAG" (with message_tag)')
    message_tag: str | None = Field(description='Messenger: "HUMAN_AGENT" with MESSAGE_TAG')
    created_at: datetime
    sent_at: datetime | None
    fetched_at: datetime | None = Field(description="when the bot last read it")
    ticket_code: str
    rasa_channel: str
    ticket: TicketStatusView = Field(description="the ticket's status, as a citizen may see it")


class DeliveryResult(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    delivered: bool
    error: str | None = Field(None, max_length=300, description="why not (no personal data, no tokens)")


class TicketPage(BaseModel):
    total: int
    items: list[TicketView]


class AgencyCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(min_length=1, max_length=32, pattern=r"^[A-Za-z0-9_.\-]+$")
    name: str = Field(min_length=1, max_length=255)
    fields: list[Annotated[str, StringConstraints(min_length=1, max_length=255)]] = Field(
        default_factory=list, max_length=100)


class AgencyView(BaseModel):
    code: str
    name: str
    fields: list[str]
