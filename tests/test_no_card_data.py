"""Policy §1.4: we never store card details or payment credentials.

Walks every table of the schema and fails on any column whose name could
hold card or bank data. Billing keeps only Stripe ids, plan, status and dates.
"""

import re

from sqlalchemy import Column, Integer, MetaData, String, Table
from sqlmodel import SQLModel

import nomask_app.models  # noqa: F401  (registers every table)

# Whole words of a column name (split on "_"): "pan" is a card number, "company" is not.
CARD_WORDS = {
    "card",
    "cards",
    "pan",
    "cvc",
    "cvc2",
    "cvv",
    "cvv2",
    "csc",
    "cid",
    "expiry",
    "expiration",
    "exp",
    "last4",
    "last_4",
    "iban",
    "bic",
    "swift",
    "routing",
    "sortcode",
    "bsb",
    "ssn",
    "cardholder",
    "fingerprint",
    "track1",
    "track2",
    "pin",
}
# Fragments that give card data away wherever they appear in a name.
CARD_FRAGMENTS = re.compile(
    r"card|cvc|cvv|last_?4|iban|exp_?(month|year)|expiry|expiration_?(date|month|year)"
    r"|account_?number|acct_?num|routing_?number|sort_?code|cardholder|security_?code"
    r"|payment_?method_?details|bank_?account"
)


def card_data_columns(metadata: MetaData) -> list[str]:
    """Every `table.column` whose name looks like card or bank data."""
    found = []
    for table in metadata.tables.values():
        for column in table.columns:
            name = column.name.lower()
            if set(name.split("_")) & CARD_WORDS or CARD_FRAGMENTS.search(name):
                found.append(f"{table.name}.{column.name}")
    return found


def test_no_table_has_a_column_for_card_data():
    assert SQLModel.metadata.tables, "no tables registered"
    assert "billing_accounts" in SQLModel.metadata.tables
    assert card_data_columns(SQLModel.metadata) == []


def test_the_check_catches_card_columns_and_spares_ordinary_ones():
    metadata = MetaData()
    suspicious = [
        "card_number",
        "pan",
        "cvc",
        "cvv2",
        "card_last4",
        "last4",
        "exp_month",
        "expYear",
        "card_exp_year",
        "expiry_date",
        "iban",
        "account_number",
        "routing_number",
        "cardholder",
        "card_brand",
        "bank_account_id",
        "security_code",
    ]
    ordinary = [
        "expires_at",
        "company",
        "span",
        "expected",
        "stripe_customer_id",
        "status",
        "current_period_end",
        "plan",
        "description",
        "capacity",
    ]
    Table(
        "payments",
        metadata,
        Column("id", Integer, primary_key=True),
        *(Column(name, String) for name in suspicious + ordinary),
    )
    flagged = {name.removeprefix("payments.") for name in card_data_columns(metadata)}
    assert flagged == set(suspicious)
