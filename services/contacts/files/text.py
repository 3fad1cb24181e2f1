"""Decoding uploaded text files (CSV, vCard) whose encoding nobody declared.

UTF-8 (with or without BOM) and UTF-16 (with a BOM, or without one when its zero bytes give it
away) are decoded as such. Anything else is read as Windows-1252, the encoding Excel saves a
"CSV" in on Western European systems, but only when the result reads like Western European
text: the same bytes in another single-byte encoding (Cyrillic, Greek, Central European) or in a
multi-byte one (Shift-JIS, GBK, Big5) decode to runs of accented letters and symbols that no
name has, and are refused with a way out, rather than imported as garbled names.
"""

from __future__ import annotations

import re

from services.contacts.files.results import FileRejected

_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_SAVE_AS_UTF8 = 'save it as "CSV UTF-8" (or a vCard as UTF-8) and upload it again'

_TYPOGRAPHY = frozenset("“”‘’„‚–—…«»•€™")
"""Windows-1252 punctuation that stands between words or beside a letter in real text."""
_NON_ASCII_RUN = re.compile(r"[^\x00-\x7f\s]{2,}")
_NON_ASCII = re.compile(r"[^\x00-\x7f]")
_INSIDE_A_WORD = frozenset("’‘´·")
"""Non-letters that may sit between two letters (O’Brien, Col·legi)."""


def decode_text(content: bytes) -> str:
    """The text of an uploaded file, or a clear refusal (``FileRejected``).

    Text with control characters (other than tab and line breaks) is refused as binary.
    """
    text = _decoded(content)
    if _BINARY.search(text):
        raise FileRejected("the file contains binary data; it is not a text file")
    return text


def _decoded(content: bytes) -> str:
    if content.startswith(b"\xef\xbb\xbf"):
        return _decode(content, "utf-8-sig")
    if content.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(content, "utf-16")
    unmarked_utf16 = _unmarked_utf16(content)
    if unmarked_utf16:
        return _decode(content, unmarked_utf16)
    if b"\x00" in content:
        raise FileRejected("the file contains binary data; it is not a text file")
    try:
        return content.decode("utf-8")
    except UnicodeDecodeError:
        pass
    try:
        text = content.decode("cp1252")
    except UnicodeDecodeError:
        message = f"the text encoding of the file is not recognized; {_SAVE_AS_UTF8}"
        raise FileRejected(message) from None
    if not reads_as_western_text(text):
        raise FileRejected(
            "the file is neither UTF-8 nor Western European (Windows-1252) text, so its names "
            f"would be garbled; {_SAVE_AS_UTF8}"
        )
    return text


def _unmarked_utf16(content: bytes) -> str | None:
    """The codec of text saved as UTF-16 without a BOM, little- or big-endian: mostly ASCII
    (the header, numbers, emails), so every other byte is zero. None for any other text."""
    sample = content[:4096]
    pairs = len(sample) // 2
    if pairs < 4:
        return None
    zeros_odd = sample[1::2].count(0)
    zeros_even = sample[0::2].count(0)
    if zeros_odd >= 0.5 * pairs and zeros_even == 0:
        return "utf-16-le"
    if zeros_even >= 0.5 * pairs and zeros_odd == 0:
        return "utf-16-be"
    return None


def reads_as_western_text(text: str) -> bool:
    """Whether Windows-1252 text reads as a Western European language: not when it has

    - three non-ASCII characters in a row, or two making a whole word, two of them letters or
      symbols (Cyrillic, Greek, Chinese or Japanese read byte by byte: Ðîìàí for Роман, ÕÅ for
      张; but “Zoë” is fine);
    - a symbol between two letters (Polish read so: Wroc³aw, D¹browski);
    - a capital after a letter and before a small one (German read from Mac Roman: MŸller).
    """
    return text.isascii() or not (_foreign_run(text) or _foreign_in_a_word(text))


def _foreign_run(text: str) -> bool:
    for run in _NON_ASCII_RUN.finditer(text):
        start, end = run.span()
        whole_word = not text[start - 1 : start].isalpha() and not text[end : end + 1].isalpha()
        symbols = sum(char not in _TYPOGRAPHY for char in run.group())
        if symbols >= 2 and (end - start >= 3 or whole_word):
            return True
    return False


def _foreign_in_a_word(text: str) -> bool:
    for found in _NON_ASCII.finditer(text, 1, len(text) - 1):
        char, before, after = found.group(), text[found.start() - 1], text[found.start() + 1]
        if not (before.isalpha() and after.isalpha()):
            continue
        if char.isalpha() and not (char.isupper() and after.islower()):
            continue
        if char not in _INSIDE_A_WORD and char not in _TYPOGRAPHY:
            return True
    return False


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"the file looks like {encoding.upper()} but byte {exc.start} is not; {_SAVE_AS_UTF8}"
        ) from None
