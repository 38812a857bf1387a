"""Text helpers the dialects share: written forms of numbers."""

from __future__ import annotations

import re
import warnings

# cn2an reads every digit run as one number: runs longer than this are left as they are (a number of thousands of
# digits would take Python's int conversion past its limit, and no speech says one)
_LONG_DIGITS = re.compile(r"[0-9０-９]{40,}|[零〇一二三四五六七八九十百千万亿两]{40,}")


def inverse_normalize(text: str) -> str:
    """Chinese numerals → Arabic numerals (the services' inverse text normalisation), with ``cn2an``."""
    return _transform(text, "cn2an")


def spoken_numbers(text: str) -> str:
    """Arabic numerals → Chinese numerals, for models that write characters only."""
    return _transform(text, "an2cn")


def _transform(text: str, method: str) -> str:
    if _LONG_DIGITS.search(text):
        return text
    import cn2an  # imported on first use: it loads its tables at import

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")       # cn2an warns (and gives up) on what it cannot read
            return str(cn2an.transform(text, method))
    except (ValueError, KeyError, IndexError, OverflowError):
        return text
