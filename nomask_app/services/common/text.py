"""Free text that other people or emails show: names, titles, reasons, notes, filenames.

Text is normalised to NFC (so "Zoë" typed two ways is one name) and may not
carry characters that change how the text around it reads without showing
themselves: control characters (NUL, BEL, ESC sequences, C1 controls),
text-direction overrides, embeddings, isolates and marks (U+202E shows
"abc" as "cba"), and invisible characters (U+200B zero-width space, soft
hyphen, byte-order mark). ZWJ and ZWNJ stay: emoji sequences (👩‍💻) and
Persian or Indic words need them, and so do the tag characters of
subdivision flags.

What people type is refused with a clear message (`clean_text`): they can
fix it. What arrives from elsewhere (a filename from the operating system, an
automatic title) is stripped silently (`strip_unsafe`).
"""

import unicodedata

_ALLOWED_FORMAT = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
_TAGS = range(0xE0020, 0xE0080)  # tag characters of subdivision flags (🏴󠁧󠁢󠁳󠁣󠁴󠁿)
_LINE_WHITESPACE = frozenset("\t\n\r")


def is_unsafe(char: str) -> bool:
    """Whether a character may not appear in free text (tabs and newlines may)."""
    category = unicodedata.category(char)
    if category in ("Cc", "Cs"):  # controls (C0, DEL, C1); lone surrogates
        return char not in _LINE_WHITESPACE
    if category == "Cf":  # direction marks and overrides, zero-width and other invisibles
        return char not in _ALLOWED_FORMAT and ord(char) not in _TAGS
    return False


def without_unsafe(text: str) -> str:
    """NFC text with every unsafe character dropped; line breaks are kept."""
    return "".join(ch for ch in unicodedata.normalize("NFC", text or "") if not is_unsafe(ch))


def strip_unsafe(text: str) -> str:
    """One line of NFC text without unsafe characters, its whitespace collapsed."""
    return " ".join(without_unsafe(text).split())


def clean_text(
    raw: str, *, what: str, max_len: int, empty_message: str = ""
) -> tuple[str, str | None]:
    """One line of text as people typed it: NFC, whitespace collapsed, checked.

    Args:
        raw: What was typed.
        what: The field in words, for the message ("A name", "A title").
        max_len: The most characters allowed after cleaning.
        empty_message: The message for empty text; "" allows it.

    Returns:
        The cleaned text and an error message, or None when it is valid.
    """
    text = " ".join(unicodedata.normalize("NFC", raw or "").split())
    if any(is_unsafe(ch) for ch in text):
        return text, (
            f"{what} cannot contain invisible, control or text-direction characters "
            "(they often come along with pasted text). Type it again without them."
        )
    if not text and empty_message:
        return text, empty_message
    if len(text) > max_len:
        return text, f"Use at most {max_len} characters (this has {len(text)})."
    return text, None
