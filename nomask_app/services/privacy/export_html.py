"""The readable copy inside a data export: plain HTML pages that work offline.

Every piece of text from a person or a model is escaped; pages carry a
Content-Security-Policy that forbids scripts and any network access, and
images are shown from the archive by relative path.
"""

from datetime import datetime
from html import escape
from urllib.parse import quote

# No scripts, no remote anything: images and links only inside the archive.
_CSP = "default-src 'none'; img-src 'self' file:; style-src 'unsafe-inline'; base-uri 'none'"
_STYLE = """
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;max-width:52rem;margin:2rem auto;
padding:0 1rem;line-height:1.5;color:#1c2024;background:#fff}
a{color:#5b3ec7}h1{font-size:1.6rem}h2{font-size:1.2rem;margin-top:2rem}
.meta{color:#60646c;font-size:.875rem}
.message{border:1px solid #d9d9e0;border-radius:8px;padding:.75rem 1rem;margin:1rem 0}
.message.user{background:#f5f2ff}
.text{white-space:pre-wrap;overflow-wrap:anywhere;margin:.5rem 0 0}
img{max-width:100%;height:auto;border-radius:6px;margin-top:.5rem}
table{border-collapse:collapse;width:100%}td,th{text-align:left;padding:.35rem .5rem;
border-bottom:1px solid #e8e8ec;vertical-align:top}
"""


def when(moment: datetime | None) -> str:
    """A timestamp as people read it, in UTC."""
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment else ""


def href(member: str, *, depth: int = 0) -> str:
    """A relative link to an archive member from a page `depth` folders down."""
    return escape("../" * depth + quote(member), quote=True)


def page_start(title: str, *, depth: int = 0) -> str:
    """The head of a page and the start of its body."""
    home = "" if depth == 0 else f'<p><a href="{href("index.html", depth=depth)}">All data</a></p>'
    return (
        '<!doctype html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{_CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)} · NoMask AI export</title><style>{_STYLE}</style></head>"
        f"<body><main>{home}<h1>{escape(title)}</h1>\n"
    )


def page_end() -> str:
    """The end of a page."""
    return "</main></body></html>\n"


def index_intro(*, name: str, email: str, created_at: datetime, counts: dict[str, int]) -> str:
    """The top of index.html: whose data this is and how much of it."""
    facts = "".join(
        f"<tr><th scope='row'>{escape(label)}</th><td>{count:,}</td></tr>"
        for label, count in (
            ("Conversations", counts["conversations"]),
            ("Messages", counts["messages"]),
            ("Files and images", counts["files"]),
            ("Sessions", counts["sessions"]),
            ("Security events", counts["security_events"]),
        )
    )
    return (
        f"<p>Everything NoMask AI holds about <strong>{escape(name)}</strong> "
        f"({escape(email)}), exported on {when(created_at)}. The JSON files next to "
        "this page hold the same data in a machine-readable form; "
        "<code>manifest.json</code> lists every file with its SHA-256 checksum.</p>"
        f"<table>{facts}</table>\n<h2>Conversations</h2>\n<ul>\n"
    )


def index_conversation(*, conversation_id: str, title: str, updated_at: datetime) -> str:
    """One line of the conversation list on index.html."""
    link = href(f"conversations/{conversation_id}.html")
    meta = f'<span class="meta">{when(updated_at)}</span>'
    return f'<li><a href="{link}">{escape(title)}</a> {meta}</li>\n'


def index_files_start() -> str:
    """Close the conversation list and open the list of files."""
    return "</ul>\n<h2>Files and images</h2>\n<ul>\n"


def file_item(*, member: str, filename: str, content_type: str, kind: str, depth: int = 0) -> str:
    """A file as a link, with the image itself when it is one."""
    link = href(member, depth=depth)
    label = f"{escape(filename)} <span class='meta'>({escape(kind)}, {escape(content_type)})</span>"
    image = (
        f'<br><img src="{link}" alt="{escape(filename, quote=True)}">'
        if content_type.startswith("image/")
        else ""
    )
    return f'<li><a href="{link}">{label}</a>{image}</li>\n'


def index_end() -> str:
    """Close the file list."""
    return "</ul>\n"


def conversation_meta(*, created_at: datetime, model: str) -> str:
    """The line under a conversation's title."""
    model_text = f" · model {escape(model)}" if model else ""
    return f'<p class="meta">Started {when(created_at)}{model_text}</p>\n'


def message(
    *,
    role: str,
    content: str,
    created_at: datetime,
    model: str,
    provider: str,
    status: str,
    attachments: list[tuple[str, str, str, str]],
) -> str:
    """One message with its text (escaped) and its attachments.

    Args:
        role: ``user`` or ``assistant``.
        content: The message text, shown as plain text.
        created_at: When it was written.
        model: The model that answered (assistant messages).
        provider: The provider that answered.
        status: ``complete``, ``stopped``, ``failed``, ...
        attachments: (archive member, filename, content type, kind) per file.
    """
    who = "You" if role == "user" else "Assistant"
    details = [when(created_at)]
    if role != "user" and model:
        details.append(escape(model) + (f" via {escape(provider)}" if provider else ""))
    if status not in ("", "complete"):
        details.append(escape(status))
    files = "".join(
        file_item(member=member, filename=name, content_type=kind_type, kind=kind, depth=1)
        for member, name, kind_type, kind in attachments
    )
    return (
        f'<article class="message {escape(role, quote=True)}"><h2>{who}</h2>'
        f'<p class="meta">{" · ".join(details)}</p>'
        f'<p class="text">{escape(content)}</p>'
        + (f"<ul>{files}</ul>" if files else "")
        + "</article>\n"
    )
