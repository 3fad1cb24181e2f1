"""Decoding uploaded text files (CSV, vCard) whose encoding nobody declared."""

from __future__ import annotations

import re

from services.contacts.files.results import FileRejected

_BINARY = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def decode_text(content: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252; or a clear refusal.

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
    if b"\x00" in content:
        raise FileRejected("the file contains binary data; it is not a text file")
    for encoding in ("utf-8", "cp1252"):
        try:
            return content.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise FileRejected("the text encoding of the file is not recognized; save it as UTF-8")


def _decode(content: bytes, encoding: str) -> str:
    try:
        return content.decode(encoding)
    except UnicodeDecodeError as exc:
        raise FileRejected(
            f"the file starts like {encoding.upper()} but byte {exc.start} is not; save it as UTF-8"
        ) from None
