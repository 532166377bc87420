"""Provider failures, as litellm raises them, turned into the errors people are shown.

litellm itself is passed in by the caller (llm.py or llm_images.py), which
imported it once; this module only reads its exception classes.
"""

from nomask_app.integrations.llm_models import ERROR_MESSAGES, ProviderError


def provider_error(litellm, error: Exception) -> ProviderError:
    """A litellm or Router failure as the error people are shown."""
    exceptions = litellm.exceptions
    # A stream that broke after it began: litellm wraps the real cause (a
    # dropped connection, say) for a Router to fall back on. Judge the cause.
    if isinstance(error, exceptions.MidStreamFallbackError) and error.original_exception:
        error = error.original_exception
    # Most specific first: ContextWindowExceededError is a BadRequestError.
    kinds = [
        (litellm.types.router.RouterRateLimitError, "unavailable"),  # all cooling down
        (exceptions.ContextWindowExceededError, "context"),
        (exceptions.ContentPolicyViolationError, "content_policy"),
        (exceptions.RateLimitError, "rate_limit"),
        (exceptions.Timeout, "timeout"),
        (exceptions.AuthenticationError, "auth"),
        (exceptions.APIConnectionError, "connection"),
        (exceptions.ServiceUnavailableError, "unavailable"),
        (exceptions.InternalServerError, "unavailable"),
        (exceptions.BadRequestError, "bad_request"),
    ]
    kind = next((k for t, k in kinds if isinstance(error, t)), "connection")
    return ProviderError(kind, ERROR_MESSAGES[kind])
