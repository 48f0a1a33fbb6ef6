"""The report's fonts, loaded from the repository only (compliance/fonts/).

Liberation Serif is metric-compatible with Times New Roman, the face Decree
30/2020/NĐ-CP asks for, and covers every Vietnamese letter. Loading it from
the repository rather than the system makes a report identical on every
machine and means nothing is ever downloaded.
"""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

FONT_DIR = Path(__file__).resolve().parent.parent / "fonts"
FILES = {
    "regular": "LiberationSerif-Regular.ttf",
    "bold": "LiberationSerif-Bold.ttf",
    "italic": "LiberationSerif-Italic.ttf",
    "bolditalic": "LiberationSerif-BoldItalic.ttf",
}
# Names the PDF uses; the family maps <b>/<i> in paragraphs to the right file.
FAMILY = "ReportSerif"
NAMES = {"regular": FAMILY, "bold": FAMILY + "-Bold", "italic": FAMILY + "-Italic",
         "bolditalic": FAMILY + "-BoldItalic"}
# What the .docx asks Word for: the department's machines have Times New Roman;
# LibreOffice substitutes Liberation Serif, with the same metrics.
DOCX_FONT = "Times New Roman"


def path(style: str = "regular") -> Path:
    found = FONT_DIR / FILES[style]
    if not found.is_file():
        raise FileNotFoundError(f"Thiếu phông chữ {found} (phải có trong compliance/fonts/ của dự án).")
    return found


@lru_cache(maxsize=1)
def register_reportlab() -> str:
    """Register the four faces with reportlab once per process; return the family name."""
    from reportlab.lib.fonts import addMapping
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont

    for style, name in NAMES.items():
        pdfmetrics.registerFont(TTFont(name, str(path(style))))
    addMapping(FAMILY, 0, 0, NAMES["regular"])
    addMapping(FAMILY, 1, 0, NAMES["bold"])
    addMapping(FAMILY, 0, 1, NAMES["italic"])
    addMapping(FAMILY, 1, 1, NAMES["bolditalic"])
    return FAMILY


@lru_cache(maxsize=32)
def pillow(size_px: int, bold: bool = False):
    from PIL import ImageFont

    return ImageFont.truetype(str(path("bold" if bold else "regular")), size_px)
