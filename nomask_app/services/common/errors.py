"""Errors that services raise for people to read."""


class FieldErrors(ValueError):
    """Bad input, as one clear message per form field.

    Attributes:
        errors: Field name -> message shown next to that field.
    """

    def __init__(self, errors: dict[str, str]):
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


class NotFound(LookupError):
    """The thing does not exist, or belongs to someone else (never say which)."""
