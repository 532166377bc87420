"""The litellm gateway against the offline demo and a local OpenAI-compatible server."""

import ast
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from nomask_app.integrations import llm
from nomask_app.integrations.llm import Delta, Finished, LLMGateway, ProviderError, clean_params
from tests.support import fallback_models_file


@pytest.fixture
def gateway_for(use_models):
    def build(**env: str) -> LLMGateway:
        use_models(**env)
        from nomask_app.config import get_settings

        return LLMGateway(get_settings())

    return build


async def _collect(stream):
    pieces, finished = [], None
    async for item in stream:
        if isinstance(item, Delta):
            pieces.append(item.text)
        else:
            finished = item
    return "".join(pieces), finished


def test_nothing_configured_means_only_the_offline_demo(gateway_for):
    gateway = gateway_for()
    assert [m.label for m in gateway.models()] == ["Offline demo"]
    assert gateway.is_demo


async def test_offline_demo_streams_with_usage_through_litellm(gateway_for):
    gateway = gateway_for()
    messages = [{"role": "user", "content": "What is NoMask?"}]
    text, finished = await _collect(gateway.stream(llm.DEMO_MODEL_ID, messages))
    assert text.startswith("**Offline demo.**")
    assert "> What is NoMask?" in text
    assert isinstance(finished, Finished)
    assert finished.prompt_tokens > 0 and finished.completion_tokens > 10
    assert finished.cost_usd == 0.0


def test_keys_switch_providers_on(gateway_for):
    gateway = gateway_for(OPENAI_API_KEY="sk-test", ANTHROPIC_API_KEY="sk-ant-test")
    ids = [m.id for m in gateway.models()]
    assert "openai/gpt-4o-mini" in ids and "anthropic/claude-sonnet-4-5" in ids
    assert llm.DEMO_MODEL_ID not in ids
    assert gateway.model("openai/gpt-4o-mini").supports_vision
    assert gateway.model("openai/gpt-4o-mini").max_input_tokens >= 100_000


async def test_openai_compatible_server_streams_and_counts(gateway_for, fake_provider):
    gateway = gateway_for(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    assert [m.id for m in gateway.models()] == ["custom/fake-a"]
    text, finished = await _collect(
        gateway.stream("custom/fake-a", [{"role": "user", "content": "hello there"}])
    )
    assert text == "Echo: hello there"
    assert (finished.prompt_tokens, finished.completion_tokens) == (10, 3)
    assert finished.model == "openai/fake-a"
    request = fake_provider.chat_requests()[-1]
    assert request.body["stream"] is True
    assert request.body["messages"] == [{"role": "user", "content": "hello there"}]


@pytest.mark.parametrize(
    ("directive", "kind"),
    [
        ("[[error:429]]", "rate_limit"),
        ("[[error:500]]", "unavailable"),
        ("[[error:401]]", "auth"),
        ("[[drop]] [[tokens:20]]", "connection"),
    ],
)
async def test_provider_failures_become_clear_errors(gateway_for, fake_provider, directive, kind):
    gateway = gateway_for(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    with pytest.raises(ProviderError) as caught:
        await _collect(gateway.stream("custom/fake-a", [{"role": "user", "content": directive}]))
    assert caught.value.kind == kind
    assert caught.value.message


async def test_closing_the_stream_cancels_the_upstream_request(gateway_for, fake_provider):
    gateway = gateway_for(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    stream = gateway.stream(
        "custom/fake-a", [{"role": "user", "content": "[[slow]] [[tokens:100]]"}]
    )
    first = await anext(stream)
    assert isinstance(first, Delta)
    await stream.aclose()
    for _ in range(40):
        if fake_provider.state.disconnects:
            break
        await asyncio.sleep(0.1)
    assert fake_provider.state.disconnects == ["fake-a"]


async def test_models_file_with_failover_to_the_next_deployment(
    gateway_for, fake_provider, tmp_path
):
    models_file = tmp_path / "models.json"
    models_file.write_text(
        '{"model_list": ['
        f'{{"model_name": "team", "litellm_params": {{"model": "openai/fake-a", "api_base": "{fake_provider.base_url}", "api_key": "x", "order": 1}}}},'  # noqa: E501
        f'{{"model_name": "team", "litellm_params": {{"model": "openai/fake-b", "api_base": "{fake_provider.base_url}", "api_key": "x", "order": 2}}}}'  # noqa: E501
        "]}"
    )
    gateway = gateway_for(NOMASK_MODELS_FILE=str(models_file))
    assert [m.id for m in gateway.models()] == ["team"]
    fake_provider.fail_model("fake-a", 500)
    text, finished = await _collect(gateway.stream("team", [{"role": "user", "content": "hi"}]))
    # The primary failed; the same request went on to the next deployment.
    assert [r.model for r in fake_provider.chat_requests()] == ["fake-a", "fake-b"]
    assert (text, finished.model) == ("Echo: hi", "openai/fake-b")
    # The failed deployment now cools down: the next request starts with the healthy one.
    await _collect(gateway.stream("team", [{"role": "user", "content": "hi"}]))
    assert [r.model for r in fake_provider.chat_requests()][2:] == ["fake-b"]
    # When every deployment fails, the person gets a clear error.
    fake_provider.fail_model("fake-b", 503)
    with pytest.raises(ProviderError) as caught:
        await _collect(gateway.stream("team", [{"role": "user", "content": "hi"}]))
    assert caught.value.kind == "unavailable"


async def test_only_a_choice_of_deployments_goes_through_the_router(
    gateway_for, fake_provider, tmp_path, monkeypatch
):
    models_file = tmp_path / "models.json"
    entry = {"api_base": fake_provider.base_url, "api_key": "x"}
    models_file.write_text(
        json.dumps(
            {
                "model_list": [
                    {"model_name": "solo", "litellm_params": {"model": "openai/fake-a", **entry}},
                    {"model_name": "main", "litellm_params": {"model": "openai/fake-b", **entry}},
                    {"model_name": "spare", "litellm_params": {"model": "openai/fake-c", **entry}},
                ],
                "fallbacks": [{"main": ["spare"]}],
            }
        )
    )
    gateway = gateway_for(NOMASK_MODELS_FILE=str(models_file))
    routed = []
    route = gateway.router.acompletion
    monkeypatch.setattr(gateway.router, "acompletion", lambda **k: routed.append(k) or route(**k))
    hello = [{"role": "user", "content": "hi"}]

    # One deployment, nothing to fall back on: straight to litellm, same result.
    text, finished = await _collect(gateway.stream("solo", hello))
    assert (text, finished.model, routed) == ("Echo: hi", "openai/fake-a", [])
    # With a fallback, the Router takes over when the model fails.
    fake_provider.fail_model("fake-b", 500)
    text, finished = await _collect(gateway.stream("main", hello))
    assert (text, finished.model) == ("Echo: hi", "openai/fake-c")
    assert [k["model"] for k in routed] == ["main"]


async def test_a_fallback_reply_names_the_model_and_provider_that_answered(
    gateway_for, fake_provider, tmp_path
):
    models_file = fallback_models_file(tmp_path / "models.json", fake_provider.base_url)
    gateway = gateway_for(NOMASK_MODELS_FILE=str(models_file))
    hello = [{"role": "user", "content": "hi"}]
    text, finished = await _collect(gateway.stream("main", hello))
    assert text == "Echo: hi"
    assert (finished.model_id, finished.model, finished.provider) == (
        "spare",
        "openai/fake-c",
        "Live",
    )
    # Asked directly, the spare answers under its own name as well.
    _, finished = await _collect(gateway.stream("spare", hello))
    assert (finished.model_id, finished.provider) == ("spare", "Live")


async def test_the_caller_hears_when_its_request_leaves_before_any_token(
    gateway_for, fake_provider
):
    gateway = gateway_for(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    seen_by_provider = []  # requests the provider had when the signal came
    signalled = asyncio.Event()

    def on_request():
        seen_by_provider.append(len(fake_provider.chat_requests()))
        signalled.set()

    # The provider never sends a token: the signal must not wait for one.
    stream = gateway.stream(
        "custom/fake-a", [{"role": "user", "content": "[[hang]]"}], on_request=on_request
    )
    task = asyncio.create_task(anext(stream))
    await asyncio.wait_for(signalled.wait(), 10)
    assert seen_by_provider == [0]  # said just before the request went out
    for _ in range(100):
        if fake_provider.chat_requests():
            break
        await asyncio.sleep(0.05)
    assert len(fake_provider.chat_requests()) == 1
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


async def test_the_request_signal_comes_for_each_deployment_tried_and_for_the_demo(
    gateway_for, fake_provider, tmp_path
):
    models_file = tmp_path / "models.json"
    deployments = [
        {
            "model_name": "team",
            "litellm_params": {
                "model": f"openai/{name}",
                "api_base": fake_provider.base_url,
                "api_key": "x",
                "order": order,
            },
        }
        for order, name in ((1, "fake-a"), (2, "fake-b"))
    ]
    models_file.write_text(json.dumps({"model_list": deployments}))
    gateway = gateway_for(NOMASK_MODELS_FILE=str(models_file))
    fake_provider.fail_model("fake-a", 500)
    calls = []
    hi = [{"role": "user", "content": "hi"}]
    text, _ = await _collect(gateway.stream("team", hi, on_request=lambda: calls.append(1)))
    assert text == "Echo: hi" and len(calls) == 2  # fake-a, then fake-b

    demo = gateway_for()
    calls.clear()
    await _collect(demo.stream(llm.DEMO_MODEL_ID, hi, on_request=lambda: calls.append(1)))
    assert calls == [1]


async def test_a_stream_is_priced_from_the_providers_usage_not_by_tokenizing_the_prompt(
    gateway_for, fake_provider, tmp_path, monkeypatch
):
    models_file = tmp_path / "models.json"
    models_file.write_text(
        json.dumps(
            {
                "model_list": [
                    {
                        "model_name": "mini",
                        "litellm_params": {
                            "model": "openai/gpt-4o-mini",
                            "api_base": fake_provider.base_url,
                            "api_key": "x",
                        },
                    }
                ]
            }
        )
    )
    gateway = gateway_for(NOMASK_MODELS_FILE=str(models_file))
    from litellm import cost_calculator

    counted = []
    real = cost_calculator.token_counter
    monkeypatch.setattr(
        cost_calculator, "token_counter", lambda **k: counted.append(k) or real(**k)
    )
    history = [{"role": "user", "content": "a long question " * 200}]
    _, finished = await _collect(gateway.stream("mini", history))
    # litellm's guess at the price of a stream that has just opened (the whole
    # prompt through its tokenizer, and tiktoken's tables loaded for it) is skipped...
    assert counted == []
    # ...and the reply is still priced, from the usage the provider reported
    # (the fake always reports 10 prompt tokens; a tokenizer would count ~600).
    assert finished.prompt_tokens == 10 and finished.completion_tokens > 0
    assert finished.cost_usd > 0


def test_only_allow_listed_parameters_reach_the_provider():
    assert clean_params(
        {
            "temperature": "0.7",
            "api_base": "http://evil",
            "api_key": "x",
            "max_tokens": 99.0,
            "top_p": 5,
            "extra_headers": {"a": "b"},
            "temperature2": 1,
        }
    ) == {"temperature": 0.7, "max_tokens": 99}
    assert clean_params({"temperature": True}) == {}
    assert clean_params(None) == {}


def test_token_counting_works_offline(gateway_for):
    gateway = gateway_for()
    small = gateway.count_tokens(llm.DEMO_MODEL_ID, [{"role": "user", "content": "hi"}])
    big = gateway.count_tokens(llm.DEMO_MODEL_ID, [{"role": "user", "content": "hi " * 500}])
    assert 0 < small < big


def test_token_counts_are_remembered_per_model_and_text(gateway_for, monkeypatch):
    gateway = gateway_for(OPENAI_API_KEY="sk-test")
    litellm = llm.load_litellm()
    calls = []
    real = litellm.token_counter
    monkeypatch.setattr(litellm, "token_counter", lambda **k: calls.append(k) or real(**k))
    hello = [{"role": "user", "content": "hello there"}]
    first = gateway.count_tokens("openai/gpt-4o-mini", hello)
    assert gateway.count_tokens("openai/gpt-4o-mini", hello) == first
    assert len(calls) == 1
    # Another text, or the same text for another model, is counted.
    gateway.count_tokens("openai/gpt-4o-mini", [{"role": "user", "content": "hello there!"}])
    gateway.count_tokens("openai/gpt-4.1", hello)
    assert len(calls) == 3


async def test_the_rehearsal_at_start_reaches_no_provider(gateway_for, fake_provider):
    gateway = gateway_for(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_MODELS='["fake-a"]',
    )
    await gateway.rehearse()
    assert fake_provider.chat_requests() == []


_FIRST_REPLY_IMPORTS = """
import asyncio, json, sys
from nomask_app.integrations import llm

async def main():
    if sys.argv[1] == "after-warm-up":
        await llm.warm_up()
    gateway = await asyncio.to_thread(llm.get_gateway)
    before = set(sys.modules)
    messages = [{"role": "user", "content": "[[tokens:2]] hi"}]
    async for _ in gateway.stream(gateway.models()[0].id, messages):
        pass
    print(json.dumps(sorted(set(sys.modules) - before)))

asyncio.run(main())
"""


def _first_reply_imports(provider_url: str, data_dir: Path, start: str) -> list[str]:
    """What a fresh process imports of litellm and its HTTP stack during its first reply."""
    env = {
        **os.environ,
        "NOMASK_OPENAI_COMPATIBLE_BASE_URL": provider_url,
        "NOMASK_OPENAI_COMPATIBLE_MODELS": '["fake-a"]',
        "NOMASK_DATA_DIR": str(data_dir),
    }
    run = subprocess.run(
        [sys.executable, "-c", _FIRST_REPLY_IMPORTS, start],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    new = json.loads(run.stdout.strip().splitlines()[-1])
    return [name for name in new if name.split(".")[0] in ("litellm", "openai", "aiohttp")]


def test_after_the_warm_up_the_first_reply_imports_nothing_more(fake_provider, tmp_path):
    # Fresh processes: this one imported everything long ago.
    cold = _first_reply_imports(fake_provider.base_url, tmp_path, "cold")
    warm = _first_reply_imports(fake_provider.base_url, tmp_path, "after-warm-up")
    assert len(cold) > 10  # what the warm-up is for: litellm imports much on first use
    assert warm == []


def test_llm_py_is_the_only_module_that_imports_litellm():
    package = Path(llm.__file__).parent.parent
    importers = set()
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            if any(name.split(".")[0] == "litellm" for name in names):
                importers.add(path.relative_to(package).as_posix())
    assert importers == {"integrations/llm.py"}
