"""The indicator registry: canonical indicators, their names as plans write them, and the cue words.

In: ``plancompare/data/indicators.toml`` (or a file in the same format). Out: a :class:`Registry`.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from ..errors import PlancompareError
from ..text.numbers import fold_for_numbers

__all__ = ["Registry", "load_registry", "RegistryError"]


class RegistryError(PlancompareError):
    """The indicator registry file cannot be read."""


@dataclass
class Registry:
    """The indicator registry.

    Attributes
    ----------
    table : DataFrame
        One row per canonical indicator: ``indicator_id, name, name_en, category, unit, units, measure,
        family, aliases, patterns, value_patterns, allow_increment, plausible`` (``(lo, hi)`` or None).
    cues : dict
        Cue-word lists (the ``[cues]`` section of the TOML file).
    units : dict
        Unit as written -> (base unit, factor to the base unit).
    aliases : list of (str, str)
        (upper-cased alias, family), longest first.
    patterns : list of (Pattern, str)
        (compiled name pattern, family).
    value_patterns : list of (Pattern, str)
        (compiled pattern with a ``value`` group, indicator_id) for names that enclose their number.
    family_rows_ : dict
        Family -> its rows of ``table`` as Series (computed at construction from ``table``).
    """

    table: pd.DataFrame
    cues: dict
    units: dict
    aliases: list = field(default_factory=list, repr=False)
    patterns: list = field(default_factory=list, repr=False)
    value_patterns: list = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        # extraction asks for a family's rows once per number found: rows as Series, grouped once
        self.family_rows_ = {family: [row for _, row in group.iterrows()]
                             for family, group in self.table.groupby("family", sort=False)}

    def member_rows(self, family: str) -> list[pd.Series]:
        """The indicators of one family (a level and its growth rate, for example), as rows of
        ``table`` in table order."""
        return self.family_rows_.get(family, [])

    def row(self, indicator_id: str) -> pd.Series:
        """One canonical indicator by id (KeyError when unknown)."""
        return self.table.set_index("indicator_id").loc[indicator_id]


def _indicator_row(item: dict) -> dict:
    return {
        "indicator_id": item["id"],
        "name": item["name"],
        "name_en": item.get("name_en", item["id"]),
        "category": item.get("category", ""),
        "unit": item.get("unit", ""),
        "units": list(item.get("units", [])),
        "measure": item.get("measure", "level"),
        "family": item.get("family", item["id"]),
        "aliases": list(item.get("aliases", [])),
        "patterns": list(item.get("patterns", [])),
        "value_patterns": list(item.get("value_patterns", [])),
        "allow_increment": bool(item.get("allow_increment", False)),
        "plausible": tuple(item["plausible"]) if "plausible" in item else None,
    }


def load_registry(path: str | Path | None = None) -> Registry:
    """Load the indicator registry.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file in the format of the bundled ``plancompare/data/indicators.toml`` (the default).

    Returns
    -------
    Registry
        ``registry.table`` has one row per canonical indicator.
    """
    name = str(path) if path is not None else "plancompare/data/indicators.toml"
    try:
        raw = (resources.files("plancompare").joinpath("data/indicators.toml").read_bytes() if path is None
               else Path(path).read_bytes())
        data = tomllib.loads(raw.decode("utf-8"))
        rows = [_indicator_row(item) for item in data.get("indicator", [])]
    except FileNotFoundError:
        raise RegistryError(f"{name}: indicator registry not found") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as err:
        raise RegistryError(f"{name}: not a valid TOML registry ({err})") from None
    except KeyError as err:
        raise RegistryError(f"{name}: an [[indicator]] entry lacks the field {err}") from None
    table = pd.DataFrame(rows)
    if table["indicator_id"].duplicated().any():
        dup = ", ".join(table.loc[table["indicator_id"].duplicated(), "indicator_id"])
        raise RegistryError(f"{name}: duplicate indicator id(s) {dup}")
    units = {k: (v[0], float(v[1])) for k, v in data.get("units", {}).items()}
    registry = Registry(table=table, cues=data.get("cues", {}), units=units)
    seen = set()
    for row in rows:
        for alias in [row["name"], *row["aliases"]]:
            key = (fold_for_numbers(alias)[0].upper(), row["family"])
            if key[0] and key not in seen:
                seen.add(key)
                registry.aliases.append(key)
        registry.patterns += [(re.compile(p, re.IGNORECASE), row["family"]) for p in row["patterns"]]
        registry.value_patterns += [(re.compile(p, re.IGNORECASE), row["indicator_id"]) for p in row["value_patterns"]]
    registry.aliases.sort(key=lambda a: -len(a[0]))
    return registry
