"""The page layout shared by the portal's PDFs (fpdf2): fonts, header, footer, headings,
label/value tables and signature lines.

Text is Unicode-safe: DejaVu Sans is used when the system has it (plus a CJK font as fallback
when one is installed); a character no loaded font can draw becomes "?" instead of failing.
Without any TrueType font the core Helvetica font is used with Latin-1 text.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

from fpdf import FPDF
from fpdf.enums import TableBordersLayout, XPos, YPos
from fpdf.fonts import TTFFont

FONT_DIRS_ENV = "PORTAL_PDF_FONT_DIRS"
"""Extra directories (os.pathsep-separated) searched first for the fonts below."""

_FONT_DIRS = (
    "/usr/share/fonts/truetype/dejavu",
    "/usr/share/fonts/dejavu",
    "/usr/share/fonts/TTF",
    "/usr/local/share/fonts",
    "/Library/Fonts",
    "C:/Windows/Fonts",
)
_CJK_FONTS = (
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipafont-gothic/ipagp.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoPGothic.ttf",
    "/usr/share/fonts/truetype/droid/DroidSansFallbackFull.ttf",
    "/usr/share/fonts/truetype/arphic/uming.ttf",
)
_CORE_REPLACEMENTS = str.maketrans({"—": "-", "–": "-", "‘": "'", "’": "'", "“": '"', "”": '"'})

FAMILY = "portal"
BODY_SIZE = 9.5
LINE = 5.2
MISSING = "—"


@dataclass(frozen=True)
class FontFiles:
    regular: Path | None
    bold: Path | None
    fallbacks: tuple[Path, ...]


@cache
def font_files() -> FontFiles:
    dirs = [*os.environ.get(FONT_DIRS_ENV, "").split(os.pathsep), *_FONT_DIRS]
    regular = _find(dirs, "DejaVuSans.ttf")
    bold = _find(dirs, "DejaVuSans-Bold.ttf")
    fallbacks = tuple(Path(path) for path in _CJK_FONTS if Path(path).is_file())
    return FontFiles(regular, bold or regular, fallbacks)


def _find(dirs: Iterable[str], name: str) -> Path | None:
    for directory in dirs:
        if directory and (Path(directory) / name).is_file():
            return Path(directory) / name
    return None


class Document(FPDF):
    """An A4 document with the master's name in the header and the date in the footer."""

    def __init__(self, *, title: str, subject: str, master_name: str, generated_at: datetime):
        super().__init__(format="A4")
        self.doc_title, self.master_name, self.generated_at = title, master_name, generated_at
        self._cmaps = self._load_fonts()
        self.set_margins(18, 18, 18)
        self.set_auto_page_break(auto=True, margin=18)
        self.set_title(f"{title} — {subject}")
        self.set_subject(subject)
        self.set_author(master_name)
        self.set_creator("Advisor Portal")
        self.set_creation_date(generated_at)
        self.add_page()

    def _load_fonts(self) -> list[dict[int, Any]] | None:
        files = font_files()
        if files.regular is None:
            return None
        self.add_font(FAMILY, "", str(files.regular))
        self.add_font(FAMILY, "B", str(files.bold))
        fallback_names = []
        for index, path in enumerate(files.fallbacks):
            name = f"fallback{index}"
            self.add_font(name, "", str(path))
            self.add_font(name, "B", str(path))
            fallback_names.append(name)
        if fallback_names:
            self.set_fallback_fonts(fallback_names, exact_match=False)
        return [
            font.cmap
            for key, font in self.fonts.items()
            if isinstance(font, TTFFont) and not key.endswith("B")
        ]

    def use_font(self, style: str = "", size: float = BODY_SIZE) -> None:
        self.set_font(FAMILY if self._cmaps is not None else "helvetica", style, size)

    def safe(self, text: str) -> str:
        """``text`` with every character the loaded fonts cannot draw replaced by "?"."""
        if self._cmaps is None:
            plain = text.translate(_CORE_REPLACEMENTS)
            return plain.encode("latin-1", "replace").decode("latin-1")
        return "".join(ch if self._drawable(ch) else "?" for ch in text)

    def _drawable(self, ch: str) -> bool:
        return ch in "\n\t" or any(ord(ch) in cmap for cmap in self._cmaps or [])

    # --- page furniture -----------------------------------------------------------------

    def header(self) -> None:
        self.use_font("", 8)
        self.set_text_color(110)
        self.cell(0, 5, self.safe(f"{self.master_name} · {self.doc_title}"), align="L")
        self.ln(8)
        self.set_text_color(0)

    def footer(self) -> None:
        self.set_y(-13)
        self.use_font("", 8)
        self.set_text_color(110)
        stamp = self.generated_at.strftime("%Y-%m-%d %H:%M %Z").strip()
        self.cell(0, 5, self.safe(f"Generated {stamp}"), align="L")
        self.set_x(self.l_margin)
        self.cell(0, 5, f"Page {self.page_no()}/{{nb}}", align="R")
        self.set_text_color(0)

    # --- content ------------------------------------------------------------------------

    def title_block(self, title: str, lines: Sequence[str]) -> None:
        self.use_font("B", 16)
        self.multi_cell(0, 8, self.safe(title), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.use_font("", BODY_SIZE)
        for line in lines:
            self.multi_cell(0, LINE, self.safe(line), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(3)

    def keep_together(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.will_page_break(height):
            self.add_page()

    def heading(self, text: str, *, keep: float = 30) -> None:
        """A section heading, moved to the next page with the ``keep`` mm that follow it."""
        self.keep_together(keep)
        self.ln(2)
        self.use_font("B", 11.5)
        self.set_fill_color(221, 235, 247)
        self.cell(0, 7, self.safe(text), fill=True, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.set_fill_color(255)
        self.ln(1.5)
        self.use_font("", BODY_SIZE)

    def paragraph(self, text: str) -> None:
        self.use_font("", BODY_SIZE)
        self.multi_cell(0, LINE, self.safe(text), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        self.ln(2)

    def fields(self, pairs: Iterable[tuple[str, str]], *, blank: str = MISSING) -> None:
        """Label/value rows; an empty value shows ``blank``."""
        rows = [(label, value or blank) for label, value in pairs]
        self.grid(None, rows, widths=(60, 114), borders="HORIZONTAL_LINES")

    def grid(
        self,
        headings: Sequence[str] | None,
        rows: Sequence[Sequence[str]],
        *,
        widths: Sequence[float],
        borders: str = "ALL",
    ) -> None:
        self.use_font("", BODY_SIZE)
        with self.table(
            col_widths=tuple(widths),
            width=sum(widths),
            align="LEFT",
            text_align="LEFT",
            first_row_as_headings=headings is not None,
            borders_layout=getattr(TableBordersLayout, borders),
            line_height=LINE,
            padding=1.2,
        ) as table:
            for values in [headings] if headings else []:
                table.row([self.safe(value) for value in values])
            for values in rows:
                table.row([self.safe(value) for value in values])
        self.ln(2)

    def signature_line(self, label: str) -> None:
        """A line to sign on with ``label`` under it, and a line for the date beside it."""
        self.keep_together(24)
        self.ln(12)
        y, x = self.get_y(), self.l_margin
        self.line(x, y, x + 105, y)
        self.line(x + 118, y, x + 174, y)
        self.use_font("", 8.5)
        self.set_xy(x, y + 1)
        self.cell(105, 4.5, self.safe(label))
        self.set_xy(x + 118, y + 1)
        self.cell(56, 4.5, "Date")
        self.set_xy(x, y + 7)
        self.use_font("", BODY_SIZE)

    def pdf_bytes(self) -> bytes:
        return bytes(self.output())
