"""The first-visit cookie banner, on every page (an app wrap), first in the page.

It shows while the browser has no consent cookie, and not on the cookie page
itself (which has the full controls). Like the GOV.UK banner it sits at the
top, before the skip link, in the flow of the page: nothing is covered, and
it is the first thing a screen reader meets.

It is in the page from the first paint (its buttons inert until hydration),
so it never pushes the page down when the app connects (issue 19.3). Where
the consent cookie is already set, a head script hides it from that same
first paint; after hydration it is not rendered at all.
"""

import reflex as rx

from nomask_app.states.privacy.consent import ConsentState

COOKIE_PAGE = "/settings/cookies"


def _on_cookie_page() -> rx.Var[bool]:
    return rx.State.rx_router_url.path.to(str).startswith(COOKIE_PAGE)


def cookie_banner() -> rx.Component:
    """The banner: "Accept all", "Essential only", "Customize"."""
    waiting = ~rx.State.is_hydrated
    return rx.cond(
        (~rx.State.is_hydrated | (ConsentState.choice == "")) & ~_on_cookie_page(),
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
                    rx.button("Accept all", on_click=ConsentState.accept_all, disabled=waiting),
                    rx.button(
                        "Essential only",
                        variant="soft",
                        on_click=ConsentState.essential_only,
                        disabled=waiting,
                    ),
                    rx.button(
                        "Customize",
                        variant="outline",
                        on_click=rx.redirect(COOKIE_PAGE),
                        disabled=waiting,
                    ),
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
            # Only the first paint's banner is hidden by the head script below.
            custom_attrs={"data-before-hydration": rx.cond(waiting, "true", "false")},
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


# Runs in <head> before the first paint: where the browser already holds a
# valid consent cookie (the pattern of services.privacy.consent.parse_cookie),
# or on the cookie page, the banner rendered before hydration stays hidden.
_CONSENT_KNOWN = r"""
(function () {
  var chosen = /(?:^|;\s*)nomask_consent=[0-9a-f]{32}\.(?:all|essential)(?:;|$)/;
  if (chosen.test(document.cookie) || location.pathname.indexOf("COOKIE_PAGE") === 0) {
    var style = document.createElement("style");
    style.textContent = '.nm-cookie-banner[data-before-hydration="true"] { display: none; }';
    document.head.appendChild(style);
  }
})();
""".replace("COOKIE_PAGE", COOKIE_PAGE)


def consent_known() -> rx.Component:
    """A head script: no banner flashes where a cookie choice exists (issue 19.3)."""
    return rx.el.script(_CONSENT_KNOWN)
