"""Database models. Importing this package registers every table on `Base.metadata`."""

from backend.app.models.agencies import Agency
from backend.app.models.tickets import (CHANNELS, MESSAGE_KINDS, Ticket, TicketEvent, TicketKind,
                                        TicketMessage)
from backend.app.models.users import ROLE_LABELS, Role, User, UserSession

__all__ = ["Agency", "CHANNELS", "MESSAGE_KINDS", "ROLE_LABELS", "Role", "Ticket", "TicketEvent", "TicketKind",
           "TicketMessage", "User", "UserSession"]
