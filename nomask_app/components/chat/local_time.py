"""`LocalTime`: a moment in the person's time zone, formatted by the browser.

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
    fallback: Var[str]


local_time = LocalTime.create
