"""All tables, imported here so that `SQLModel.metadata` knows every one of them."""

from nomask_app.models.audit import SecurityEvent
from nomask_app.models.privacy import ConsentRecord
from nomask_app.models.tokens import AccountToken
from nomask_app.models.user import LoginTicket, User, UserSession

__all__ = ["AccountToken", "ConsentRecord", "LoginTicket", "SecurityEvent", "User", "UserSession"]
