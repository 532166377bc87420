"""The first-visit cookie banner, on every page (an app wrap), first in the page.

It renders only after hydration, when the browser has no consent cookie
yet, and not on the cookie page itself (which has the full controls). Like
the GOV.UK banner it sits at the top, before the skip link, in the flow of
the page: nothing is covered, and it is the first thing a screen reader meets.
"""

import reflex as rx

from nomask_app.states.privacy.consent import ConsentState

COOKIE_PAGE = "/settings/cookies"


def _on_cookie_page() -> rx.Var[bool]:
    return rx.State.rx_router_url.path.to(str).startswith(COOKIE_PAGE)


def cookie_banner() -> rx.Component:
    """The banner: "Accept all", "Essential only", "Customize"."""
    return rx.cond(
        rx.State.is_hydrated & (ConsentState.choice == "") & ~_on_cookie_page(),
        rx.el.section(
            rx.flex(
                rx.heading("Cookies on NoMask AI", as_="h2", size="4", id="cookie-banner-title"),
                rx.text(
                    "We use essential cookies to keep you signed in and to remember this "
                    "choice. With your consent we also remember preferences, such as light "
                    "or dark mode, on this device. No advertising or third-party cookies, ever.",
                    size="2",
                ),
                rx.flex(
                    rx.button("Accept all", on_click=ConsentState.accept_all),
                    rx.button(
                        "Essential only", variant="soft", on_click=ConsentState.essential_only
                    ),
                    rx.button("Customize", variant="outline", on_click=rx.redirect(COOKIE_PAGE)),
                    spacing="3",
                    wrap="wrap",
                ),
                direction="column",
                spacing="3",
                max_width="56rem",
                margin_x="auto",
            ),
            aria_labelledby="cookie-banner-title",
            class_name="nm-cookie-banner",
        ),
    )


def cookie_banner_wrap(_stateful: bool) -> rx.Component:
    """App wrap: the banner before every page's own content."""
    return rx.fragment(cookie_banner())


# Reflex's colour-mode provider saves the theme in localStorage on the first
# visit, consent or not. This runs in <head> before the app and lets
# localStorage take writes only once the consent cookie says "all"; without
# consent the theme still applies, for the open page only.
_STORAGE_GUARD = r"""
(function () {
  var consented = function () {
    return /(?:^|;\s*)nomask_consent=[0-9a-f]{32}\.all(?:;|$)/.test(document.cookie);
  };
  var setItem = Storage.prototype.setItem;
  Storage.prototype.setItem = function (key, value) {
    if (this === window.localStorage && !consented()) {
      return;
    }
    return setItem.call(this, key, value);
  };
})();
"""


def storage_guard() -> rx.Component:
    """A head script: no preference storage before consent (policy §7)."""
    return rx.el.script(_STORAGE_GUARD)
