"""The privacy center in the production build: what we hold, export, delete, policy banner."""

import json
import re
import zipfile
from datetime import date

import redis
from playwright.sync_api import Page, expect
from sqlmodel import Session, select

from nomask_app.db import build_engine
from nomask_app.models import (
    AccountDeletion,
    BillingAccount,
    ConsentRecord,
    Conversation,
    DataExport,
    PolicyRelease,
    User,
)
from nomask_app.services.operations import emails
from nomask_app.services.operations.audit import record_event
from nomask_app.services.privacy.policy import newest_bundled
from tests.browser.chat_steps import conversation_id, send, wait_for_reply_end
from tests.browser.helpers import at, open_account_menu, sign_in, sign_up, wait_until
from tests.browser.outbox import wait_for_email
from tests.factories import PASSWORD
from tests.mail import body


class AppDatabase:
    """The browser-test app's own database, to seed and inspect."""

    def __init__(self, app_server):
        self.engine = build_engine(app_server.env["NOMASK_DATABASE_URL"])

    def __enter__(self) -> Session:
        self.session = Session(self.engine, expire_on_commit=False)
        return self.session

    def __exit__(self, *_exc):
        self.session.close()
        self.engine.dispose()


def _user(app_server, email: str) -> User | None:
    with AppDatabase(app_server) as session:
        return session.exec(select(User).where(User.email == email)).first()


def _tab_states_holding(app_server, text: str) -> list[str]:
    """Reflex's stored tab states (disk or Redis) that contain `text`."""
    needle = text.encode()
    redis_url = app_server.env.get("REFLEX_REDIS_URL")
    if redis_url:
        client = redis.Redis.from_url(redis_url)
        try:
            return [
                key.decode()
                for key in client.scan_iter()
                if client.type(key) == b"string" and needle in (client.get(key) or b"")
            ]
        finally:
            client.close()
    folder = app_server.workdir / "states"
    return [p.name for p in folder.glob("*.pkl") if needle in p.read_bytes()]


def _fact(page: Page, label: str):
    return page.locator(f"xpath=//dt[normalize-space()='{label}']/following-sibling::dd[1]")


def _open_privacy_center(page: Page) -> None:
    open_account_menu(page)
    page.get_by_role("menuitem", name="Privacy center").click()
    expect(page).to_have_url(at("/privacy"))
    expect(page.get_by_role("heading", name="Privacy center", level=1)).to_be_visible()
    expect(page.get_by_role("button", name="Export my data")).to_be_visible()


def _chat(page: Page, text: str) -> str:
    send(page, text)
    found = conversation_id(page)
    wait_for_reply_end(page)
    return found


def test_the_privacy_center_shows_what_we_hold_and_the_security_events(
    page, app_server, assert_accessible
):
    email = sign_up(page, name="Holding Person")
    _chat(page, "Hello from the privacy test")
    _open_privacy_center(page)
    expect(_fact(page, "Conversations")).to_have_text("1")
    expect(_fact(page, "Messages")).to_have_text("2")
    expect(_fact(page, "Files and images")).to_have_text("0 (0 images)")
    expect(_fact(page, "Plan")).to_have_text("Free")
    expect(_fact(page, "Payment status")).to_have_text("No subscription")
    expect(page.get_by_role("link", name="your settings")).to_have_attribute("href", "/settings")
    expect(page.get_by_role("link", name="info@nomask.ai")).to_have_attribute(
        "href", "mailto:info@nomask.ai"
    )
    expect(
        page.get_by_text("Conversations: Stored until you choose to delete them")
    ).to_be_visible()
    events = page.get_by_role("table", name="Your security events")
    # Created, finished through the emailed link (address confirmed), signed in.
    for kind in ("Account created", "Account ready", "Email address confirmed"):
        expect(events.get_by_role("row", name=re.compile(kind))).to_have_count(1)
    signed_in = events.get_by_role("row", name=re.compile("Signed in"))
    expect(signed_in).to_have_count(1)
    expect(signed_in).to_contain_text("127.0.0.1")
    expect(signed_in).to_contain_text("Chrom")
    assert_accessible(page)

    # Whatever kind the security engineer records shows up, newest first, a page at a time.
    user = _user(app_server, email)
    with AppDatabase(app_server) as session:
        for number in range(25):
            record_event(
                session=session,
                kind="two_factor.enabled" if number == 24 else "signin.succeeded",
                user_id=user.id,
                ip_address=f"198.51.100.{number}",
            )
        session.commit()
    page.reload()
    events = page.get_by_role("table", name="Your security events")
    expect(page.get_by_text("Events 1 to 20 of 29, newest first.")).to_be_visible()
    expect(page.get_by_role("button", name="Newer events")).to_be_disabled()
    page.get_by_role("button", name="Older events").click()
    expect(page.get_by_text("Events 21 to 29 of 29, newest first.")).to_be_visible()
    expect(events.get_by_role("row", name=re.compile("Account created"))).to_have_count(1)
    expect(page.get_by_role("button", name="Older events")).to_be_disabled()
    page.get_by_role("button", name="Newer events").click()
    expect(page.get_by_text("Events 1 to 20 of 29, newest first.")).to_be_visible()
    expect(events.get_by_role("row", name=re.compile("two_factor.enabled"))).to_have_count(1)


def test_export_my_data_builds_in_the_background_then_downloads(
    page, app_server, assert_accessible, tmp_path
):
    email = sign_up(page, name="Exporting Person")
    first = _chat(page, "Please remember <b>this</b> for the export")
    _open_privacy_center(page)
    expect(page.get_by_text("You have not asked for an export recently.")).to_be_visible()
    page.get_by_role("button", name="Export my data").click()
    download_button = page.get_by_role("button", name="Download export")
    expect(download_button).to_be_visible(timeout=30_000)
    expect(page.get_by_text(re.compile(r"Your export is ready \(\d+ kB\)"))).to_be_visible()
    assert_accessible(page)

    with page.expect_download() as caught:
        download_button.click()
    download = caught.value
    assert re.fullmatch(r"nomask-export-\d{4}-\d{2}-\d{2}\.zip", download.suggested_filename)
    saved = tmp_path / "export.zip"
    download.save_as(saved)
    with zipfile.ZipFile(saved) as archive:
        conversations = json.loads(archive.read("conversations.json"))["conversations"]
        assert [c["id"] for c in conversations] == [first]
        texts = [m["content"] for m in conversations[0]["messages"]]
        assert texts[0] == "Please remember <b>this</b> for the export"
        assert json.loads(archive.read("account.json"))["email"] == email
    # The page is still there: the download did not navigate away.
    expect(download_button).to_be_visible()

    ready = wait_for_email(app_server, emails.EXPORT_READY, email)
    assert "/privacy" in body(ready) and "remember" not in body(ready)

    # One export an hour: the button says when the next one is possible.
    page.get_by_role("button", name="Export my data").click()
    expect(
        page.get_by_text(re.compile(r"The next one is possible at \d\d:\d\d UTC"))
    ).to_be_visible()
    assert_accessible(page)
    # Another person cannot download it, even with the link.
    other = page.context.browser.new_context(base_url=app_server.url)
    other_page = other.new_page()
    sign_up(other_page, name="Curious Person")
    with AppDatabase(app_server) as session:
        export_id = session.exec(select(DataExport.id).join(User).where(User.email == email)).one()
    response = other_page.request.get(f"/api/export/{export_id}")
    assert response.status == 404
    other.close()


def test_delete_all_conversations_asks_first_then_deletes_them(page, app_server, assert_accessible):
    email = sign_up(page, name="Tidy Person")
    _chat(page, "First conversation to delete")
    page.get_by_role("button", name="New chat").click()
    expect(page).to_have_url(at("/"))
    _chat(page, "Second conversation to delete")
    _open_privacy_center(page)
    expect(_fact(page, "Conversations")).to_have_text("2")

    page.get_by_role("button", name="Delete all conversations").click()
    dialog = page.get_by_role("alertdialog", name="Delete all conversations?")
    expect(dialog).to_be_visible()
    assert_accessible(page)
    dialog.get_by_role("button", name="Cancel").click()
    expect(dialog).to_be_hidden()
    expect(_fact(page, "Conversations")).to_have_text("2")

    page.get_by_role("button", name="Delete all conversations").click()
    page.get_by_role("button", name="Yes, delete them all").click()
    deleting = page.get_by_role("region", name="Delete your data")
    expect(deleting.get_by_role("status").filter(has_text="conversations")).to_have_text(
        "All your conversations, their messages and files are deleted."
    )
    expect(_fact(page, "Conversations")).to_have_text("0")
    expect(_fact(page, "Messages")).to_have_text("0")
    with AppDatabase(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        assert session.exec(select(Conversation).where(Conversation.user_id == user.id)).all() == []
    events = page.get_by_role("table", name="Your security events")
    expect(events.get_by_role("row", name=re.compile("All conversations deleted"))).to_have_count(1)


def test_delete_account_refuses_bad_input_then_deletes_everything_and_signs_out(
    page, app_server, assert_accessible
):
    email = sign_up(page, name="Leaving Person")
    _chat(page, "Something to delete with the account")
    _open_privacy_center(page)
    user = _user(app_server, email)
    # The scan sees the state first (written a moment after each event).
    wait_until(lambda: _tab_states_holding(app_server, email) != [], timeout=15)

    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    password = dialog.get_by_label("Current password")
    confirmation = dialog.get_by_label("Type DELETE to confirm")

    password.fill("not-my-password")
    confirmation.fill("DELETE")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_text("Your current password is not correct.")).to_be_visible()
    expect(password).to_have_attribute("aria-invalid", "true")
    expect(confirmation).to_have_value("DELETE")  # nothing typed is lost
    assert_accessible(page)

    password.fill(PASSWORD)
    confirmation.fill("delete")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(dialog.get_by_text("Type DELETE in capital letters to confirm.")).to_be_visible()
    expect(dialog.get_by_text("Your current password is not correct.")).to_be_hidden()
    expect(confirmation).to_have_attribute("aria-invalid", "true")
    assert _user(app_server, email) is not None  # nothing deleted

    confirmation.fill("DELETE")
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(at("/login"))
    assert _user(app_server, email) is None
    assert "nomask_session" not in {c["name"] for c in page.context.cookies()}
    confirmation_mail = wait_for_email(app_server, emails.ACCOUNT_DELETED, email)
    assert "Something to delete" not in body(confirmation_mail)
    # The tab's server-side state (Reflex keeps it for an hour) forgot the person too.
    wait_until(lambda: _tab_states_holding(app_server, email) == [], timeout=15)
    # The deletion is in the tombstone ledger: the id and time, nothing else of the person.
    ledger = (app_server.workdir / "data" / "tombstones.jsonl").read_text()
    assert user.id in ledger and email not in ledger

    # The account is gone: signing in again fails, and the old page needs a sign-in.
    sign_in(page, email)
    expect(page.get_by_role("alert")).to_have_text("Email or password is incorrect.")
    page.goto("/privacy")
    expect(page).to_have_url(at("/login", "?next=/privacy"))


def test_a_published_policy_shows_a_banner_until_it_is_acknowledged(
    page, app_server, assert_accessible
):
    email = sign_up(page, name="Policy Reader")
    policy = newest_bundled()
    with AppDatabase(app_server) as session:
        user = session.exec(select(User).where(User.email == email)).one()
        # As if this person had accepted an older version before this one was published.
        for record in session.exec(
            select(ConsentRecord).where(
                ConsentRecord.user_id == user.id, ConsentRecord.subject == "privacy_policy"
            )
        ):
            record.policy_version = "2025-01-01"
            session.add(record)
        if (
            session.exec(
                select(PolicyRelease).where(PolicyRelease.version == policy.version)
            ).first()
            is None
        ):
            session.add(
                PolicyRelease(
                    version=policy.version, effective=policy.effective, markdown=policy.markdown
                )
            )
        session.commit()

    page.reload()
    banner = page.get_by_role("status").filter(has_text="We updated our privacy policy")
    expect(banner).to_contain_text(f"version {policy.version}")
    expect(banner.get_by_role("link", name="Read the privacy policy")).to_have_attribute(
        "href", "/policy"
    )
    assert_accessible(page)
    banner.get_by_role("button", name="Got it").click()
    expect(banner).to_be_hidden()
    with AppDatabase(app_server) as session:
        records = session.exec(
            select(ConsentRecord).where(
                ConsentRecord.user_id == user.id,
                ConsentRecord.subject == "privacy_policy",
                ConsentRecord.policy_version == policy.version,
            )
        ).all()
    assert [r.choice for r in records] == ["acknowledged"]


def test_a_policy_published_while_the_app_runs_is_served_at_once(page, app_server):
    """No rebuild, no restart: /policy and the sign-up form read the release in force."""
    newer = PolicyRelease(
        version="2099-01-01",
        effective=date(2099, 1, 1),
        markdown="# Privacy Policy\n\n## 1. What changed\n\nShorter retention.\n",
    )
    with AppDatabase(app_server) as session:
        session.add(newer)
        session.commit()
    try:
        page.goto("/policy")
        expect(
            page.get_by_text("Last updated: January 1, 2099 · Version 2099-01-01")
        ).to_be_visible()
        expect(page.get_by_role("heading", name="1. What changed")).to_be_visible()
        page.goto("/signup")
        expect(page.get_by_text("(version 2099-01-01)", exact=False)).to_be_visible()
    finally:  # the other tests of this session read the bundled policy again
        with AppDatabase(app_server) as session:
            session.delete(session.get(PolicyRelease, newer.id))
            session.commit()


def test_delete_account_stops_and_says_so_when_stripe_is_unreachable(
    page, app_server, stripe_server
):
    email = sign_up(page, name="Subscribed Person")
    user = _user(app_server, email)
    with AppDatabase(app_server) as session:
        session.add(
            BillingAccount(
                user_id=user.id, stripe_customer_id=f"cus_gone_{user.id[:8]}", status="active"
            )
        )
        session.commit()
    _open_privacy_center(page)
    page.get_by_role("button", name="Delete account").click()
    dialog = page.get_by_role("dialog", name="Delete your account?")
    dialog.get_by_label("Current password").fill(PASSWORD)
    dialog.get_by_label("Type DELETE to confirm").fill("DELETE")
    stripe_server.outage = True
    try:
        dialog.get_by_role("button", name="Delete my account").click()
        expect(dialog.get_by_role("alert")).to_have_text(
            re.compile("could not reach our payment provider.*nothing was deleted")
        )
    finally:
        stripe_server.outage = False
    assert _user(app_server, email) is not None
    with AppDatabase(app_server) as session:
        assert (
            session.exec(select(AccountDeletion).where(AccountDeletion.user_id == user.id)).all()
            == []
        )
    # Still signed in, and once Stripe answers the deletion goes through.
    dialog.get_by_role("button", name="Delete my account").click()
    expect(page).to_have_url(at("/login"))
    assert _user(app_server, email) is None


def test_progress_is_shown_while_the_server_builds_and_a_failure_is_explained(
    page, app_server, assert_accessible
):
    email = sign_up(page, name="Waiting Person")
    user = _user(app_server, email)
    with AppDatabase(app_server) as session:
        # An export that another backend worker is building right now.
        export = DataExport(user_id=user.id, status="running", progress=40)
        session.add(export)
        session.commit()
    _open_privacy_center(page)
    bar = page.get_by_role("progressbar", name="Export progress")
    expect(bar).to_have_attribute("aria-valuenow", "40")
    expect(page.get_by_text("Building your export: 40%.")).to_be_visible()
    expect(page.get_by_role("button", name="Export my data")).to_be_disabled()
    assert_accessible(page)

    with AppDatabase(app_server) as session:
        row = session.get(DataExport, export.id)
        row.progress = 75
        session.add(row)
        session.commit()
    expect(bar).to_have_attribute("aria-valuenow", "75")
    with AppDatabase(app_server) as session:
        row = session.get(DataExport, export.id)
        row.status, row.error = "failed", "The export was interrupted. Please ask again."
        session.add(row)
        session.commit()
    expect(page.get_by_role("alert")).to_have_text("The export was interrupted. Please ask again.")
    expect(page.get_by_role("button", name="Export my data")).to_be_enabled()
