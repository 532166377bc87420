"""The "Offline demo" model: answers chat and draws pictures locally, through litellm.

It is registered as a litellm custom provider (`nomaskdemo`), so the demo goes
through the same streaming, usage and error path as a real provider. litellm
is handed in by llm.py, the only module that imports it.
"""

import asyncio
import base64

from nomask_app.config import get_settings
from nomask_app.integrations import demo_images
from nomask_app.integrations.llm_models import demo_reply, reply_words


def offline_demo_handler(litellm, signal_request):
    """The "Offline demo" provider: a litellm custom handler for chat and images.

    Args:
        litellm: the imported litellm module.
        signal_request: called when a reply starts (litellm signals only real providers).
    """
    GenericStreamingChunk = litellm.types.utils.GenericStreamingChunk
    ImageObject = litellm.types.utils.ImageObject

    class OfflineDemo(litellm.CustomLLM):
        """Answers locally, token by token, so a fresh machine runs the whole app."""

        async def astreaming(self, model, messages, *args, **kwargs):
            signal_request()  # litellm signals only requests to real providers
            reply = demo_reply(messages)
            delay = get_settings().demo_token_delay
            for word in reply_words(reply):
                if delay:
                    await asyncio.sleep(delay)
                yield GenericStreamingChunk(
                    text=word, is_finished=False, finish_reason="", usage=None, index=0
                )
            prompt = litellm.token_counter(model="gpt-4o-mini", messages=messages)
            completion = litellm.token_counter(model="gpt-4o-mini", text=reply)
            yield GenericStreamingChunk(
                text="",
                is_finished=True,
                finish_reason="stop",
                usage={
                    "prompt_tokens": prompt,
                    "completion_tokens": completion,
                    "total_tokens": prompt + completion,
                },
                index=0,
            )

        async def aimage_generation(self, model, prompt, model_response, *args, **kwargs):
            params = kwargs.get("optional_params") or {}
            width, height = (int(n) for n in str(params.get("size") or "768x768").split("x"))
            count = int(params.get("n") or 1)
            pictures = await asyncio.to_thread(
                lambda: [demo_images.render(prompt, width, height, i) for i in range(count)]
            )
            model_response.data = [ImageObject(b64_json=_b64(p)) for p in pictures]
            return model_response

        async def aimage_edit(self, model, image, prompt, model_response, *args, **kwargs):
            params = kwargs.get("optional_params") or {}
            source = image[0] if isinstance(image, list) else image
            picture = await asyncio.to_thread(
                demo_images.edit, _file_bytes(source), params.get("mask"), prompt or ""
            )
            model_response.data = [ImageObject(b64_json=_b64(picture))]
            return model_response

    return OfflineDemo()


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def _file_bytes(item) -> bytes:
    """The bytes of a litellm file argument (bytes, or a (name, bytes, type) tuple)."""
    return item[1] if isinstance(item, tuple) else item
