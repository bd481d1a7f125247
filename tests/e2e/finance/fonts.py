"""Tiny TrueType fonts made on the spot, so PDF tests need no font from the machine."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from pathlib import Path

from fontTools.fontBuilder import FontBuilder
from fontTools.pens.ttGlyphPen import TTGlyphPen

ASCII = "".join(chr(c) for c in range(0x20, 0x7F))


def build_font(path: Path, characters: Iterable[str], family: str = "EstatelogTest") -> Path:
    """A TrueType font at ``path`` whose glyphs (plain boxes) cover exactly
    ``characters``; wide characters (CJK) get a full em, the rest 0.6 em."""
    chars = sorted(set(characters) - {"\n"})
    names = [".notdef", *(f"uni{ord(c):04X}" for c in chars)]
    builder = FontBuilder(1000, isTTF=True)
    builder.setupGlyphOrder(names)
    builder.setupCharacterMap({ord(c): f"uni{ord(c):04X}" for c in chars})
    glyphs = {}
    metrics = {}
    for name, char in zip(names, ["", *chars], strict=True):
        width = 1000 if char and unicodedata.east_asian_width(char) in "WF" else 600
        pen = TTGlyphPen(None)
        if char.strip():
            pen.moveTo((50, 0))
            pen.lineTo((50, 700))
            pen.lineTo((width - 50, 700))
            pen.lineTo((width - 50, 0))
            pen.closePath()
        glyphs[name] = pen.glyph()
        metrics[name] = (width, 50 if char.strip() else 0)
    builder.setupGlyf(glyphs)
    builder.setupHorizontalMetrics(metrics)
    builder.setupHorizontalHeader(ascent=800, descent=-200)
    builder.setupNameTable({"familyName": family, "styleName": "Regular"})
    builder.setupOS2(sTypoAscender=800, sTypoDescender=-200, usWinAscent=800, usWinDescent=200)
    builder.setupPost()
    builder.save(str(path))
    return path
