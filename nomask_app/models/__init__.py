"""All tables, imported here so that `SQLModel.metadata` knows every one of them."""

from nomask_app.models import search  # noqa: F401  (attaches the full-text index DDL)
from nomask_app.models.audit import SecurityEvent
from nomask_app.models.billing import BillingAccount, StripeEvent, UsageEvent
from nomask_app.models.chat import Conversation, Message
from nomask_app.models.files import StoredFile
from nomask_app.models.privacy import AccountDeletion, ConsentRecord, DataExport, PolicyRelease
from nomask_app.models.tokens import AccountToken
from nomask_app.models.twofactor import RecoveryCode, TwoFactor
from nomask_app.models.user import LoginTicket, User, UserSession

__all__ = [
    "AccountDeletion",
    "AccountToken",
    "BillingAccount",
    "ConsentRecord",
    "Conversation",
    "DataExport",
    "LoginTicket",
    "Message",
    "PolicyRelease",
    "RecoveryCode",
    "SecurityEvent",
    "StoredFile",
    "StripeEvent",
    "TwoFactor",
    "UsageEvent",
    "User",
    "UserSession",
]
