"""`LocalTime`: a moment in the person's time zone, formatted by the browser; `BrowserZone`.

The React side lives in `local_time.jsx` next to this file.
"""

import reflex as rx
from reflex.vars import Var

_SOURCE = rx.asset("local_time.jsx", shared=True)


class LocalTime(rx.Component):
    """A `<time>` element showing `iso` in `zone` (the browser's zone while "")."""

    library = _SOURCE.importable_path
    tag = "LocalTime"

    iso: Var[str]
    zone: Var[str]


class BrowserZone(rx.Component):
    """Renders nothing; calls `on_zone` with the browser's IANA time zone when mounted.

    Not when it is `known`, the zone the server already has.
    """

    library = _SOURCE.importable_path
    tag = "BrowserZone"

    on_zone: rx.EventHandler[lambda zone: [zone]]
    known: Var[str]


local_time = LocalTime.create
browser_zone = BrowserZone.create
