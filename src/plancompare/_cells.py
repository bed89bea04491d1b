"""Reading single DataFrame cells that may be missing (``None``, ``NaN``, ``pd.NA``)."""

from __future__ import annotations

import pandas as pd


def is_missing(x) -> bool:
    """True for a missing scalar cell; lists, dicts and strings are never missing."""
    return x is None or (pd.api.types.is_scalar(x) and bool(pd.isna(x)))


def as_number(x, kind=float):
    """``kind(x)``, or ``None`` for a missing or non-numeric cell."""
    if is_missing(x):
        return None
    try:
        return kind(x)
    except (TypeError, ValueError):
        return None
