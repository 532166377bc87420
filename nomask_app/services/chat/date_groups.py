"""Dates as the person lives them: their time zone, and the sidebar's date groups.

The browser names its time zone (an IANA name such as "Europe/Berlin"); the
server never trusts it further than `zoneinfo` knows it.
"""

from datetime import UTC, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TODAY = "Today"
YESTERDAY = "Yesterday"
PREVIOUS_7_DAYS = "Previous 7 days"
OLDER = "Older"
GROUPS = (TODAY, YESTERDAY, PREVIOUS_7_DAYS, OLDER)
DEFAULT_ZONE = "UTC"
_ZONE_NAME_MAX = 64  # the longest IANA names have about 30 characters


def valid_zone(name: object) -> str:
    """The IANA time zone `name` if this server knows it, else "UTC"."""
    if not isinstance(name, str) or not name or len(name) > _ZONE_NAME_MAX:
        return DEFAULT_ZONE
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # ValueError: a path-like or malformed key
        return DEFAULT_ZONE
    return name


def zone_of(name: str) -> tzinfo:
    """The time zone object for a name that `valid_zone` accepted (UTC otherwise)."""
    return ZoneInfo(valid_zone(name))


def as_utc(moment: datetime) -> datetime:
    """An aware moment; a naive one is taken as UTC (how the database stores times)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment


def date_group(moment: datetime, now: datetime, zone: str) -> str:
    """Which sidebar group a conversation last changed at `moment` belongs to.

    Calendar days in the person's zone: "Today", "Yesterday", "Previous 7 days"
    (two to seven days ago), else "Older". A moment in the future (a clock a
    little ahead) counts as today.
    """
    place = zone_of(zone)
    day = as_utc(moment).astimezone(place).date()
    today = as_utc(now).astimezone(place).date()
    if day >= today:
        return TODAY
    if day == today - timedelta(days=1):
        return YESTERDAY
    if day >= today - timedelta(days=7):
        return PREVIOUS_7_DAYS
    return OLDER
