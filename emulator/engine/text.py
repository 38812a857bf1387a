"""Text helpers the dialects share: written forms of numbers."""

from __future__ import annotations

import re
import warnings
from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from emulator.engine.recognizer import Word

# cn2an reads every digit run as one number: runs longer than this are left as they are (a number of thousands of
# digits would take Python's int conversion past its limit, and no speech says one)
_LONG_DIGITS = re.compile(r"[0-9０-９]{40,}|[零〇一二三四五六七八九十百千万亿两]{40,}")


# A number spoken in Chinese: digits with units (三百二十, 两万三千), a decimal (一点五), a percentage (百分之五十).
_NUMBER = re.compile(r"(百分之)?([零〇一二三四五六七八九十两百千万亿]+(?:点[零〇一二三四五六七八九]+)?)")
_DIGITS = dict(zip("零〇一二三四五六七八九", "00123456789", strict=True))


def _written(match: re.Match[str]) -> str | None:
    """The written form of one spoken number, or None to leave it as spoken.

    As the services' inverse text normalisation does, a lone numeral character stays a character (一些, 一下, 三个,
    第一, 万一): only numbers of two or more characters, decimals and percentages become digits. Runs of bare digits
    (二零二四, 一一零) are read digit by digit, keeping leading zeros."""
    percent, number = match.group(1), match.group(2)
    if len(number) < 2 and not percent:
        return None
    if len(number) > 40:          # no speech says a number this long; int conversion would run past its limit
        return None
    if all(c in _DIGITS for c in number):
        value = "".join(_DIGITS[c] for c in number)
    else:
        import cn2an  # imported on first use: it loads its tables at import

        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                parsed = cn2an.cn2an(number, "smart")
        except (ValueError, KeyError, IndexError, OverflowError):
            return None
        value = str(parsed)
    return value + "%" if percent else value


def inverse_normalize(text: str) -> str:
    """Chinese numerals → Arabic numerals (the services' inverse text normalisation)."""
    return _NUMBER.sub(lambda m: _written(m) or m.group(0), text)


def inverse_normalize_words(words: Sequence[Word]) -> tuple[Word, ...]:
    """Inverse text normalisation over timed words: the words that spell one number become one word, written in
    digits and spanning their times, so that the words still join to the sentence's normalised text."""
    joined = ""
    owner: list[int] = []           # for each character of ``joined``, the index of its word
    starts: dict[int, int] = {}     # character offset → word index, where a word's text begins
    for i, word in enumerate(words):
        starts[len(joined)] = i
        piece = word.text + word.punctuation
        joined += piece
        owner.extend([i] * len(piece))
    out: list[Word] = []
    taken = 0
    for match in _NUMBER.finditer(joined):
        first, last = starts.get(match.start()), owner[match.end() - 1]
        written = _written(match)
        end_of_last = match.start() + sum(len(w.text.rstrip()) for w in words[first:last + 1]) \
            if first is not None else -1
        if written is None or first is None or first < taken or end_of_last != match.end() or any(
                w.punctuation for w in words[first:last]):
            continue
        out.extend(words[taken:first])
        tail = words[last]
        out.append(replace(tail, begin_ms=words[first].begin_ms, text=written + tail.text[len(tail.text.rstrip()):]))
        taken = last + 1
    out.extend(words[taken:])
    return tuple(out)


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


def join_sentences(texts: Sequence[str]) -> str:
    """A channel's text from its sentences, as the services write it: Chinese sentences run on; a sentence in a
    language written with spaces (English…) is set off from the one before by a space — "Hello world. This is a
    test.", never "world.This". SenseVoice's tags (``<|Speech|>``) follow without one."""
    out = ""
    for text in texts:
        if out and text and not text.startswith("<|") and _spaced(out[-1]) and text[0].isascii() \
                and text[0].isalnum():
            out += " "
        out += text
    return out


def _spaced(last: str) -> bool:
    return last.isascii() and (last.isalnum() or last in ".?!,;:'\")")
