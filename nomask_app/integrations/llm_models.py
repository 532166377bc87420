"""The models that can be configured, and what the gateways hand back; no litellm here.

Which providers and models are switched on comes from the settings (API keys,
an Ollama or OpenAI-compatible base URL, a litellm Router models file); the
gateways in `llm.py`, the only module that imports litellm, turn these lists
into Routers. Also here: the request parameters a person may set, the offline
demo's words, and the value types of replies and images.
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nomask_app.config import Settings

DEMO_MODEL_ID = "offline-demo"
# The provider name of the offline demo models: they answer on this server.
DEMO_PROVIDER = "offline-demo"
DEMO_LITELLM_MODEL = "nomaskdemo/offline-demo"
DEFAULT_CONTEXT = 8192
# provider -> (settings field with its key, models offered by default, litellm prefix, label)
_PROVIDERS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "openai": ("openai_api_key", ("gpt-4o-mini", "gpt-4.1"), "openai/", "OpenAI"),
    "anthropic": (
        "anthropic_api_key",
        ("claude-sonnet-4-5", "claude-haiku-4-5"),
        "anthropic/",
        "Anthropic",
    ),
    "gemini": ("gemini_api_key", ("gemini-2.5-flash", "gemini-2.5-pro"), "gemini/", "Gemini"),
    "mistral": (
        "mistral_api_key",
        ("mistral-large-latest", "mistral-small-latest"),
        "mistral/",
        "Mistral",
    ),
    "groq": ("groq_api_key", ("llama-3.3-70b-versatile",), "groq/", "Groq"),
    "openrouter": ("openrouter_api_key", ("openai/gpt-4o-mini",), "openrouter/", "OpenRouter"),
}

# The only request parameters a person may set, with their allowed ranges.
# Everything else (api_base, api_key, headers, ...) is never taken from users.
ALLOWED_PARAMS: dict[str, tuple[float, float]] = {
    "temperature": (0.0, 2.0),
    "top_p": (0.0, 1.0),
    "max_tokens": (1, 32_768),
}


@dataclass(frozen=True)
class ModelInfo:
    """A model people can pick.

    Attributes:
        id: Public id, the Router's model name (e.g. ``openai/gpt-4o-mini``).
        label: What the picker shows.
        provider: Provider name recorded with each reply.
        litellm_model: The litellm model string of its first deployment.
        supports_vision: Whether images can be sent to it.
        max_input_tokens: Its context window.
    """

    id: str
    label: str
    provider: str
    litellm_model: str
    supports_vision: bool
    max_input_tokens: int


@dataclass(frozen=True)
class Delta:
    """A piece of reply text."""

    text: str


@dataclass(frozen=True)
class Finished:
    """The end of a reply, with what it cost and who wrote it.

    Attributes:
        model: The litellm model (deployment) that answered.
        provider: That deployment's provider.
        model_id: The public id of the model that answered: a fallback's own
            id when the requested model failed.
    """

    prompt_tokens: int
    completion_tokens: int
    cost_usd: float
    model: str
    provider: str
    model_id: str


class ProviderError(Exception):
    """A provider failure, with a message fit to show in the conversation."""

    def __init__(self, kind: str, message: str):
        """Store the failure kind (rate_limit, timeout, auth, ...) and the message."""
        super().__init__(message)
        self.kind = kind
        self.message = message


def clean_params(raw: dict[str, Any] | None) -> dict[str, float | int]:
    """Keep only allow-listed parameters with values inside their ranges."""
    params: dict[str, float | int] = {}
    for name, value in (raw or {}).items():
        if name not in ALLOWED_PARAMS or isinstance(value, bool):
            continue
        low, high = ALLOWED_PARAMS[name]
        try:
            number = float(value)
        except (TypeError, ValueError):
            continue
        if low <= number <= high:
            params[name] = int(number) if name == "max_tokens" else number
    return params


def reply_words(text: str) -> list[str]:
    """Split a reply into the pieces the offline demo streams (words with their spaces)."""
    words = text.split(" ")
    return [w + " " for w in words[:-1]] + [words[-1]]


def demo_reply(messages: Sequence[dict]) -> str:
    """What the offline demo model says: an honest note and an echo of the question."""
    question = ""
    for message in reversed(messages):
        if message.get("role") == "user":
            content = message.get("content")
            if isinstance(content, list):
                content = " ".join(p.get("text", "") for p in content if p.get("type") == "text")
            question = str(content or "").strip()
            break
    quoted = "\n".join(f"> {line}" for line in question.splitlines()[:12]) or "> (empty)"
    return (
        "**Offline demo.** No AI provider is configured, so NoMask answered locally.\n\n"
        f"You wrote:\n\n{quoted}\n\n"
        "To chat with a real model, set a provider key such as `OPENAI_API_KEY` or "
        "`ANTHROPIC_API_KEY`, or point `NOMASK_OPENAI_COMPATIBLE_BASE_URL` at any "
        "OpenAI-compatible server, then restart. Everything else — streaming, stop, "
        "search, export and deletion — works the same with this demo."
    )


def provider_label(provider: str) -> str:
    """How people read a provider's name ("openai" -> "OpenAI"); unknown ones as given."""
    known = {name: entry[3] for name, entry in (_PROVIDERS | _IMAGE_PROVIDERS).items()}
    known |= {"ollama": "Ollama", "custom": "Your OpenAI-compatible server"}
    return known.get(provider, provider)


def configured_deployments(settings: Settings) -> tuple[list[dict], list[dict]]:
    """Router `model_list` and `fallbacks` from the settings (without the demo)."""
    model_list: list[dict] = []
    fallbacks: list[dict] = []
    if settings.models_file:
        model_list, fallbacks = read_models_file(settings.resolve_path(settings.models_file))
        model_list = [entry for entry in model_list if not is_image_entry(entry)]
    model_list += _keyed_entries(settings, _PROVIDERS, settings.llm_models)
    if settings.ollama_base_url:
        for name in settings.ollama_models:
            model_list.append(
                {
                    "model_name": f"ollama/{name}",
                    "litellm_params": {
                        "model": f"ollama_chat/{name}",
                        "api_base": settings.ollama_base_url,
                    },
                    "model_info": {"label": f"{name} · Ollama", "provider": "ollama"},
                }
            )
    if settings.openai_compatible_base_url:
        facts = {
            "supports_vision": settings.openai_compatible_vision,
            "max_input_tokens": settings.openai_compatible_context_tokens,
        }
        model_list += [
            _openai_compatible_entry(settings, name, facts)
            for name in settings.openai_compatible_models
        ]
    return model_list, fallbacks


def read_models_file(path: Path) -> tuple[list[dict], list[dict]]:
    """The `model_list` and `fallbacks` of a litellm Router models file (JSON or YAML)."""
    text = path.read_text(encoding="utf-8")
    if path.suffix in (".yaml", ".yml"):
        import yaml  # litellm depends on PyYAML

        data = yaml.safe_load(text) or {}
    else:
        data = json.loads(text)
    return list(data.get("model_list", [])), list(data.get("fallbacks", []))


# --- Images -----------------------------------------------------------------------------

IMAGE_DEMO_MODEL_ID = "offline-demo-image"
DEMO_IMAGE_LITELLM_MODEL = "nomaskdemo/offline-demo-image"
DEMO_IMAGE_SIZES = ("768x768", "1024x768", "768x1024")
DEFAULT_IMAGE_SIZES = ("1024x1024", "1536x1024", "1024x1536")
MAX_IMAGES_PER_REQUEST = 4
# provider -> (settings field with its key, image models offered by default, prefix, label)
_IMAGE_PROVIDERS: dict[str, tuple[str, tuple[str, ...], str, str]] = {
    "openai": ("openai_api_key", ("gpt-image-1", "dall-e-3"), "openai/", "OpenAI"),
    "gemini": ("gemini_api_key", ("imagen-3.0-generate-001",), "gemini/", "Gemini"),
    "stability": ("stability_api_key", ("sd3.5-large",), "stability/", "Stability"),
}
# Facts litellm does not know: model name -> (sizes, images per request, can edit).
KNOWN_IMAGE_MODELS: dict[str, tuple[tuple[str, ...], int, bool]] = {
    "dall-e-3": (("1024x1024", "1792x1024", "1024x1792"), 1, False),
    "dall-e-2": (("256x256", "512x512", "1024x1024"), MAX_IMAGES_PER_REQUEST, True),
}


@dataclass(frozen=True)
class ImageModelInfo:
    """An image model people can pick in the studio.

    Attributes:
        id: Public id, the image Router's model name.
        label: What the picker shows.
        provider: Provider name recorded with each image.
        litellm_model: The litellm model string of its first deployment.
        sizes: Sizes it draws (``WIDTHxHEIGHT``), the first is the default.
        max_images: Images one request may ask for.
        supports_edit: Whether it takes an image and a mask ("Edit with AI").
    """

    id: str
    label: str
    provider: str
    litellm_model: str
    sizes: tuple[str, ...]
    max_images: int
    supports_edit: bool


@dataclass(frozen=True)
class ImageResult:
    """Images a model returned (raw bytes, not yet checked), and what they cost."""

    images: list[bytes]
    model: str
    provider: str
    cost_usd: float


def is_image_entry(entry: dict) -> bool:
    """Whether a models-file entry is an image model (``model_info.mode: image_generation``)."""
    return (entry.get("model_info") or {}).get("mode") == "image_generation"


def configured_image_deployments(settings: Settings) -> list[dict]:
    """The image Router's `model_list` from the settings (without the demo)."""
    entries: list[dict] = []
    if settings.models_file:
        listed, _ = read_models_file(settings.resolve_path(settings.models_file))
        entries = [entry for entry in listed if is_image_entry(entry)]
    entries += _keyed_entries(settings, _IMAGE_PROVIDERS, settings.image_models)
    if settings.openai_compatible_base_url:
        entries += [
            _openai_compatible_entry(settings, name, {})
            for name in settings.openai_compatible_image_models
        ]
    return entries


def _keyed_entries(
    settings: Settings,
    providers: dict[str, tuple[str, tuple[str, ...], str, str]],
    chosen: dict[str, list[str]],
) -> list[dict]:
    """Entries for each provider whose API key is set: its chosen models, or its defaults."""
    entries = []
    for provider, (key_field, defaults, prefix, label) in providers.items():
        key = getattr(settings, key_field)
        if key is None:
            continue
        for name in chosen.get(provider, defaults):
            entries.append(
                {
                    "model_name": f"{provider}/{name}",
                    "litellm_params": {
                        "model": f"{prefix}{name}",
                        "api_key": key.get_secret_value(),
                    },
                    "model_info": {"label": f"{name} · {label}", "provider": provider},
                }
            )
    return entries


def _openai_compatible_entry(settings: Settings, name: str, facts: dict) -> dict:
    """An entry for model `name` of the configured OpenAI-compatible server."""
    key = settings.openai_compatible_api_key
    return {
        "model_name": f"custom/{name}",
        "litellm_params": {
            "model": f"openai/{name}",
            "api_base": settings.openai_compatible_base_url,
            "api_key": key.get_secret_value() if key else "not-needed",
        },
        "model_info": {"label": f"{name} · Custom", "provider": "custom", **facts},
    }


# What people are shown when a provider fails, by kind of failure.
ERROR_MESSAGES = {
    "context": "This conversation is too long for the model. "
    "Start a new chat or pick a model with a larger context.",
    "rate_limit": "The AI provider is busy right now (rate limit). Please retry in a moment.",
    "timeout": "The AI provider did not answer in time.",
    "auth": "The AI provider refused the configured credentials. "
    "An administrator needs to check the API key.",
    "connection": "The connection to the AI provider was interrupted.",
    "unavailable": "The AI provider is unavailable right now.",
    "bad_request": "The AI provider rejected the request.",
    "content_policy": "The AI provider refused this request under its content policy. "
    "Try describing it differently.",
    "bad_response": "The AI provider answered without an image we could use.",
}
