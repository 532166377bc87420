"""Sidebar date groups in the person's time zone."""

from datetime import UTC, datetime

import pytest

from nomask_app.services.chat.date_groups import date_group, valid_zone
from nomask_app.states.chat.views import ConversationView, group_by_date

NOW = datetime(2026, 12, 5, 6, 30, tzinfo=UTC)  # 15:30 in Tokyo, 22:30 the day before in LA


@pytest.mark.parametrize(
    ("moment", "zone", "group"),
    [
        (datetime(2026, 12, 5, 0, 10, tzinfo=UTC), "UTC", "Today"),
        (datetime(2026, 12, 4, 23, 50, tzinfo=UTC), "UTC", "Yesterday"),
        # 23:50 UTC on the 4th is the morning of the 5th in Tokyo: today there.
        (datetime(2026, 12, 4, 23, 50, tzinfo=UTC), "Asia/Tokyo", "Today"),
        # 07:00 UTC on the 4th is the 3rd, 23:00 in Los Angeles, where now is the 4th.
        (datetime(2026, 12, 4, 7, 0, tzinfo=UTC), "America/Los_Angeles", "Yesterday"),
        (datetime(2026, 11, 28, 12, 0, tzinfo=UTC), "UTC", "Previous 7 days"),
        (datetime(2026, 11, 27, 12, 0, tzinfo=UTC), "UTC", "Older"),
        (datetime(2026, 12, 5, 6, 31), "UTC", "Today"),  # naive means UTC; a moment ahead
    ],
)
def test_date_groups_follow_the_calendar_of_the_zone(moment, zone, group):
    assert date_group(moment, NOW, zone) == group


@pytest.mark.parametrize(
    "name", ["", "Mars/Olympus", "../../etc/passwd", "/etc/localtime", None, 42, "x" * 200]
)
def test_unknown_zones_mean_utc(name):
    assert valid_zone(name) == "UTC"


def test_known_zones_are_kept():
    assert valid_zone("Europe/Berlin") == "Europe/Berlin"


def test_views_are_grouped_in_order_and_empty_groups_left_out():
    def view(name, moment):
        return ConversationView(id=name, title=name, updated_iso=moment.isoformat())

    views = [
        view("a", datetime(2026, 12, 5, 1, 0, tzinfo=UTC)),
        view("b", datetime(2026, 11, 1, 1, 0, tzinfo=UTC)),
        view("c", datetime(2026, 10, 1, 1, 0, tzinfo=UTC)),
    ]
    groups = group_by_date(views, "UTC", NOW)
    assert [(g.label, [v.id for v in g.conversations]) for g in groups] == [
        ("Today", ["a"]),
        ("Older", ["b", "c"]),
    ]


def test_tiny_attached_images_are_marked_for_scaling_up():
    from nomask_app.models import StoredFile
    from nomask_app.states.chat.views import file_view

    def stored(width, height, content_type="image/png"):
        return StoredFile(
            id="f",
            user_id="u",
            filename="a.png",
            content_type=content_type,
            size_bytes=1,
            sha256="0",
            storage_key="k",
            width=width,
            height=height,
        )

    assert file_view(stored(16, 16)).small
    assert not file_view(stored(640, 100)).small
    assert not file_view(stored(None, None)).small
    assert not file_view(stored(16, 16, "text/plain")).small
