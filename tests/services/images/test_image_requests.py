"""Asking image models: quota first, then the provider, then storage with usage."""

import base64
import io

import pytest
from PIL import Image
from sqlmodel import func, select

from nomask_app.integrations.llm import ProviderError
from nomask_app.integrations.llm_images import IMAGE_DEMO_MODEL_ID
from nomask_app.models import Conversation, Message, StoredFile, UsageEvent
from nomask_app.services.billing.quotas import QuotaExceeded
from nomask_app.services.billing.usage import record_usage
from nomask_app.services.common.errors import FieldErrors, NotFound
from nomask_app.services.images import files, gallery, image_requests
from nomask_app.services.images.image_editing import Recipe
from tests.factories import make_user
from tests.image_samples import image_bytes


@pytest.fixture
def demo_images(engine, use_models):
    use_models()


@pytest.fixture
def fake_images(engine, fake_provider, use_models):
    use_models(
        NOMASK_OPENAI_COMPATIBLE_BASE_URL=fake_provider.base_url,
        NOMASK_OPENAI_COMPATIBLE_IMAGE_MODELS='["fake-img"]',
    )
    return fake_provider


def _count(session, table, *conditions) -> int:
    return session.exec(select(func.count()).select_from(table).where(*conditions)).one()


def _use_up_images(session, user, count):
    for _ in range(count):
        record_usage(session=session, user_id=user.id, kind="image", model="m", provider="p")
    session.commit()


async def test_generation_with_the_offline_demo_stores_images_and_counts_them(session, demo_images):
    user = make_user(session)
    rows = await image_requests.generate(
        user_id=user.id, prompt="A lighthouse at dawn", model_id="", size="768x768", count=2
    )
    assert [(r.kind, r.width, r.height) for r in rows] == [("generated", 768, 768)] * 2
    # One prompt, two pictures: two names, each picture keeps what it was asked for.
    assert [r.filename for r in rows] == [
        "a-lighthouse-at-dawn-1.png",
        "a-lighthouse-at-dawn-2.png",
    ]
    assert all(r.thumbnail_key for r in rows)
    assert {(r.prompt, r.model, r.image_size) for r in rows} == {
        ("A lighthouse at dawn", IMAGE_DEMO_MODEL_ID, "768x768")
    }
    assert _count(session, UsageEvent, UsageEvent.kind == "image") == 2
    event = session.exec(select(UsageEvent)).first()
    assert (event.model, event.provider) == (IMAGE_DEMO_MODEL_ID, "offline-demo")


async def test_generation_with_the_fake_provider(session, fake_images):
    user = make_user(session)
    rows = await image_requests.generate(
        user_id=user.id, prompt="a red fox", model_id="custom/fake-img", size="1536x1024", count=1
    )
    assert (rows[0].width, rows[0].height) == (1536, 1024)
    assert rows[0].filename == "a-red-fox.png"  # a single picture needs no number
    assert (rows[0].prompt, rows[0].model, rows[0].image_size) == (
        "a red fox",
        "custom/fake-img",
        "1536x1024",
    )
    sent = fake_images.image_requests("generations")[-1].body
    assert sent == {"model": "fake-img", "prompt": "a red fox", "n": 1, "size": "1536x1024"}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"prompt": "  "}, "prompt"),
        ({"prompt": "x" * 4001}, "prompt"),
        ({"model_id": "nope"}, "model"),
        ({"size": "99x99"}, "size"),
        ({"count": 5}, "count"),
        ({"count": 0}, "count"),
    ],
)
async def test_bad_requests_are_refused_before_any_call(session, demo_images, changes, field):
    user = make_user(session)
    request = {"prompt": "p", "model_id": "", "size": "768x768", "count": 1, **changes}
    with pytest.raises(FieldErrors) as caught:
        await image_requests.generate(user_id=user.id, **request)
    assert field in caught.value.errors
    assert _count(session, StoredFile) == 0


async def test_at_the_quota_nothing_is_generated_or_stored(session, fake_images, operator_caps):
    user = make_user(session)
    _use_up_images(session, user, 19)  # the free plan allows 20 a month
    with pytest.raises(QuotaExceeded) as caught:
        await image_requests.generate(
            user_id=user.id, prompt="two more", model_id="", size="1024x1024", count=2
        )
    assert caught.value.reason == "images_per_month"
    assert caught.value.upgrade_url == "/billing"
    assert fake_images.image_requests() == []
    assert _count(session, StoredFile) == 0
    rows = await image_requests.generate(
        user_id=user.id, prompt="one more", model_id="", size="1024x1024", count=1
    )
    assert len(rows) == 1


async def test_provider_failures_store_nothing(session, fake_images):
    user = make_user(session)
    with pytest.raises(ProviderError) as caught:
        await image_requests.generate(
            user_id=user.id, prompt="[[error:500]]", model_id="", size="1024x1024", count=1
        )
    assert "unavailable" in caught.value.message
    assert _count(session, StoredFile) == 0 and _count(session, UsageEvent) == 0


def _mask_url(size, box) -> str:
    mask = Image.new("RGBA", size, (0, 0, 0, 255))
    mask.paste((0, 0, 0, 0), box)
    buffer = io.BytesIO()
    mask.save(buffer, "PNG")
    return "data:image/png;base64," + base64.b64encode(buffer.getvalue()).decode()


async def test_ai_edit_sends_image_mask_and_prompt_and_stores_a_new_version(session, fake_images):
    user = make_user(session)
    source = gallery.upload_image(
        session=session, user_id=user.id, data=image_bytes(size=(400, 200)), filename="room.png"
    )
    session.commit()
    original = files.read_bytes(source)
    # The mask was painted on a half-size preview of the rotated image.
    recipe = Recipe().with_step(("rotate", 90))
    result = await image_requests.edit_with_ai(
        user_id=user.id,
        file_id=source.id,
        recipe=recipe,
        mask_data_url=_mask_url((100, 200), (0, 0, 50, 50)),
        prompt="add a window",
        model_id="custom/fake-img",
    )
    request = fake_images.image_requests("edits")[-1]
    assert request.body["prompt"] == "add a window"
    with Image.open(io.BytesIO(request.files["image[]"][2])) as sent:
        assert sent.size == (200, 400)  # the rotated image at full resolution
    with Image.open(io.BytesIO(request.files["mask"][2])) as mask:
        assert mask.size == (200, 400) and mask.mode == "RGBA"
        assert mask.getpixel((10, 10))[3] == 0  # painted: may change
        assert mask.getpixel((150, 300))[3] == 255  # not painted: keep
    assert (result.kind, result.source_file_id) == ("edited", source.id)
    assert result.prompt and result.model  # an AI edit keeps its description and model too
    assert files.read_bytes(source) == original
    assert _count(session, UsageEvent, UsageEvent.kind == "image") == 1


async def test_ai_edit_checks_the_owner_and_the_mask(session, fake_images):
    owner, other = make_user(session), make_user(session)
    source = gallery.upload_image(
        session=session, user_id=owner.id, data=image_bytes(), filename="a.png"
    )
    session.commit()
    request = {"recipe": Recipe(), "prompt": "x", "model_id": ""}
    with pytest.raises(NotFound):
        await image_requests.edit_with_ai(
            user_id=other.id, file_id=source.id, mask_data_url="", **request
        )
    for bad in (
        "data:text/html;base64,PGI+",
        "data:image/png;base64,!!!",
        "data:image/png;base64,",
    ):
        with pytest.raises(FieldErrors) as caught:
            await image_requests.edit_with_ai(
                user_id=owner.id, file_id=source.id, mask_data_url=bad, **request
            )
        assert "mask" in caught.value.errors
    assert fake_images.image_requests() == []
    # An unpainted mask means "no mask": the whole image may change.
    await image_requests.edit_with_ai(
        user_id=owner.id,
        file_id=source.id,
        mask_data_url=_mask_url((64, 48), (0, 0, 0, 0)),
        **request,
    )
    assert "mask" not in fake_images.image_requests("edits")[-1].files


@pytest.mark.parametrize(
    ("text", "prompt"),
    [
        ("/image a cat", "a cat"),
        ("  /IMAGE  a cat ", "a cat"),
        ("/image\na cat", "a cat"),
        ("/image", ""),
        ("/images of cats", None),
        ("draw /image a cat", None),
    ],
)
def test_the_chat_command(text, prompt):
    assert image_requests.parse_command(text) == prompt


async def test_a_chat_can_ask_for_an_image(session, demo_images):
    user, other = make_user(session), make_user(session)
    conversation_id = await image_requests.generate_in_chat(
        user_id=user.id, conversation_id=None, text="/image a paper boat"
    )
    conversation = session.get(Conversation, conversation_id)
    assert (conversation.user_id, conversation.title) == (user.id, "a paper boat")
    messages = session.exec(select(Message).order_by(Message.seq)).all()
    assert [(m.role, m.seq) for m in messages] == [("user", 1), ("assistant", 2)]
    assert messages[0].content == "/image a paper boat"
    image = session.exec(select(StoredFile)).one()
    assert (image.conversation_id, image.message_id) == (conversation_id, messages[1].id)
    again = await image_requests.generate_in_chat(
        user_id=user.id, conversation_id=conversation_id, text="/image a second boat"
    )
    assert again == conversation_id
    assert _count(session, Message) == 4
    with pytest.raises(NotFound):
        await image_requests.generate_in_chat(
            user_id=other.id, conversation_id=conversation_id, text="/image mine now"
        )
    with pytest.raises(FieldErrors):
        await image_requests.generate_in_chat(user_id=user.id, conversation_id=None, text="/image")


async def test_an_image_model_picked_in_chat_draws_the_whole_text(session, demo_images):
    user = make_user(session)
    conversation_id = await image_requests.generate_in_chat(
        user_id=user.id, conversation_id=None, text="a paper boat", model_id=IMAGE_DEMO_MODEL_ID
    )
    reply = session.exec(select(Message).where(Message.role == "assistant")).one()
    assert (reply.conversation_id, reply.model) == (conversation_id, IMAGE_DEMO_MODEL_ID)
    assert "a paper boat" in reply.content
    with pytest.raises(FieldErrors) as unknown:
        await image_requests.generate_in_chat(
            user_id=user.id, conversation_id=None, text="a boat", model_id="no-such-model"
        )
    assert "image models" in unknown.value.errors["message"]
    with pytest.raises(FieldErrors):
        await image_requests.generate_in_chat(
            user_id=user.id, conversation_id=None, text="  ", model_id=IMAGE_DEMO_MODEL_ID
        )
