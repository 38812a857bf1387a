"""Text helpers the dialects share: written forms of numbers."""

from __future__ import annotations

import contextlib


def inverse_normalize(text: str) -> str:
    """Chinese numerals → Arabic numerals (the services' inverse text normalisation), with ``cn2an``."""
    import cn2an  # imported on first use: it loads its tables at import

    try:
        return str(cn2an.transform(text, "cn2an"))
    except (ValueError, KeyError, IndexError):
        return text


def spoken_numbers(text: str) -> str:
    """Arabic numerals → Chinese numerals, for models that write characters only."""
    import cn2an

    with contextlib.suppress(ValueError, KeyError, IndexError):
        text = str(cn2an.transform(text, "an2cn"))
    return text
