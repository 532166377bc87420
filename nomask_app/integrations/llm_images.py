"""Image models through litellm: generation and editing, as `llm.py` does for chat.

Providers switch on by configuration alone (llm_models.py lists them); with
none configured, an "Offline demo" image model draws locally
(integrations/demo_images.py) through the same litellm Router path. litellm
itself is imported by llm.py alone.
"""

import asyncio
import base64
import threading

from nomask_app.config import Settings, get_settings
from nomask_app.integrations.llm import load_litellm
from nomask_app.integrations.llm_errors import provider_error
from nomask_app.integrations.llm_models import (
    DEFAULT_IMAGE_SIZES,
    DEMO_IMAGE_LITELLM_MODEL,
    DEMO_IMAGE_SIZES,
    DEMO_PROVIDER,
    ERROR_MESSAGES,
    IMAGE_DEMO_MODEL_ID,
    KNOWN_IMAGE_MODELS,
    MAX_IMAGES_PER_REQUEST,
    ImageModelInfo,
    ImageResult,
    ProviderError,
    configured_image_deployments,
)

_DOWNLOAD_TIMEOUT = 30.0


def _image_facts(litellm, litellm_model: str, info: dict) -> tuple[tuple[str, ...], int, bool]:
    name = litellm_model.rsplit("/", 1)[-1]
    sizes, max_images, can_edit = KNOWN_IMAGE_MODELS.get(
        name, (DEFAULT_IMAGE_SIZES, MAX_IMAGES_PER_REQUEST, None)
    )
    if can_edit is None:
        try:
            endpoints = litellm.get_model_info(litellm_model).get("supported_endpoints")
        except Exception:  # unknown to litellm (custom endpoints): assume OpenAI's API
            endpoints = None
        # litellm lists endpoints for the models it knows well; without a list,
        # the provider's edit API is tried and a refusal is shown as such.
        can_edit = "/v1/images/edits" in endpoints if endpoints else True
    sizes = tuple(info.get("sizes") or sizes)
    max_images = min(int(info.get("max_images") or max_images), MAX_IMAGES_PER_REQUEST)
    return sizes, max_images, bool(info.get("supports_image_edit", can_edit))


class ImageGateway:
    """The configured image models behind one litellm Router."""

    def __init__(self, settings: Settings):
        """Build the Router; the offline demo draws only when nothing is configured."""
        litellm = load_litellm()
        model_list = configured_image_deployments(settings) or [
            {
                "model_name": IMAGE_DEMO_MODEL_ID,
                "litellm_params": {"model": DEMO_IMAGE_LITELLM_MODEL},
                "model_info": {
                    "label": "Offline demo",
                    "provider": DEMO_PROVIDER,
                    "sizes": list(DEMO_IMAGE_SIZES),
                    "supports_image_edit": True,
                },
            }
        ]
        self._models: dict[str, ImageModelInfo] = {}
        for entry in model_list:
            name = entry["model_name"]
            if name in self._models:
                continue  # a further deployment of the same model (failover)
            info = entry.get("model_info") or {}
            litellm_model = entry["litellm_params"]["model"]
            sizes, max_images, can_edit = _image_facts(litellm, litellm_model, info)
            self._models[name] = ImageModelInfo(
                id=name,
                label=info.get("label") or name,
                provider=info.get("provider") or litellm_model.split("/", 1)[0],
                litellm_model=litellm_model,
                sizes=sizes,
                max_images=max_images,
                supports_edit=can_edit,
            )
        self.router = litellm.Router(
            model_list=model_list,
            num_retries=settings.llm_num_retries,
            allowed_fails=0,
            cooldown_time=settings.llm_cooldown_seconds,
            timeout=settings.image_timeout_seconds,
        )
        self._max_bytes = settings.max_upload_bytes * 2

    def models(self) -> list[ImageModelInfo]:
        """Every image model, in configuration order."""
        return list(self._models.values())

    def model(self, model_id: str) -> ImageModelInfo | None:
        """The image model with this public id, if configured."""
        return self._models.get(model_id)

    @property
    def is_demo(self) -> bool:
        """True when no image provider is configured."""
        return list(self._models) == [IMAGE_DEMO_MODEL_ID]

    async def generate(self, model_id: str, prompt: str, *, size: str, count: int) -> ImageResult:
        """Draw `count` images of `size` from `prompt` (litellm's image generation API).

        Only the validated model, prompt, size and count reach litellm: nothing
        else a person sends is passed on (no api_base, no response_format).

        Raises:
            ProviderError: an unknown model or size, or a provider failure.
        """
        info = self._models.get(model_id)
        if info is None or size not in info.sizes or not 1 <= count <= info.max_images:
            raise ProviderError("bad_request", ERROR_MESSAGES["bad_request"])
        litellm = load_litellm()
        try:
            response = await self.router.aimage_generation(
                model=model_id, prompt=prompt, size=size, n=count
            )
            return await self._result(response, info)
        except ProviderError:
            raise
        except Exception as error:
            raise provider_error(litellm, error) from error

    async def edit(
        self, model_id: str, prompt: str, *, image: bytes, mask: bytes | None = None
    ) -> ImageResult:
        """Change an image (PNG) where `mask` (a PNG, transparent = change) allows.

        Raises:
            ProviderError: a model that cannot edit, or a provider failure.
        """
        info = self._models.get(model_id)
        if info is None or not info.supports_edit:
            raise ProviderError("bad_request", "This image model cannot edit images.")
        litellm = load_litellm()
        extra = {"mask": mask} if mask else {}
        try:
            response = await self.router.aimage_edit(
                model=model_id, image=image, prompt=prompt, **extra
            )
            return await self._result(response, info)
        except ProviderError:
            raise
        except Exception as error:
            raise provider_error(litellm, error) from error

    async def _result(self, response, info: ImageModelInfo) -> ImageResult:
        images: list[bytes] = []
        for item in getattr(response, "data", None) or []:
            if getattr(item, "b64_json", None):
                images.append(base64.b64decode(item.b64_json))
            elif getattr(item, "url", None):
                images.append(await _download(item.url, self._max_bytes))
        if not images:
            raise ProviderError("bad_response", ERROR_MESSAGES["bad_response"])
        hidden = getattr(response, "_hidden_params", None) or {}
        return ImageResult(
            images=images,
            model=hidden.get("litellm_model_name") or info.litellm_model,
            provider=info.provider,
            cost_usd=float(hidden.get("response_cost") or 0.0),
        )


async def _download(url: str, limit: int) -> bytes:
    """Fetch an image a provider returned by URL (https only, size-capped, no redirects)."""
    import httpx  # a litellm dependency

    if not url.startswith("https://"):
        raise ProviderError("bad_response", ERROR_MESSAGES["bad_response"])
    received = bytearray()
    try:
        async with (
            httpx.AsyncClient(timeout=_DOWNLOAD_TIMEOUT) as client,
            client.stream("GET", url) as response,
        ):
            response.raise_for_status()
            async for chunk in response.aiter_bytes():
                received += chunk
                if len(received) > limit:
                    raise ProviderError("bad_response", ERROR_MESSAGES["bad_response"])
    except httpx.HTTPError as error:
        raise ProviderError("connection", ERROR_MESSAGES["connection"]) from error
    return bytes(received)


_image_gateway: ImageGateway | None = None
_image_gateway_lock = threading.Lock()


def get_image_gateway() -> ImageGateway:
    """The process-wide image gateway (built on first use from the settings)."""
    global _image_gateway
    with _image_gateway_lock:
        if _image_gateway is None:
            _image_gateway = ImageGateway(get_settings())
        return _image_gateway


def reset_image_gateway() -> None:
    """Forget the gateway so the next use reads the settings again (tests)."""
    global _image_gateway
    with _image_gateway_lock:
        _image_gateway = None


async def warm_up() -> None:
    """Build the image gateway off the event loop, at app start."""
    await asyncio.to_thread(get_image_gateway)
