"""HTTP route of billing: Stripe's signed webhook, the only way a plan is granted."""

from sqlalchemy.exc import IntegrityError
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from nomask_app.config import get_settings
from nomask_app.db import session_scope
from nomask_app.integrations import stripe as stripe_api
from nomask_app.services.billing import stripe_events

MAX_WEBHOOK_BYTES = 512 * 1024


def _apply_stripe_event(event: dict) -> str:
    try:
        with session_scope() as session:
            return stripe_events.handle_event(session=session, event=event)
    except IntegrityError:
        # The same event, delivered twice at once, was applied by the other request.
        with session_scope() as session:
            if stripe_events.already_processed(session=session, event_id=event["id"]):
                return "duplicate"
        raise


async def stripe_webhook(request: Request) -> Response:
    """Apply a Stripe event once its signature on the raw body checks out.

    400 for a missing, forged or expired signature; 503 when Stripe cannot be
    read back (nothing is stored, so Stripe's retry applies it later).
    """
    if not get_settings().billing_enabled:
        return JSONResponse({"error": "billing is off"}, 404)
    if int(request.headers.get("content-length") or 0) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "too large"}, 413)
    payload = await request.body()
    if len(payload) > MAX_WEBHOOK_BYTES:
        return JSONResponse({"error": "too large"}, 413)
    try:
        event = stripe_api.verify_webhook(payload, request.headers.get("stripe-signature"))
    except stripe_api.InvalidWebhook:
        return JSONResponse({"error": "invalid signature"}, 400)
    try:
        outcome = await run_in_threadpool(_apply_stripe_event, event)
    except stripe_api.StripeUnavailable:
        return JSONResponse({"error": "try again later"}, 503)
    return JSONResponse({"status": outcome})


billing_routes = [Route("/api/stripe/webhook", stripe_webhook, methods=["POST"])]
