"""The GBK double-byte plane as the byte-shift damage sees it, and a simulator
of that damage.

:func:`gbk_tables` maps lead/trail byte pairs to characters (and marks the
pairs of the user-defined area, which decoded to private-use characters and
vanished from the damaged documents); :func:`candidates` lists the characters a
partly known byte pair can be; :func:`simulate_byte_shift` damages clean text
the way the Chikan plan was damaged, for tests and benchmarks.
"""

from __future__ import annotations

from functools import lru_cache

from ..text.normalize import FULLWIDTH_FORMS_TO_ASCII

_TRAIL_BYTES = [*range(0x40, 0x7F), *range(0x80, 0xFF)]


@lru_cache(maxsize=1)
def gbk_tables():
    """Maps of the GBK double-byte plane: by trail byte, by lead byte, and the
    lead/trail pairs that gb18030 decodes into the private-use area (these
    vanished from the damaged text)."""
    chars: dict[tuple[int, int], str] = {}
    hidden: set[tuple[int, int]] = set()
    for lead in range(0x81, 0xFF):
        for trail in _TRAIL_BYTES:
            raw = bytes((lead, trail))
            try:
                ch = raw.decode("gbk")
            except UnicodeDecodeError:
                ch = raw.decode("gb18030", errors="replace")
                if len(ch) == 1 and 0xE000 <= ord(ch) <= 0xF8FF:
                    hidden.add((lead, trail))
                continue
            if len(ch) == 1 and not 0xE000 <= ord(ch) <= 0xF8FF:
                chars[(lead, trail)] = ch
    by_trail: dict[int, list[tuple[int, str]]] = {}
    by_lead: dict[int, list[tuple[int, str]]] = {}
    for (lead, trail), ch in chars.items():
        by_trail.setdefault(trail, []).append((lead, ch))
        by_lead.setdefault(lead, []).append((trail, ch))
    hidden_next: dict[int, frozenset[int]] = {}
    for lead, trail in hidden:
        hidden_next.setdefault(lead, set()).add(trail)
    return chars, by_trail, by_lead, {k: frozenset(v) for k, v in hidden_next.items()}


def token_bytes(tok: str) -> bytes | None:
    """The two GBK bytes of ``tok``, or ``None`` if it is not a double-byte GBK character."""
    try:
        raw = tok.encode("gbk")
    except UnicodeEncodeError:
        return None
    return raw if len(raw) == 2 else None



@lru_cache(maxsize=65536)
def candidates(leads: frozenset[int] | None, trail: int | None, hidden_trail: bool = False):
    """GBK characters with a lead byte in ``leads`` and trail byte ``trail``
    (``None`` = unconstrained); with ``hidden_trail`` the trail must be able to
    start a vanished pair."""
    chars, by_trail, by_lead, hidden_next = gbk_tables()
    if trail is not None:
        if leads is not None and len(leads) == 1:
            ch = chars.get((next(iter(leads)), trail))
            return (ch,) if ch else ()
        return tuple(ch for lead, ch in by_trail.get(trail, ()) if leads is None or lead in leads)
    if leads is None:
        if not hidden_trail:
            return ()  # both bytes lost: nothing to go on
        # the lost-lead character whose trail byte started a vanished pair
        return tuple(ch for t in sorted(hidden_next) for _, ch in by_trail.get(t, ()))
    return tuple(ch for lead in sorted(leads) for t, ch in by_lead.get(lead, ())
                 if not hidden_trail or t in hidden_next)



def simulate_byte_shift(text: str, index: int) -> str:
    """Damage ``text`` the way the byte-shift mojibake did, for tests and benchmarks.

    The character at ``index`` (a double-byte GBK character) loses its lead byte, which
    becomes ``?``; the bytes after it are decoded in shifted pairs until an ASCII byte
    realigns them, and full-width forms are folded to ASCII in the whole result. A pair in
    a user-defined area becomes a private-use character and vanishes; a byte that
    cannot start a pair, or a lead byte before an ASCII byte that is no trail, becomes
    ``?``. This reproduces the damaged spelling of 24 of the 33 hand-checked spots of
    the Chikan plan; of the others, six carry pinyin annotations added after the damage
    and three show a ``?`` where a user-defined pair is expected to vanish.

    Raises ``ValueError`` when ``text[index]`` is not a double-byte GBK character.
    """
    if token_bytes(text[index]) is None:
        raise ValueError(f"character {text[index]!r} at {index} is not a double-byte GBK character")
    chars, _, _, hidden_next = gbk_tables()
    raw = b"?" + text[index:].encode("gbk", errors="replace")[1:]
    out, i = [], 0
    while i < len(raw):
        b = raw[i]
        if b < 0x80:
            out.append(chr(b))
            i += 1
        elif i + 1 < len(raw) and (b, raw[i + 1]) in chars:
            out.append(chars[(b, raw[i + 1])])
            i += 2
        elif i + 1 < len(raw) and raw[i + 1] in hidden_next.get(b, ()):
            i += 2  # user-defined pair: a private-use character, later lost
        else:
            out.append("?")
            i += 2 if i + 1 < len(raw) and raw[i + 1] >= 0x80 else 1
    return (text[:index] + "".join(out)).translate(FULLWIDTH_FORMS_TO_ASCII)
