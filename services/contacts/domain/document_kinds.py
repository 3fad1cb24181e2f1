"""What an uploaded document is, judged from its bytes, and the name it is kept under (no I/O)."""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

from services.runtime.errors import Invalid, UnsupportedContent


@dataclass(frozen=True)
class DocumentKind:
    label: str
    content_type: str
    extensions: tuple[str, ...]


PDF = DocumentKind("PDF", "application/pdf", (".pdf",))
PNG = DocumentKind("PNG image", "image/png", (".png",))
JPEG = DocumentKind("JPEG image", "image/jpeg", (".jpg", ".jpeg"))
GIF = DocumentKind("GIF image", "image/gif", (".gif",))
TEXT = DocumentKind("text", "text/plain; charset=utf-8", (".txt", ".text", ".log", ".md"))
CSV = DocumentKind("CSV", "text/csv; charset=utf-8", (".csv",))
DOCX = DocumentKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    (".docx",),
)
XLSX = DocumentKind(
    "Excel workbook",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    (".xlsx",),
)
ALLOWED_KINDS = (PDF, PNG, JPEG, GIF, TEXT, CSV, DOCX, XLSX)
ALLOWED_DESCRIPTION = "PDF, PNG, JPEG, GIF, plain text (UTF-8), CSV, Word (.docx) or Excel (.xlsx)"

_MAGIC: tuple[tuple[bytes, DocumentKind], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
    (b"GIF87a", GIF),
    (b"GIF89a", GIF),
)
_ZIP_MAGIC = b"PK\x03\x04"
# Office Open XML packages are ZIP files with these parts; anything else zipped is refused.
_OFFICE_PARTS: tuple[tuple[str, DocumentKind], ...] = (
    ("word/document.xml", DOCX),
    ("xl/workbook.xml", XLSX),
)
_TEXT_CONTROLS = re.compile(r"[\x00-\x08\x0b\x0e-\x1f\x7f]")
_MARKUP = re.compile(
    rb"^(?:\xef\xbb\xbf)?\s*<(?:!doctype|html|head|body|script|svg|\?xml)", re.IGNORECASE
)


class UnsupportedDocument(UnsupportedContent):
    def __init__(self, message: str) -> None:
        super().__init__(message)
        # named for the rules' callers; the answer (415) carries the message alone
        self.field = "file"


class EmptyDocument(Invalid):
    def __init__(self) -> None:
        super().__init__("the file is empty", field="file")


def sniff_document(content: bytes, filename: str) -> DocumentKind:
    """What the bytes are, judged from the bytes; the name only tells CSV from plain text."""
    if not content:
        raise EmptyDocument()
    for magic, kind in _MAGIC:
        if content.startswith(magic):
            return kind
    if content.startswith(_ZIP_MAGIC):
        return _office_kind(content)
    if _is_text(content):
        if _MARKUP.match(content):
            raise UnsupportedDocument(
                "HTML, SVG and XML files are not accepted (a browser could run them); "
                f"allowed: {ALLOWED_DESCRIPTION}"
            )
        return CSV if PurePosixPath(filename.lower()).suffix == ".csv" else TEXT
    raise UnsupportedDocument(f"this kind of file is not accepted; allowed: {ALLOWED_DESCRIPTION}")


def _office_kind(content: bytes) -> DocumentKind:
    try:
        # Only the central directory is read: nothing is decompressed.
        with zipfile.ZipFile(io.BytesIO(content)) as archive:
            names = set(archive.namelist())
    except zipfile.BadZipFile as error:
        raise UnsupportedDocument("the file looks like a ZIP archive but is damaged") from error
    if "[Content_Types].xml" in names:
        for part, kind in _OFFICE_PARTS:
            if part in names:
                return kind
    raise UnsupportedDocument(
        f"ZIP archives are accepted only as .docx or .xlsx files; allowed: {ALLOWED_DESCRIPTION}"
    )


def _is_text(content: bytes) -> bool:
    try:
        decoded = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        return False
    return not _TEXT_CONTROLS.search(decoded)


MAX_FILENAME_LENGTH = 200


def safe_filename(filename: str | None, kind: DocumentKind) -> str:
    """The uploaded name without any path, control characters or misleading extension."""
    name = re.split(r"[\\/]", filename or "")[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .")
    stem, suffix = _split_suffix(name)
    if suffix.lower() not in kind.extensions:
        stem, suffix = name, kind.extensions[0]
    stem = stem[: MAX_FILENAME_LENGTH - len(suffix)].rstrip(" .") or "document"
    return stem + suffix


def _split_suffix(name: str) -> tuple[str, str]:
    dot = name.rfind(".")
    if dot <= 0:
        return name, ""
    return name[:dot], name[dot:]
