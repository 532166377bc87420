"""Builders for test data."""

import itertools

from sqlmodel import Session

from nomask_app.models import User
from nomask_app.services.accounts import sign_up

PASSWORD = "violet-harbor-lantern-42"
_counter = itertools.count(1)


def make_user(
    session: Session,
    *,
    name: str = "Test Person",
    email: str | None = None,
    password: str = PASSWORD,
) -> User:
    """Sign up a user through the real service and commit."""
    user = sign_up(
        session=session,
        name=name,
        email=email or f"person{next(_counter)}@example.com",
        password=password,
        is_adult=True,
        accepts_policy=True,
    )
    session.commit()
    return user
