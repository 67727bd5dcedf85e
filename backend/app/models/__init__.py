"""Database models. Importing this package registers every table on `Base.metadata`."""

from backend.app.models.agencies import Agency
from backend.app.models.tickets import (CHANNELS, DELIVERY_KINDS, DELIVERY_STATUSES, MESSAGE_KINDS, Delivery,
                                        Ticket, TicketEvent, TicketKind, TicketMessage)
from backend.app.models.users import ROLE_LABELS, Role, User, UserSession

__all__ = ["Agency", "CHANNELS", "DELIVERY_KINDS", "DELIVERY_STATUSES", "Delivery", "MESSAGE_KINDS", "ROLE_LABELS", "Role", "Ticket", "TicketEvent", "TicketKind",
           "TicketMessage", "User", "UserSession"]
