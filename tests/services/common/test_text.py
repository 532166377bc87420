"""Free text others or emails show is NFC and carries no control, direction or invisible mark."""

import pytest
from sqlmodel import select

from nomask_app.models import User
from nomask_app.models.common import utcnow
from nomask_app.services.accounts import profile
from nomask_app.services.chat import conversations
from nomask_app.services.common.errors import FieldErrors
from nomask_app.services.common.text import clean_text, strip_unsafe
from nomask_app.services.images import gallery
from nomask_app.services.operations import admin, emails
from tests.factories import make_user, post_message, start_sign_up
from tests.image_samples import image_bytes

UNSAFE = [
    "Ctrl\x00\x07name",  # NUL, BEL
    "\x1b[31mred",  # an ESC sequence
    "abc\u202edcba",  # RIGHT-TO-LEFT OVERRIDE
    "left\u2067isolate\u2069",  # RIGHT-TO-LEFT ISOLATE ... POP
    "mark\u200fed",  # RIGHT-TO-LEFT MARK
    "zero\u200bwidth",  # ZERO WIDTH SPACE
    "soft\u00adhyphen",
    "\ufeffbom",
    "c1\x85\x9bcontrol",
]
SAFE = {
    "Zoe\u0308": "Zoë",  # decomposed: stored composed (NFC)
    "👩\u200d💻 dev": "👩\u200d💻 dev",  # ZWJ emoji
    "می\u200cخواهم": "می\u200cخواهم",  # ZWNJ in Persian
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f": (
        "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f"  # Scotland's flag
    ),
    "  Ada \t Lovelace\n": "Ada Lovelace",
    "שלום עולם": "שלום עולם",
}


@pytest.mark.parametrize("raw", UNSAFE)
def test_unsafe_text_is_refused_with_a_clear_message(raw):
    _, problem = clean_text(raw, what="A name", max_len=100)
    assert problem == (
        "A name cannot contain invisible, control or text-direction characters "
        "(they often come along with pasted text). Type it again without them."
    )


@pytest.mark.parametrize(("raw", "expected"), SAFE.items())
def test_safe_text_is_accepted_in_nfc(raw, expected):
    assert clean_text(raw, what="A name", max_len=100) == (expected, None)


@pytest.mark.parametrize("raw", UNSAFE)
def test_text_from_elsewhere_is_stripped_silently(raw):
    stripped = strip_unsafe(raw)
    assert clean_text(stripped, what="A name", max_len=100)[1] is None
    assert strip_unsafe("Zoe\u0308 \u202eFile.png") == "Zoë File.png"


def test_length_and_emptiness_are_checked_after_cleaning():
    assert (
        clean_text("x" * 11, what="A title", max_len=10)[1]
        == "Use at most 10 characters (this has 11)."
    )
    assert clean_text("   ", what="A title", max_len=10, empty_message="Enter a title.")[1] == (
        "Enter a title."
    )
    assert clean_text("", what="A note", max_len=10) == ("", None)  # optional text


# --- Everywhere such text enters --------------------------------------------------------


def test_names_are_refused_at_sign_up_and_in_settings(session):
    with pytest.raises(FieldErrors) as caught:
        start_sign_up(session, name="Ctrl\x00\x07 \u202eevil", email="ctrl@example.com")
    assert "text-direction" in caught.value.errors["name"]
    assert session.exec(select(User).where(User.email == "ctrl@example.com")).first() is None
    user = make_user(session, name="Zoe\u0308")
    assert user.name == "Zoë"
    with pytest.raises(FieldErrors) as caught:
        profile.change_name(session=session, user_id=user.id, name="zero\u200bwidth")
    assert "invisible" in caught.value.errors["name"]


def test_conversation_titles_are_refused_when_typed_and_stripped_when_automatic(session):
    user = make_user(session)
    turn = post_message(session, user, "Plan\u202e my \x1b[31mtrip to Oslo")
    assert turn.conversation.title == "Plan my [31mtrip to Oslo"
    with pytest.raises(FieldErrors) as caught:
        conversations.rename_conversation(
            session=session,
            user_id=user.id,
            conversation_id=turn.conversation.id,
            title="abc\u202edcba",
        )
    assert "text-direction" in caught.value.errors["title"]


def test_an_admins_reason_and_a_share_note_are_refused(session):
    boss, person = make_user(session), make_user(session)
    boss.role = "admin"
    session.add(boss)
    session.commit()
    with pytest.raises(FieldErrors) as caught:
        admin.read_conversations(
            session=session,
            admin_id=boss.id,
            user_id=person.id,
            reason="Abuse report \u202e24# tuoba",
        )
    assert "text-direction" in caught.value.errors["reason"]
    image = gallery.upload_image(
        session=session, user_id=person.id, data=image_bytes(), filename="cat.png"
    )
    with pytest.raises(FieldErrors) as caught:
        gallery.share_to_conversation(
            session=session,
            user_id=person.id,
            file_id=image.id,
            conversation_id=None,
            note="my\x00cat",
        )
    assert "control" in caught.value.errors["note"]


def test_filenames_are_stripped_silently_and_stored_in_nfc(session):
    user = make_user(session)
    row = gallery.upload_image(
        session=session,
        user_id=user.id,
        data=image_bytes(),
        filename="Zoe\u0308\u202e\x07 holiday\u200b.png",
    )
    assert row.filename == "Zoë holiday.png"


def test_emails_carry_no_unsafe_characters_from_rows_stored_before_the_checks():
    # A name stored before names were checked, and a crafted User-Agent.
    message = emails.new_sign_in(
        to="old@example.com",
        name="Ctrl\x00\x07\u202eevil",
        when=utcnow(),
        device="Firefox 128\u202e on \x85Linux",
        ip_address="198.51.100.7",
    )
    text = message.get_body(preferencelist=("plain",)).get_content()
    assert "Hi Ctrlevil," in text
    assert not any(ch in text for ch in "\x00\x07\x85\u202e")
