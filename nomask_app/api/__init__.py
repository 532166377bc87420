"""HTTP routes next to Reflex's websocket, one module per product area.

`create_api` assembles them into the Starlette app that Reflex mounts its own
backend into (``rx.App(api_transformer=...)``).
"""

from starlette.applications import Starlette

from nomask_app.api.accounts import accounts_routes
from nomask_app.api.billing import billing_routes
from nomask_app.api.chat import chat_routes
from nomask_app.api.images import image_routes
from nomask_app.api.operations import operations_routes
from nomask_app.api.privacy import privacy_routes


def create_api() -> Starlette:
    """The Starlette app that Reflex mounts its own backend into."""
    return Starlette(
        routes=[
            *operations_routes,
            *accounts_routes,
            *billing_routes,
            *chat_routes,
            *image_routes,
            *privacy_routes,
        ]
    )
