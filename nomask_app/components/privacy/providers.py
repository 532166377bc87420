"""The privacy center's "What AI providers received" section (policy §3: recipients)."""

import reflex as rx

from nomask_app.states.privacy.providers import ConversationLink, ProvidersState, ProviderView


def _conversation(link: rx.Var[ConversationLink]) -> rx.Component:
    return rx.list_item(
        rx.cond(
            link.href != "",
            rx.link(link.title, href=link.href, underline="always"),
            rx.text(link.title, as_="span", color_scheme="gray"),
        )
    )


def _provider(view: rx.Var[ProviderView]) -> rx.Component:
    return rx.flex(
        rx.heading(view.name, as_="h3", size="3"),
        rx.text(view.summary),
        rx.cond(
            view.conversations.length() > 0,
            rx.unordered_list(rx.foreach(view.conversations, _conversation), margin_y="0"),
        ),
        rx.cond(view.more != "", rx.text(view.more, size="2", color_scheme="gray")),
        direction="column",
        spacing="1",
    )


def providers_section() -> rx.Component:
    """Per provider: how many messages, from which conversations, and when."""
    return rx.flex(
        rx.text(
            "To answer you, the AI model you pick receives your message with the earlier "
            "messages of the conversation and its attachments; its provider processes them "
            "under its own terms. We record which provider received what (the ids, never the "
            "content), and keep that record when you delete a conversation, because the "
            "provider received it all the same. Models marked “Offline demo” answer on our "
            "server: nothing leaves it."
        ),
        rx.cond(
            ProvidersState.providers.length() > 0,
            rx.flex(
                rx.foreach(ProvidersState.providers, _provider), direction="column", spacing="4"
            ),
            rx.text("No AI provider has received anything from you yet."),
        ),
        direction="column",
        spacing="3",
    )
