"""All tables, imported here so that `SQLModel.metadata` knows every one of them.

One module per product area; `chat` also attaches the full-text index DDL.
"""

from nomask_app.models.accounts import (
    AccountToken,
    LoginTicket,
    RecoveryCode,
    TwoFactor,
    User,
    UserSession,
)
from nomask_app.models.billing import BillingAccount, StripeEvent, UsageEvent
from nomask_app.models.chat import Conversation, Message
from nomask_app.models.images import StoredFile
from nomask_app.models.operations import JobLease, SecurityEvent
from nomask_app.models.privacy import (
    AccountDeletion,
    ConsentRecord,
    DataExport,
    PolicyRelease,
    ProviderRequest,
)

__all__ = [
    "AccountDeletion",
    "AccountToken",
    "BillingAccount",
    "ConsentRecord",
    "Conversation",
    "DataExport",
    "JobLease",
    "LoginTicket",
    "Message",
    "PolicyRelease",
    "ProviderRequest",
    "RecoveryCode",
    "SecurityEvent",
    "StoredFile",
    "StripeEvent",
    "TwoFactor",
    "UsageEvent",
    "User",
    "UserSession",
]
