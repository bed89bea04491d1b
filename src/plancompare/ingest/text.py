"""The plain-text reader: decode a text file's bytes.

Plans arrive as UTF-8 (with or without BOM), GB18030/GBK or Big5. :func:`read_text`
tries them in that order and, where more than one legacy codec decodes cleanly,
keeps the one whose characters look most like real Chinese text. Bytes that no codec
can decode raise :class:`~plancompare.errors.InputFileError` naming the file and the
byte offset, rather than being replaced silently.
"""

from __future__ import annotations

import re
from pathlib import Path

from ..errors import InputFileError
from ._source import Extracted

LEGACY_CODECS = ("gb18030", "big5")
# File suffixes a folder build picks up (lower case).  Readers for more formats add theirs here.
SUPPORTED_SUFFIXES: tuple[str, ...] = (".txt",)

# The 500 most frequent characters of Chinese government prose cover most of any
# plan; a wrong legacy decoding produces rare characters instead.  The set holds
# both simplified and traditional forms so that Big5 text scores as well as GBK.
_COMMON = set(
    "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可主发年动同工也能下过子说产种面而方后多定行学法所民得经十三之进着等部度家电力里如水化高自二理起小物现实加量都两体制机当使点从业本去把性好应开它合还因由其些然前外天政四日那社义事平形相全表间样与关各重新线内数正心反你明看原又么利比或但质气第向道命此变条只没结解问意建月公无系军很情者最立代想已通并提直题党程展五果料象员革位入常文总次品式活设及管特件长求老头基资边流路级少图山统接知较将组见计别她手角期根论运农指几九区强放决西被干做必战先回则任取据处队南给色光门即保治北造百规热领七海口东导器压志世金增争济阶油思术极交受联什认六共权收证改清己美再采转更单风切打白教速花带安场身车例真务具万每目至达走积示议声报斗完类八离华名确才科张信马节话米整空元况今集温传土许步群广石记需段研界拉林律叫且究观越织装影算低持音众书布复容儿须际商非验连断深难近矿千周委素技备半办青省列习响约支般史感劳便团往酸历市克何除消构府称太准精值号率族维划选标写存候毛亲快效斯院查江型眼王按格养易置派层片始却专状育厂京识适属圆包火住调满县局照参红细引听该铁价严龙飞"
    "的區發國經濟會這為業進與實現產們關開體來時區長機經設務質環創應點質綠態雙項點學義護費優統勢總鎮營邊"
)


def read_text(path: Path, data: bytes) -> Extracted:
    """Decode a plain-text file; one raw line per line, located as ``l.N``.

    Raises :class:`InputFileError` if the file is empty, binary, truncated
    mid-character or in no supported encoding.
    """
    if not data.strip():
        raise InputFileError(path, "file is empty (no text to read)")
    if b"\x00" in data[:4096] or _control_ratio(data) > 0.05:
        raise InputFileError(path, "looks like a binary file, not text (control bytes found)")
    text, encoding = decode_bytes(data, path)
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return Extracted(lines=lines, locators=[f"l.{i}" for i in range(1, len(lines) + 1)], encoding=encoding)


def decode_bytes(data: bytes, path: str | Path = "<bytes>") -> tuple[str, str]:
    """Decode ``data`` as UTF-8, else the most plausible legacy Chinese codec.

    Returns ``(text, encoding)``; raises :class:`InputFileError` naming ``path``.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        try:
            return data[3:].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError as err:
            raise _decode_error(path, data, err, "utf-8") from None
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError as utf8_err:
        if utf8_err.start >= len(data) - 3 and _mostly_utf8(data[: utf8_err.start]):
            raise _decode_error(path, data, utf8_err, "utf-8") from None
        candidates, failures = [], []
        for codec in LEGACY_CODECS:
            try:
                candidates.append((_plausibility(data.decode(codec)), codec))
            except UnicodeDecodeError as err:
                failures.append(err)
        if not candidates:
            # Report the codec that read furthest: a GBK file cut mid-character fails
            # as UTF-8 near its start but as GB18030 only at its last byte.
            furthest = max([utf8_err, *failures], key=lambda err: err.start)
            raise _decode_error(path, data, furthest, "utf-8, gb18030 or big5") from None
        _, codec = max(candidates)
        return data.decode(codec), codec


def _mostly_utf8(prefix: bytes) -> bool:
    return len(prefix) > 0 and any(b >= 0x80 for b in prefix)


def _decode_error(path, data: bytes, err: UnicodeDecodeError, tried: str) -> InputFileError:
    if err.start >= len(data) - 3:
        problem = f"truncated multi-byte character at byte {err.start} of {len(data)} (the file ends mid-character)"
    else:
        problem = f"cannot decode byte {err.start} (0x{data[err.start]:02x}) as {tried}"
    return InputFileError(path, problem)


def _control_ratio(data: bytes) -> float:
    sample = data[:4096]
    controls = sum(1 for b in sample if b < 0x20 and b not in (0x09, 0x0A, 0x0D, 0x0C))
    return controls / max(len(sample), 1)


def _plausibility(text: str) -> float:
    """Share of CJK characters that are common ones: high for a right decoding."""
    cjk = re.findall(r"[\u4e00-\u9fff]", text)
    if not cjk:
        return 0.0
    return sum(ch in _COMMON for ch in cjk) / len(cjk)
