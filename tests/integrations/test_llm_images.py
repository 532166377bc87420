"""Image models through litellm: the offline demo, configured providers, the fake's wire format."""

import io
import json

import pytest
from PIL import Image

from nomask_app.integrations.llm import LLMGateway, ProviderError
from nomask_app.integrations.llm_images import IMAGE_DEMO_MODEL_ID, ImageGateway


@pytest.fixture
def gateways(use_models):
    def build(**env: str) -> tuple[LLMGateway, ImageGateway]:
        use_models(**env)
        from nomask_app.config import get_settings

        return LLMGateway(get_settings()), ImageGateway(get_settings())

    return build


def _png(size=(32, 24)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", size, (10, 20, 30)).save(buffer, "PNG")
    return buffer.getvalue()


def _mask(size=(32, 24)) -> bytes:
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), (0, 0, 8, 8))
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return buffer.getvalue()


def _size(data: bytes) -> tuple[int, int]:
    with Image.open(io.BytesIO(data)) as image:
        assert image.format == "PNG"
        return image.size


async def test_nothing_configured_means_the_offline_demo_draws_real_images(gateways):
    _, images = gateways()
    assert images.is_demo
    [demo] = images.models()
    assert (demo.id, demo.label, demo.supports_edit) == (IMAGE_DEMO_MODEL_ID, "Offline demo", True)
    result = await images.generate(demo.id, "a lighthouse", size=demo.sizes[1], count=2)
    assert [_size(data) for data in result.images] == [(1024, 768), (1024, 768)]
    assert result.images[0] != result.images[1]
    assert (result.provider, result.cost_usd) == ("offline-demo", 0.0)
    edited = await images.edit(demo.id, "paint it", image=_png(), mask=_mask())
    assert _size(edited.images[0]) == (32, 24)


async def test_sizes_and_counts_outside_the_model_are_refused(gateways):
    _, images = gateways()
    with pytest.raises(ProviderError):
        await images.generate(IMAGE_DEMO_MODEL_ID, "x", size="4096x4096", count=1)
    with pytest.raises(ProviderError):
        await images.generate(IMAGE_DEMO_MODEL_ID, "x", size="768x768", count=9)
    with pytest.raises(ProviderError):
        await images.generate("openai/gpt-image-1", "x", size="1024x1024", count=1)


def test_provider_keys_switch_image_models_on(gateways):
    _, images = gateways(OPENAI_API_KEY="sk-test", STABILITY_API_KEY="sk-stability")
    by_id = {m.id: m for m in images.models()}
    assert set(by_id) == {"openai/gpt-image-1", "openai/dall-e-3", "stability/sd3.5-large"}
    assert not images.is_demo
    assert by_id["openai/gpt-image-1"].supports_edit  # litellm lists /v1/images/edits
    dalle = by_id["openai/dall-e-3"]
    assert (dalle.max_images, dalle.supports_edit) == (1, False)
    assert "1792x1024" in dalle.sizes
    assert not by_id["stability/sd3.5-large"].supports_edit
    _, images = gateways(GEMINI_API_KEY="g", NOMASK_IMAGE_MODELS='{"gemini": ["imagen-x"]}')
    assert [m.id for m in images.models()] == ["gemini/imagen-x"]


def _models_file(tmp_path, base_url: str):
    path = tmp_path / "models.json"
    params = {"api_base": base_url, "api_key": "test"}
    path.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "chat",
                        "litellm_params": {"model": "openai/fake-a", **params},
                    },
                    {
                        "model_name": "painter",
                        "litellm_params": {"model": "openai/fake-img", **params},
                        "model_info": {"mode": "image_generation", "label": "Fake Painter"},
                    },
                ]
            }
        )
    )
    return path


async def test_image_entries_of_the_models_file_reach_the_provider_as_openai_expects(
    gateways, fake_provider, tmp_path
):
    chat, images = gateways(NOMASK_MODELS_FILE=str(_models_file(tmp_path, fake_provider.base_url)))
    assert [m.id for m in chat.models()] == ["chat"]  # image models stay out of chat
    assert [m.label for m in images.models()] == ["Fake Painter"]
    result = await images.generate("painter", "a red fox", size="1024x1536", count=2)
    assert [_size(data) for data in result.images] == [(1024, 1536)] * 2
    assert result.model == "openai/fake-img"
    request = fake_provider.image_requests("generations")[-1]
    assert request.body == {"model": "fake-img", "prompt": "a red fox", "n": 2, "size": "1024x1536"}
    assert "response_format" not in request.body
    assert request.headers["authorization"] == "Bearer test"

    edited = await images.edit("painter", "give it a hat", image=_png(), mask=_mask())
    assert _size(edited.images[0]) == (32, 24)
    request = fake_provider.image_requests("edits")[-1]
    assert request.headers["content-type"].startswith("multipart/form-data")
    assert request.body["prompt"] == "give it a hat"
    assert request.body["model"] == "fake-img"
    _, mask_type, mask = request.files["mask"]
    assert mask_type == "image/png" and mask == _mask()
    assert request.files["image[]"][2] == _png()


async def test_provider_failures_become_clear_messages(gateways, fake_provider):
    _, images = gateways(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_IMAGE_MODELS='["fake-img"]',
    )
    assert [m.id for m in images.models()] == ["custom/fake-img"]
    with pytest.raises(ProviderError) as caught:
        await images.generate("custom/fake-img", "[[error:429]]", size="1024x1024", count=1)
    assert caught.value.kind == "rate_limit"
    fake_provider.fail_model("fake-img", 401)
    with pytest.raises(ProviderError) as caught:
        await images.edit("custom/fake-img", "x", image=_png())
    assert caught.value.kind == "auth", repr(caught.value.__cause__)
    fake_provider.fail_model("fake-img", None)
