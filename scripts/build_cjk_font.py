"""Rebuild the PDF font that ships in the package (decision 0044).

The font is Noto Sans CJK SC Regular (SIL Open Font License 1.1, the text in
``infrastructure/reports/fonts/OFL.txt``), as Debian's ``fonts-noto-cjk``
package carries it, cut down with fontTools to what Chinese statements print:
every character of GBK (its 21,003 hanzi, GB2312's 6,763 among them,
symbols and full-width forms: people's names reach beyond GB2312),
ASCII and Latin-1, general and CJK punctuation. Anything else falls back as
decision 0014 says. Its PostScript outlines are redrawn as TrueType ones: fpdf2
embeds those as a CIDFontType2 font whose text extracts cleanly (pypdf spaces
out every character of the CFF one). Run it with that package unpacked::

    apt-get download fonts-noto-cjk && dpkg-deb -x fonts-noto-cjk_*.deb /tmp/noto
    .venv/bin/python scripts/build_cjk_font.py \
        /tmp/noto/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

The output is the same for the same source font and fontTools version.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from fontTools import subset
from fontTools.pens.cu2quPen import Cu2QuPen
from fontTools.pens.ttGlyphPen import TTGlyphPen
from fontTools.ttLib import TTCollection, TTFont, newTable

OUT = Path(__file__).resolve().parent.parent / "infrastructure/reports/fonts/NotoSansSC-GBK.ttf"
FAMILY = "Noto Sans CJK SC"
# Font units (of 1,000 an em) a quadratic curve may stray from the cubic one.
TOLERANCE = 1.0


def gbk() -> set[int]:
    """Every character GBK encodes (lead bytes 0x81-0xFE, trail bytes 0x40-0xFE):
    GB2312's 6,763 hanzi and the 14,240 more that names use (堃, 喆, 昇, 玥)."""
    found: set[int] = set()
    for lead in range(0x81, 0xFF):
        for trail in range(0x40, 0xFF):
            try:
                found.add(ord(bytes((lead, trail)).decode("gbk")))
            except UnicodeDecodeError:
                continue
    return found


def wanted() -> set[int]:
    ranges = (
        (0x20, 0x7E),  # ASCII
        (0xA0, 0xFF),  # Latin-1: names and the yen sign
        (0x2010, 0x206F),  # general punctuation: dashes, quotes, ellipsis
        (0x20AC, 0x20AC),  # euro sign
        (0x3000, 0x303F),  # CJK symbols and punctuation
        (0xFF01, 0xFF5E),  # full-width forms
        (0xFFE0, 0xFFE6),  # full-width yen and friends
    )
    return gbk() | {c for low, high in ranges for c in range(low, high + 1)}


def source_face(path: Path) -> TTFont:
    if path.suffix.lower() == ".ttc":
        for face in TTCollection(str(path)).fonts:
            if face["name"].getDebugName(1) == FAMILY:
                return face
        raise SystemExit(f"{path} has no {FAMILY!r} face")
    return TTFont(str(path))


def cut(font: TTFont) -> None:
    options = subset.Options()
    options.layout_features = ["kern", "palt"]
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=sorted(wanted()))
    subsetter.subset(font)


def to_truetype(font: TTFont) -> None:
    """Replace the CFF outlines by quadratic ``glyf`` ones (fontTools' otf2ttf recipe)."""
    order = font.getGlyphOrder()
    glyphs = font.getGlyphSet()
    glyf = newTable("glyf")
    glyf.glyphOrder = order
    glyf.glyphs = {}
    for name in order:
        pen = TTGlyphPen(glyphs)
        glyphs[name].draw(Cu2QuPen(pen, TOLERANCE, reverse_direction=True))
        glyf[name] = pen.glyph()
    font["loca"] = newTable("loca")
    font["glyf"] = glyf
    for tag in ("CFF ", "VORG"):
        if tag in font:
            del font[tag]
    maxp = font["maxp"] = newTable("maxp")
    maxp.tableVersion = 0x00010000
    maxp.numGlyphs = len(order)
    for field in (
        "maxTwilightPoints",
        "maxStorage",
        "maxFunctionDefs",
        "maxInstructionDefs",
        "maxStackElements",
        "maxSizeOfInstructions",
        "maxComponentElements",
    ):
        setattr(maxp, field, 0)
    maxp.maxZones = 1
    post = font["post"]
    post.formatType = 2.0
    post.extraNames = []
    post.mapping = {}
    post.glyphOrder = order
    font["head"].glyphDataFormat = 0
    font.sfntVersion = "\0\1\0\0"


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("source", type=Path, help="NotoSansCJK-Regular.ttc (or an SC .otf)")
    args = parser.parse_args()
    font = source_face(args.source)
    cut(font)
    to_truetype(font)
    font.recalcTimestamp = False  # the source's date: the same input builds the same bytes
    OUT.parent.mkdir(parents=True, exist_ok=True)
    font.save(str(OUT))
    print(f"{OUT}: {len(font.getBestCmap())} characters, {OUT.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
