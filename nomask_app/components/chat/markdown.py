"""`ChatMarkdown`: safe Markdown that can grow from a reply's event stream.

The React side lives in `chat_markdown.jsx` next to this file.
"""

import reflex as rx
from reflex.vars import Var

_SOURCE = rx.asset("chat_markdown.jsx", shared=True)


class ChatMarkdown(rx.Component):
    """Markdown without raw HTML; with `stream_src` it streams the rest of a reply."""

    library = _SOURCE.importable_path
    tag = "ChatMarkdown"
    lib_dependencies: list[str] = [  # noqa: RUF012 - Reflex reads this class attribute
        "react-markdown@10.1.0",
        "remark-gfm@4.0.1",
        "remark-math@6.0.0",
        "rehype-katex@7.0.1",
        "katex@0.16.47",
        "lowlight@3.3.0",
        "hast-util-to-jsx-runtime@2.3.7",
    ]

    content: Var[str]
    stream_src: Var[str]
    on_done: rx.EventHandler[lambda status: [status]]
    # The message whose streamed text is kept (chat_markdown.jsx).
    message_id: Var[str]


chat_markdown = ChatMarkdown.create
