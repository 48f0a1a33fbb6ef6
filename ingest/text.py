"""Text normalisation shared by header matching and area-name lookup."""
from __future__ import annotations

import re
import unicodedata
from functools import lru_cache


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lower-case, strip Vietnamese diacritics (including đ) and collapse
    spaces, so 'Ca mắc  MỚI' and 'ca mac moi' compare equal."""
    text = unicodedata.normalize("NFD", str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) != "Mn")
    text = text.replace("đ", "d").replace("Đ", "D").lower()
    text = re.sub(r"[^0-9a-z]+", " ", text)
    return " ".join(text.split())


def key(text: str) -> str:
    """fold() without spaces: 'Huyện Đông Sơn' -> 'huyendongson'."""
    return fold(text).replace(" ", "")
