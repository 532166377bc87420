"""Quantities as people read them in messages."""


def file_size(size: int) -> str:
    """A size in decimal units, as file managers show it: "980 bytes", "1 KB", "12.3 MB"."""
    if size < 1000:
        return f"{size} bytes"
    if size < 1_000_000:
        return f"{round(size / 1000, 1):g} KB"
    return f"{round(size / 1_000_000, 1):g} MB"
