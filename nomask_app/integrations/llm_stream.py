"""Reading a provider's reply stream beneath litellm's stream wrapper.

litellm opens the request (keys, request translation, retries on opening);
its `CustomStreamWrapper` then turns every chunk into a normalised response
object, at 0.34-0.43 ms of CPU per chunk (measured). Reading the provider's
own lines and taking only the text and the usage costs a few hundredths of
that. Each provider family litellm speaks differently has its decoder here:
OpenAI-compatible SSE (the OpenAI SDK's stream), Anthropic SSE, Gemini SSE
(streamGenerateContent) and Ollama NDJSON. Any other stream (the offline
demo, a provider not listed) is left to the wrapper (`raw_lines` gives None).

Decoders turn a line into `Piece`s; a provider's in-stream error becomes a
`ProviderError` like one litellm would map.
"""

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass

from nomask_app.integrations.llm_models import ERROR_MESSAGES, ProviderError


@dataclass(frozen=True)
class Piece:
    """What one provider line carried: text, token counts (None if not said), the reply's end."""

    text: str = ""
    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    end: bool = False


_NOTHING = Piece()
_END = Piece(end=True)


def _failure(kind: str) -> ProviderError:
    return ProviderError(kind, ERROR_MESSAGES[kind])


def _in_stream_error(error) -> ProviderError:
    """A provider's error event, judged by its type or code as litellm would."""
    if isinstance(error, dict):
        said = f"{error.get('type', '')} {error.get('code', '')} {error.get('status', '')}"
    else:
        said = str(error)
    said = said.lower()
    if "rate" in said or "429" in said or "resource_exhausted" in said:
        return _failure("rate_limit")
    if "context" in said:
        return _failure("context")
    return _failure("unavailable")


def _data(line: str) -> dict | None:
    """The JSON of an SSE `data:` line; None for other lines and `[DONE]`."""
    if not line.startswith("data:"):
        return None
    body = line[5:].strip()
    return json.loads(body) if body and body != "[DONE]" else None


def decode_openai(line: str) -> Piece:
    """An OpenAI-compatible chat completion chunk (`choices[0].delta.content`, `usage`)."""
    if line.startswith("data: [DONE]"):
        return _END
    data = _data(line)
    if data is None:
        return _NOTHING
    if data.get("error"):
        raise _in_stream_error(data["error"])
    choices = data.get("choices") or ()
    text, end = "", False
    if choices:
        text = (choices[0].get("delta") or {}).get("content") or ""
        end = bool(choices[0].get("finish_reason"))
    usage = data.get("usage") or {}
    if not (text or usage or end):
        return _NOTHING
    return Piece(text, usage.get("prompt_tokens"), usage.get("completion_tokens"), end)


def decode_anthropic(line: str) -> Piece:
    """An Anthropic Messages event: text deltas, usage at `message_start` / `message_delta`."""
    data = _data(line)
    if data is None:
        return _NOTHING
    kind = data.get("type")
    if kind == "content_block_delta":
        return Piece((data.get("delta") or {}).get("text") or "")
    if kind in ("message_start", "message_delta"):
        usage = data.get("usage") or (data.get("message") or {}).get("usage") or {}
        return Piece("", usage.get("input_tokens"), usage.get("output_tokens"))
    if kind == "error":
        raise _in_stream_error(data.get("error") or {})
    return _END if kind == "message_stop" else _NOTHING


def decode_gemini(line: str) -> Piece:
    """A Gemini `streamGenerateContent` (alt=sse) response: parts' text, `usageMetadata`."""
    data = _data(line)
    if data is None:
        return _NOTHING
    if data.get("error"):
        raise _in_stream_error(data["error"])
    text, end = "", False
    for candidate in (data.get("candidates") or ())[:1]:
        parts = (candidate.get("content") or {}).get("parts") or ()
        text = "".join(p.get("text", "") for p in parts if not p.get("thought"))
        end = bool(candidate.get("finishReason"))
    usage = data.get("usageMetadata") or {}
    return Piece(text, usage.get("promptTokenCount"), usage.get("candidatesTokenCount"), end)


def decode_ollama(line: str) -> Piece:
    """An Ollama `/api/chat` NDJSON line: `message.content`; counts on the `done` line."""
    line = line.strip()
    if not line:
        return _NOTHING
    data = json.loads(line)
    if data.get("error"):
        raise _in_stream_error(data["error"])
    text = (data.get("message") or {}).get("content") or ""
    if data.get("done"):
        return Piece(text, data.get("prompt_eval_count"), data.get("eval_count"), end=True)
    return Piece(text)


# litellm's module of each family's stream iterator -> that family's decoder.
_LITELLM_FAMILIES: dict[str, Callable[[str], Piece]] = {
    "litellm.llms.anthropic.": decode_anthropic,
    "litellm.llms.vertex_ai.gemini.": decode_gemini,
    "litellm.llms.gemini.": decode_gemini,
    "litellm.llms.ollama.": decode_ollama,
}


def raw_lines(response) -> tuple[AsyncIterator[str], Callable[[str], Piece]] | None:
    """The provider's lines beneath a litellm stream and their decoder, if known and unread.

    Returns None (read it through litellm's wrapper) for families without a
    decoder and for a stream the wrapper already began to read (it keeps the
    chunks it made: a Router reads the first one to decide on a fallback).
    """
    inner = getattr(response, "completion_stream", None)
    if inner is None or getattr(response, "chunks", None):
        return None
    if type(inner).__module__.startswith("openai"):
        http = getattr(inner, "response", None)
        if http is None or http.is_stream_consumed:
            return None
        return http.aiter_lines(), decode_openai
    module = type(inner).__module__
    decoder = next(
        (d for prefix, d in _LITELLM_FAMILIES.items() if module.startswith(prefix)), None
    )
    lines = getattr(inner, "streaming_response", None)
    if decoder is None or lines is None or not hasattr(lines, "__anext__"):
        return None
    return lines, decoder


async def pieces(response) -> AsyncIterator[Piece]:
    """Text and token counts of a litellm stream: its provider's lines when known, else chunks."""
    if getattr(response, "completion_stream", False) is None and hasattr(response, "fetch_stream"):
        await response.fetch_stream()  # litellm opens some streams (Gemini) on the first read
    raw = raw_lines(response)
    if raw is None:
        async for chunk in response:
            text = chunk.choices[0].delta.content if chunk.choices else ""
            usage = getattr(chunk, "usage", None)
            if text or usage:
                prompt = getattr(usage, "prompt_tokens", None)
                yield Piece(text or "", prompt, getattr(usage, "completion_tokens", None))
        return
    async for piece in read_lines(*raw):
        yield piece


async def read_lines(lines: AsyncIterator[str], decode: Callable[[str], Piece]):
    """The pieces of a provider's lines; a stream cut before its end is a connection error."""
    ended = False
    async for line in lines:
        piece = decode(line)
        if piece is not _NOTHING:
            ended = ended or piece.end
            yield piece
    if not ended:  # the connection closed before the provider said the reply was complete
        raise _failure("connection")
