"""The only module that imports litellm: the chat gateway (streaming, token counting).

Providers switch on by configuration alone (API-key variables, an Ollama or
OpenAI-compatible URL, or a litellm Router models file: see llm_models.py,
which lists them without importing litellm). With nothing
configured, an "Offline demo" model answers locally through the same litellm
path, so streaming, usage and errors behave as with a real provider. Image
models live in llm_images.py and the offline demo's handler (chat and
images) in llm_demo.py; both get litellm from here (`load_litellm`). A reply
is read beneath litellm's stream wrapper, as llm_stream.py explains.

litellm fetches a cost map and tokenizers from the internet unless
LITELLM_OFFLINE_MODE is set before its import; the import also costs ~6 s,
so it happens once per process, lazily (see `warm_up`).
"""

import asyncio
import hashlib
import json
import logging
import os
import threading
from collections import Counter
from collections.abc import AsyncIterator, Callable
from contextvars import ContextVar
from functools import cache
from typing import Any

from nomask_app.config import Settings, get_settings
from nomask_app.integrations.llm_demo import offline_demo_handler
from nomask_app.integrations.llm_errors import provider_error
from nomask_app.integrations.llm_models import (
    DEFAULT_CONTEXT,
    DEMO_LITELLM_MODEL,
    DEMO_MODEL_ID,
    DEMO_PROVIDER,
    Delta,
    Finished,
    ModelInfo,
    ProviderError,
    clean_params,
    configured_deployments,
)
from nomask_app.integrations.llm_stream import pieces

os.environ.setdefault("LITELLM_OFFLINE_MODE", "true")
os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "true")

log = logging.getLogger(__name__)

_TOKEN_COUNTS_KEPT = 100_000  # remembered token counts (~100 bytes each)

_import_lock = threading.Lock()


@cache
def load_litellm():
    """The litellm module, imported once (~6 s) and set up for this app."""
    with _import_lock:
        import litellm
        import litellm.types.router  # RouterRateLimitError, for llm_errors.py

        litellm.telemetry = False
        litellm.suppress_debug_info = True
        litellm.custom_provider_map = [
            {
                "provider": "nomaskdemo",
                "custom_handler": offline_demo_handler(litellm, signal_request),
            }
        ]
        litellm.input_callback = [_request_signal(litellm)]
        litellm.response_cost_calculator = _not_for_streams(litellm.response_cost_calculator)
        return litellm


def _not_for_streams(price: Callable[..., float | None]) -> Callable[..., float | None]:
    """Wrap litellm's pricing so that it leaves a stream that has only just opened alone.

    litellm prices every response as it is returned, a stream included: with no
    usage yet, it runs its tokenizer over the whole prompt (CPU on every send)
    and loads tiktoken's tables for it (~37 MiB per worker). That price is never
    used: `stream` prices the reply from the usage the provider reports at its
    end. None is what litellm itself answers for a stream it cannot price.
    """
    from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper

    def priced(*args, response_object=None, **kwargs):
        if isinstance(response_object, CustomStreamWrapper):
            return None
        return price(*args, response_object=response_object, **kwargs)

    return priced


# Called (in the streaming task's context) just before litellm hands a request
# to a provider; see `LLMGateway.stream(on_request=...)`.
_on_request: ContextVar[Callable[[], None] | None] = ContextVar("on_request", default=None)
# Where `stream(tried=...)` collects each deployment its request went to:
# (litellm model, provider), in order; a failover adds one per deployment.
_tried: ContextVar[list[tuple[str, str]] | None] = ContextVar("tried", default=None)


def _request_signal(litellm):
    from litellm.integrations.custom_logger import CustomLogger

    class RequestSignal(CustomLogger):
        """Tells the caller of `stream` that its request is about to leave (logs nothing)."""

        def log_pre_api_call(self, model, messages, kwargs):
            _note_attempt(kwargs)
            signal_request()

    return RequestSignal()


def _note_attempt(kwargs: dict) -> None:
    # Only the Router names its deployment: a direct call has one, credited by `Finished`.
    tried = _tried.get()
    metadata = (kwargs.get("litellm_params") or {}).get("metadata") or {}
    deployment = metadata.get("deployment")
    if tried is None or not deployment:
        return
    # Named as `ModelInfo.provider` is: the configured provider, else the model's prefix.
    provider = (metadata.get("model_info") or {}).get("provider") or deployment.split("/", 1)[0]
    tried.append((str(deployment), str(provider)))


def signal_request() -> None:
    """Tell the caller of `stream` that its request is about to leave."""
    callback = _on_request.get()
    if callback is not None:
        callback()


def _model_facts(litellm, litellm_model: str, info: dict) -> tuple[bool, int]:
    try:
        known = litellm.get_model_info(litellm_model)
    except Exception:  # unknown models are fine: use the configured or default facts
        known = {}
    vision = info.get("supports_vision", known.get("supports_vision") or False)
    context = info.get("max_input_tokens") or known.get("max_input_tokens") or DEFAULT_CONTEXT
    return bool(vision), int(context)


class LLMGateway:
    """The configured models behind one litellm Router."""

    def __init__(self, settings: Settings):
        """Build the Router; the offline demo is used only when nothing is configured."""
        litellm = load_litellm()
        self.settings = settings
        model_list, fallbacks = configured_deployments(settings)
        if not model_list:
            model_list = [
                {
                    "model_name": DEMO_MODEL_ID,
                    "litellm_params": {"model": DEMO_LITELLM_MODEL},
                    "model_info": {
                        "label": "Offline demo",
                        "provider": DEMO_PROVIDER,
                        "supports_vision": False,
                        "max_input_tokens": DEFAULT_CONTEXT,
                    },
                }
            ]
        self._token_counts: dict[tuple[str, bytes], int] = {}
        self._models: dict[str, ModelInfo] = {}
        for entry in model_list:
            name = entry["model_name"]
            if name in self._models:
                continue  # a further deployment of the same model (load balancing / failover)
            info = entry.get("model_info") or {}
            litellm_model = entry["litellm_params"]["model"]
            vision, context = _model_facts(litellm, litellm_model, info)
            self._models[name] = ModelInfo(
                id=name,
                label=info.get("label") or name,
                provider=info.get("provider") or _vendor(litellm_model),
                litellm_model=litellm_model,
                supports_vision=vision,
                max_input_tokens=context,
            )
        self._direct = _single_deployments(model_list, fallbacks)
        self.router = litellm.Router(
            model_list=model_list,
            fallbacks=fallbacks,
            num_retries=settings.llm_num_retries,
            allowed_fails=0,
            cooldown_time=settings.llm_cooldown_seconds,
            timeout=settings.llm_timeout_seconds,
        )

    def models(self) -> list[ModelInfo]:
        """Every model people can pick, in configuration order."""
        return list(self._models.values())

    def model(self, model_id: str) -> ModelInfo | None:
        """The model with this public id, if configured."""
        return self._models.get(model_id)

    @property
    def is_demo(self) -> bool:
        """True when no provider is configured."""
        return list(self._models) == [DEMO_MODEL_ID]

    def count_tokens(self, model_id: str, messages: list[dict]) -> int:
        """Tokens these messages take for this model (litellm's counter, offline).

        Remembered by a digest of the messages: each send of a long
        conversation counts the same earlier messages again, at ~0.1 ms each.
        """
        text = json.dumps(messages, sort_keys=True, ensure_ascii=False).encode()
        key = (model_id, hashlib.blake2b(text, digest_size=16).digest())
        if (known := self._token_counts.get(key)) is not None:
            return known
        info = self._models[model_id]
        model = "gpt-4o-mini" if info.id == DEMO_MODEL_ID else info.litellm_model
        count = load_litellm().token_counter(model=model, messages=messages)
        if len(self._token_counts) >= _TOKEN_COUNTS_KEPT:
            self._token_counts.clear()  # bounded memory; it refills with what is in use
        self._token_counts[key] = count
        return count

    async def stream(
        self,
        model_id: str,
        messages: list[dict],
        params: dict[str, Any] | None = None,
        *,
        on_request: Callable[[], None] | None = None,
        tried: list[tuple[str, str]] | None = None,
    ) -> AsyncIterator[Delta | Finished]:
        """Stream a reply: `Delta` pieces, then one `Finished`.

        Closing the iterator (e.g. when the reply is stopped) closes the
        upstream HTTP stream at once. `on_request` is called when the request
        is about to go to the provider (again for each fallback deployment);
        `tried`, if given, gains (litellm model, provider) for each deployment
        the Router sent the request to, in order.

        Raises:
            ProviderError: the provider failed; the message is fit to show.
        """
        litellm = load_litellm()
        if model_id not in self._models:
            raise ProviderError("bad_request", "This model is not available.")
        _on_request.set(on_request)
        _tried.set(tried)
        request = {
            "messages": messages,
            "stream": True,
            "stream_options": {"include_usage": True},
            **clean_params(params),
        }
        try:
            response = await self._open(model_id, **request)
        except Exception as error:
            raise provider_error(litellm, error) from error
        prompt = completion = None
        written: list[str] = []
        try:
            async for piece in pieces(response):
                if piece.text:
                    written.append(piece.text)
                    yield Delta(piece.text)
                prompt = piece.prompt_tokens if piece.prompt_tokens is not None else prompt
                if piece.completion_tokens is not None:
                    completion = piece.completion_tokens
        except ProviderError:
            raise
        except Exception as error:
            raise provider_error(litellm, error) from error
        finally:
            await response.aclose()
        # A provider that reports no usage is counted here, as litellm's wrapper would.
        if prompt is None:
            prompt = self.count_tokens(model_id, messages)
        if completion is None:
            completion = litellm.token_counter(model="gpt-4o-mini", text="".join(written))
        served_id, served_by, provider = self._served_by(model_id, response)
        yield Finished(
            prompt_tokens=prompt,
            completion_tokens=completion,
            cost_usd=_cost(litellm, served_by, prompt, completion),
            model=served_by,
            provider=provider,
            model_id=served_id,
        )

    async def _open(self, model_id: str, **request):
        """Open a request to a model: straight to litellm for a lone deployment, else routed."""
        direct = self._direct.get(model_id)
        if direct is None:
            return await self.router.acompletion(model=model_id, **request)
        return await load_litellm().acompletion(
            **direct,
            **request,
            timeout=self.settings.llm_timeout_seconds,
            num_retries=self.settings.llm_num_retries,
        )

    async def rehearse(self) -> None:
        """Stream one made-up reply the way `stream` does, answered by litellm itself.

        litellm imports much of its streaming path on the first request (~300 ms
        of the first person's first reply in each process). `mock_response`
        stops short of the provider: nothing leaves the machine. A failure here
        only means that the first reply pays that time after all.
        """
        try:
            response = await self._open(
                next(iter(self._models)),
                messages=[{"role": "user", "content": "rehearsal"}],
                stream=True,
                mock_response="ok",
            )
            async for _chunk in response:
                pass
        except Exception:
            log.warning("rehearsing a reply at start failed", exc_info=True)

    def _served_by(self, model_id: str, response) -> tuple[str, str, str]:
        """Who answered: (public model id, litellm model, provider).

        The Router's pick when it routed the request (a fallback answers under
        its own name and provider), else the requested model itself.
        """
        deployment_id = (getattr(response, "_hidden_params", None) or {}).get("model_id")
        if model_id not in self._direct and deployment_id:
            deployment = self.router.registry().deployment(deployment_id)
            if deployment and deployment.model_name in self._models:
                litellm_model = deployment.litellm_params.model
                provider = getattr(deployment.model_info, "provider", None)
                return deployment.model_name, litellm_model, provider or _vendor(litellm_model)
        info = self._models[model_id]
        return model_id, info.litellm_model, info.provider


def _vendor(litellm_model: str) -> str:
    """The provider named by a litellm model's prefix ("openai/gpt-4o" -> "openai")."""
    return litellm_model.split("/", 1)[0]


def _single_deployments(model_list: list[dict], fallbacks: list[dict]) -> dict[str, dict]:
    """The litellm parameters of each model that has one deployment and no fallback.

    Those go to litellm directly: the Router has nothing to choose between
    for them, and its routing, cooldown and fallback bookkeeping cost ~2.5 ms
    before each request leaves (measured), the first reply's word included.
    """
    deployments = Counter(entry["model_name"] for entry in model_list)
    with_fallbacks = {name for rule in fallbacks for name in rule}
    return {
        entry["model_name"]: entry["litellm_params"]
        for entry in model_list
        if deployments[entry["model_name"]] == 1 and entry["model_name"] not in with_fallbacks
    }


def _cost(litellm, model: str, prompt: int, completion: int) -> float:
    try:
        prompt_cost, completion_cost = litellm.cost_per_token(
            model=model, prompt_tokens=prompt, completion_tokens=completion
        )
    except Exception:  # models without a price (local, custom, demo) cost nothing here
        return 0.0
    return float(prompt_cost + completion_cost)


_gateway: LLMGateway | None = None
_gateway_lock = threading.Lock()


def get_gateway() -> LLMGateway:
    """The process-wide gateway (built on first use from the settings)."""
    global _gateway
    with _gateway_lock:
        if _gateway is None:
            _gateway = LLMGateway(get_settings())
        return _gateway


def gateway_ready() -> bool:
    """Whether the gateway is built (litellm imported): the first reply will be quick."""
    return _gateway is not None


def reset_gateway() -> None:
    """Forget the gateway so the next use reads the settings again (tests)."""
    global _gateway
    with _gateway_lock:
        _gateway = None


async def warm_up() -> None:
    """Import litellm, build the gateway and rehearse a reply, at app start."""
    await asyncio.to_thread(get_gateway)
    await get_gateway().rehearse()
