"""Each provider family's reply stream, read beneath litellm's wrapper, against wire-format fakes.

OpenAI-compatible (tests/fakes/openai_server.py), Anthropic, Gemini and Ollama
(tests/fakes/vendor_streams.py): text deltas, usage at the end (or counted
when absent), an in-stream error, Stop, and a fallback to another deployment.
"""

import asyncio
import json

import pytest

from nomask_app.integrations import llm_stream
from nomask_app.integrations.llm import Delta, Finished, LLMGateway, ProviderError
from tests.fakes.vendor_streams import PROMPT_TOKENS, FakeVendorServer

# public model id -> (litellm model, which fake, api_base suffix, prompt tokens the fake reports)
FAMILIES = {
    "custom/fake-a": ("openai/fake-a", "openai", "", 10),
    "anthropic/claude-fake": ("anthropic/claude-fake", "vendor", "", PROMPT_TOKENS),
    "gemini/gemini-fake": ("gemini/gemini-fake", "vendor", "/v1beta", PROMPT_TOKENS),
    "ollama/fake": ("ollama_chat/fake", "vendor", "", PROMPT_TOKENS),
}


@pytest.fixture
def vendor():
    server = FakeVendorServer().start()
    yield server
    server.stop()


def _entry(name, model, base):
    return {
        "model_name": name,
        "litellm_params": {"model": model, "api_base": base, "api_key": "x"},
        "model_info": {"label": name, "provider": name.split("/")[0]},
    }


@pytest.fixture
def gateway(tmp_path, use_models, fake_provider, vendor):
    """Every family as a lone deployment, plus `main` (failing Anthropic) falling back on Gemini."""
    bases = {"openai": fake_provider.base_url, "vendor": vendor.base_url}
    entries = [_entry(n, m, bases[f] + s) for n, (m, f, s, _) in FAMILIES.items()]
    entries.append(_entry("main", "anthropic/claude-down", vendor.base_url))
    entries.append(_entry("spare", "gemini/gemini-spare", vendor.base_url + "/v1beta"))
    path = tmp_path / "models.json"
    path.write_text(json.dumps({"model_list": entries, "fallbacks": [{"main": ["spare"]}]}))
    use_models(NOMASK_MODELS_FILE=str(path), NOMASK_LLM_NUM_RETRIES="0")
    from nomask_app.config import get_settings

    return LLMGateway(get_settings())


@pytest.fixture
def no_wrapper(monkeypatch):
    """Fail if litellm's per-chunk wrapper is iterated (the slow path this module avoids)."""
    from litellm.litellm_core_utils.streaming_handler import CustomStreamWrapper

    async def refuse(self):
        raise AssertionError("litellm's stream wrapper was iterated")

    monkeypatch.setattr(CustomStreamWrapper, "__anext__", refuse)


async def _collect(stream):
    """The text pieces, and the last item (the `Finished`)."""
    items = [item async for item in stream]
    return [item.text for item in items if isinstance(item, Delta)], items[-1]


def _ask(text):
    return [{"role": "user", "content": text}]


@pytest.mark.parametrize("model_id", list(FAMILIES))
async def test_text_arrives_in_pieces_with_the_usage_reported_at_the_end(
    gateway, no_wrapper, model_id
):
    pieces, finished = await _collect(gateway.stream(model_id, _ask("[[tokens:6]] hi")))
    assert pieces == ["word0 ", "word1 ", "word2 ", "word3 ", "word4 ", "word5"]
    assert isinstance(finished, Finished)
    assert (finished.prompt_tokens, finished.completion_tokens) == (FAMILIES[model_id][3], 6)
    assert finished.model_id == model_id
    assert finished.model == FAMILIES[model_id][0]


@pytest.mark.parametrize("model_id", list(FAMILIES))
async def test_a_provider_without_usage_is_counted_here(gateway, no_wrapper, model_id):
    pieces, finished = await _collect(gateway.stream(model_id, _ask("[[tokens:30]] [[nousage]]")))
    assert len(pieces) == 30
    assert finished.prompt_tokens > 0
    assert finished.completion_tokens > 0


@pytest.mark.parametrize("model_id", list(FAMILIES))
async def test_an_error_in_the_middle_of_the_stream_keeps_the_text_and_fails_clearly(
    gateway, no_wrapper, model_id
):
    pieces = []
    with pytest.raises(ProviderError) as raised:
        async for item in gateway.stream(model_id, _ask("[[tokens:10]] [[midfail]]")):
            pieces.append(item.text)
    assert pieces == ["word0 ", "word1 "]
    assert raised.value.kind == "unavailable"


@pytest.mark.parametrize("model_id", list(FAMILIES))
async def test_a_stream_cut_before_its_end_is_a_connection_error(model_id):
    decode = {
        "custom/fake-a": llm_stream.decode_openai,
        "anthropic/claude-fake": llm_stream.decode_anthropic,
        "gemini/gemini-fake": llm_stream.decode_gemini,
        "ollama/fake": llm_stream.decode_ollama,
    }[model_id]

    async def lines():
        yield ""  # then the connection closes, without the provider's end of reply

    with pytest.raises(ProviderError) as raised:
        async for _ in llm_stream.read_lines(lines(), decode):
            pass
    assert raised.value.kind == "connection"


@pytest.mark.parametrize("model_id", list(FAMILIES))
async def test_stop_closes_the_provider_connection_at_once(
    gateway, no_wrapper, fake_provider, vendor, model_id
):
    stream = gateway.stream(model_id, _ask("[[tokens:200]] [[gap:20]]"))
    assert isinstance(await anext(stream), Delta)
    await stream.aclose()
    fake = fake_provider.state if FAMILIES[model_id][1] == "openai" else vendor
    model = FAMILIES[model_id][0].split("/", 1)[1]
    for _ in range(100):  # the fake notices when its next write fails
        if model in fake.disconnects:
            break
        await asyncio.sleep(0.05)
    assert model in fake.disconnects


async def test_a_failing_deployment_falls_back_to_another_family(gateway, vendor):
    vendor.failing_models["claude-down"] = 529
    tried = []
    pieces, finished = await _collect(gateway.stream("main", _ask("[[tokens:5]] hi"), tried=tried))
    assert "".join(pieces) == "word0 word1 word2 word3 word4"
    assert finished.model_id == "spare"
    assert finished.model == "gemini/gemini-spare"
    assert (finished.prompt_tokens, finished.completion_tokens) == (PROMPT_TOKENS, 5)
    assert [model for model, _ in tried] == ["anthropic/claude-down", "gemini/gemini-spare"]
    assert [(family, model) for family, model, _ in vendor.requests] == [
        ("anthropic", "claude-down"),
        ("gemini", "gemini-spare"),
    ]
