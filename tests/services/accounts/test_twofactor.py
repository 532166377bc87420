"""Two-factor sign-in: enrolment, single-use codes, encrypted secret, emails, audit."""

import time

import pyotp
import pytest
from sqlmodel import select

from nomask_app.models import RecoveryCode, SecurityEvent, TwoFactor
from nomask_app.services.accounts import secretbox, signin, twofactor
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.operations import audit, emails
from nomask_app.services.operations.ratelimit import RateLimited
from tests.factories import PASSWORD, make_user
from tests.mail import sent


def _enrol(session, user):
    enrolment = twofactor.start_enrolment(session=session, user_id=user.id)
    session.commit()
    code = pyotp.TOTP(enrolment.secret).now()
    codes = twofactor.confirm_enrolment(session=session, user_id=user.id, code=code)
    session.commit()
    return enrolment, codes


def test_enrolment_needs_a_code_from_the_app_and_gives_ten_recovery_codes(session):
    user = make_user(session)
    enrolment = twofactor.start_enrolment(session=session, user_id=user.id)
    session.commit()
    assert enrolment.qr_data_uri.startswith("data:image/svg+xml")
    assert enrolment.uri.startswith("otpauth://totp/NoMask%20AI:")
    assert not twofactor.is_enabled(session=session, user_id=user.id)
    with pytest.raises(FieldErrors) as wrong:
        twofactor.confirm_enrolment(session=session, user_id=user.id, code="000000")
    assert wrong.value.errors == {"code": twofactor.WRONG_CODE}
    session.rollback()

    code = pyotp.TOTP(enrolment.secret).now()
    codes = twofactor.confirm_enrolment(
        session=session, user_id=user.id, code=code, ip_address="192.0.2.5"
    )
    session.commit()
    assert len(codes) == 10 and len(set(codes)) == 10
    assert twofactor.is_enabled(session=session, user_id=user.id)
    assert twofactor.status(session=session, user_id=user.id).recovery_codes_left == 10
    assert sent(emails.TWO_FACTOR_ON, to=user.email)
    kinds = [e.kind for e in session.exec(select(SecurityEvent)).all()]
    assert audit.TWO_FACTOR_ENABLED in kinds


def test_the_secret_and_the_codes_are_not_stored_in_clear(session):
    user = make_user(session)
    enrolment, codes = _enrol(session, user)
    row = session.get(TwoFactor, user.id)
    assert enrolment.secret not in row.secret_encrypted
    hashes = [r.code_hash for r in session.exec(select(RecoveryCode)).all()]
    assert len(hashes) == 10
    assert not any(code.replace("-", "") in h for code in codes for h in hashes)
    # Bound to its owner: the same value on another row does not open.
    with pytest.raises(secretbox.Undecryptable):
        secretbox.decrypt(row.secret_encrypted, purpose="totp-secret", bound_to="someone-else")
    assert secretbox.decrypt(row.secret_encrypted, purpose="totp-secret", bound_to=user.id) == (
        enrolment.secret
    )


def test_a_code_from_the_app_works_once(session):
    user = make_user(session)
    enrolment, _ = _enrol(session, user)
    totp = pyotp.TOTP(enrolment.secret)
    later = totp.at(time.time() + 30)  # the next step (the current one was used to enrol)
    check = twofactor.verify_second_factor
    assert check(session=session, user_id=user.id, code=later) == "totp"
    session.commit()
    assert check(session=session, user_id=user.id, code=later) is None
    assert check(session=session, user_id=user.id, code="12345") is None
    assert check(session=session, user_id=user.id, code="not a code") is None


def test_a_recovery_code_works_once_and_is_recorded(session):
    user = make_user(session)
    _, codes = _enrol(session, user)
    check = twofactor.verify_second_factor
    assert check(session=session, user_id=user.id, code=codes[0].upper()) == "recovery"
    session.commit()
    assert check(session=session, user_id=user.id, code=codes[0]) is None
    assert twofactor.status(session=session, user_id=user.id).recovery_codes_left == 9
    # Another person's code does not open this account.
    other = make_user(session)
    _, other_codes = _enrol(session, other)
    assert check(session=session, user_id=user.id, code=other_codes[0]) is None
    kinds = [e.kind for e in session.exec(select(SecurityEvent)).all()]
    assert audit.RECOVERY_CODE_USED in kinds


def test_turning_it_off_needs_the_password_and_sends_an_email(session):
    user = make_user(session)
    _enrol(session, user)
    with pytest.raises(FieldErrors) as wrong:
        twofactor.disable(session=session, user_id=user.id, password="not-it")
    assert wrong.value.errors == {"password": twofactor.WRONG_PASSWORD}
    session.rollback()
    assert twofactor.is_enabled(session=session, user_id=user.id)
    twofactor.disable(session=session, user_id=user.id, password=PASSWORD)
    session.commit()
    assert not twofactor.is_enabled(session=session, user_id=user.id)
    assert session.exec(select(RecoveryCode)).all() == []
    assert sent(emails.TWO_FACTOR_OFF, to=user.email)


def test_new_recovery_codes_replace_the_old_ones(session):
    user = make_user(session)
    _, old = _enrol(session, user)
    new = twofactor.regenerate_recovery_codes(session=session, user_id=user.id, password=PASSWORD)
    session.commit()
    check = twofactor.verify_second_factor
    assert check(session=session, user_id=user.id, code=old[0]) is None
    assert check(session=session, user_id=user.id, code=new[0]) == "recovery"


def test_only_wrong_codes_count_towards_the_sign_in_limit(session):
    user = make_user(session)
    _, codes = _enrol(session, user)

    def check(code: str) -> bool:
        ok = signin.check_second_factor(
            session=session, user_id=user.id, code=code, ip_address="198.51.100.4"
        )
        session.commit()
        return ok

    # Ten right codes in a row (more than the 6 per 5 minutes): none is refused.
    assert [check(code) for code in codes] == [True] * len(codes)
    # The six wrong codes the limit allows are still all there...
    assert [check("wrong-code") for _ in range(6)] == [False] * 6
    # ...and the seventh is refused before it is checked.
    with pytest.raises(RateLimited):
        check("wrong-code")
