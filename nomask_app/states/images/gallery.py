"""The gallery of the image studio: the person's uploads, generated and edited gallery."""

import asyncio

import reflex as rx

from nomask_app.db import session_scope
from nomask_app.services.images import gallery
from nomask_app.services.images.gallery import GALLERY_PAGE
from nomask_app.states.accounts.session import SessionState
from nomask_app.states.images.views import ImageView, image_view


def _page(user_id: str, limit: int) -> tuple[list[ImageView], bool]:
    with session_scope() as session:
        rows, more = gallery.list_images(session=session, user_id=user_id, limit=limit)
        return [image_view(row) for row in rows], more


class GalleryState(SessionState):
    """The newest images first; "Show more images" loads older ones."""

    images: list[ImageView] = []
    has_more: bool = False
    limit: int = GALLERY_PAGE

    async def _reload(self):
        user = await self.current_user()
        if user is None:
            return SessionState.require_user
        self.images, self.has_more = await asyncio.to_thread(_page, user.id, self.limit)
        return None

    @rx.event
    async def refresh(self):
        """Load the gallery again (after an upload, a generation, a save or a deletion)."""
        return await self._reload()

    @rx.event
    async def show_more(self):
        """Show the next page of older gallery."""
        self.limit += GALLERY_PAGE
        return await self._reload()
