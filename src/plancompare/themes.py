"""Themes: a shared taxonomy, theme assignment for passages, and the theme-by-district table.

Pipeline position: outline -> **themes** -> embed/match. The taxonomy lives in
``data/themes.toml`` (ids, zh/en labels and descriptions, seed terms, crosswalks to the
Comparative Agendas Project and to 五位一体).

Assignment (:class:`ThemeAssigner`) combines three deterministic signals per passage and theme:

* **heading** -- seed terms found in the passage's headings. The deepest heading that
  mentions any seed term counts most (a passage under ``第五节 着力提升养老服务水平`` is
  elderly care); each heading further up counts ``level_decay`` times less. A run-in heading
  (``——综合实力实现跃升。``, ``1. 加密骨干路网。``) counts as the deepest heading. Where a
  heading names several themes (教育文体), the text decides between them.
* **embedding** -- cosine similarity of the passage embedding to an embedding of each
  theme's label, description and seed terms, turned into a distribution with a softmax.
* **lexical** -- the share of (IDF-weighted) seed-term hits in the passage text.

The combined score decides the primary theme; the remaining themes, ranked by the same
score, are the secondary themes. Everything is deterministic: no sampling, no training beyond
inverse document frequencies of the seed terms.

Agreement with the hand labels in ``tests/gold/themes.csv`` (456 passages, five documents):
0.934 with embeddings, 0.930 from headings and seed terms alone (``tests/test_themes.py``).
"""

from __future__ import annotations

import math
import re
import tomllib
import warnings
from collections.abc import Callable, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import DataFileError
from .text.headings import run_in_heading, strip_numbering

WUWEI = ("经济", "政治", "文化", "社会", "生态文明")
THEME_SOURCES = ("heading", "embedding", "lexical", "none")
SECTION_SEP = " > "


def load_taxonomy(path: str | Path | None = None) -> pd.DataFrame:
    """Read the theme taxonomy.

    Parameters
    ----------
    path : str or Path, optional
        A TOML file with ``[[theme]]`` tables; the bundled ``data/themes.toml`` by default.

    Returns
    -------
    DataFrame, one row per theme in file order, columns
    ``theme, label_zh, label_en, description_zh, description_en, seed_terms (list of str),
    cap_code (int), cap_name, wuwei (list of str), heading_strength (float)``.
    """
    name = "data/themes.toml" if path is None else str(path)
    try:
        if path is None:
            data = resources.files("plancompare").joinpath("data/themes.toml").read_bytes()
        else:
            data = Path(path).read_bytes()
        themes = tomllib.loads(data.decode("utf-8")).get("theme", [])
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as err:
        raise DataFileError(f"{name}: cannot read the theme taxonomy ({err})") from None
    rows = [_taxonomy_row(t, i, name) for i, t in enumerate(themes, start=1)]
    return pd.DataFrame(rows, columns=[
        "theme", "label_zh", "label_en", "description_zh", "description_en",
        "seed_terms", "cap_code", "cap_name", "wuwei", "heading_strength",
    ])


def _taxonomy_row(t, number: int, name: str) -> dict:
    """One ``[[theme]]`` table as a row; a missing or ill-typed key names the file and the theme."""
    try:
        return {
            "theme": t["id"],
            "label_zh": t["label_zh"],
            "label_en": t["label_en"],
            "description_zh": t.get("description_zh", ""),
            "description_en": t.get("description_en", ""),
            "seed_terms": list(t.get("seed_terms", [])),
            "cap_code": int(t["cap_code"]),
            "cap_name": t["cap_name"],
            "wuwei": list(t["wuwei"]) if isinstance(t["wuwei"], list) else [t["wuwei"]],
            "heading_strength": float(t.get("heading_strength", 1.0)),
        }
    except KeyError as err:
        raise DataFileError(f"{name}: [[theme]] number {number} ({t.get('id', 'no id')}) lacks the key {err}") from None
    except (TypeError, ValueError, AttributeError) as err:
        raise DataFileError(f"{name}: [[theme]] number {number} has a value of the wrong type ({err})") from None


def theme_query_texts(taxonomy: pd.DataFrame) -> list[str]:
    """The text embedded for each theme: label, description and seed terms (Chinese)."""
    return [
        f"{row.label_zh}：{row.description_zh} 关键词：{'、'.join(row.seed_terms)}"
        for row in taxonomy.itertuples()
    ]


def heading_chain(section_path: str, text: str = "") -> list[str]:
    """Headings of a passage, deepest first: the run-in heading of ``text`` (if any), then
    the ``section_path`` headings from the deepest up, numbering stripped."""
    chain = [h for h in (section_path or "").split(SECTION_SEP) if h.strip()]
    chain = [strip_numbering(h) for h in reversed(chain)]
    run_in = run_in_heading(text or "")
    # Only a phrase that heads more text is a heading (run_in_heading checks that).
    if run_in and (not chain or chain[0] != run_in):
        chain.insert(0, run_in)
    return [h for h in chain if h]


class ThemeAssigner:
    """Assign a primary theme and scored secondary themes to passages.

    Parameters
    ----------
    taxonomy : DataFrame, optional
        From :func:`load_taxonomy`; the bundled taxonomy by default.
    heading_weight, embedding_weight, lexical_weight : float
        Weights of the three signals in the combined score. The heading signal is 1 for the
        best theme of the deepest heading; the text signals (embedding + lexical) add up to at
        most ``embedding_weight + lexical_weight`` = 1. With ``heading_weight`` 2 and
        ``level_decay`` 0.3 the deepest heading outweighs a parent heading plus all the text
        evidence, while the text still decides between themes a heading names together
        (教育文体) and wherever headings name nothing.
    level_decay : float
        Factor applied to a heading's evidence per level above the deepest one.
    temperature : float
        Softmax temperature on the cosine similarities (small: e5 cosines are close together).
    n_secondary : int
        How many secondary themes to report.
    min_secondary : float
        Secondary themes below this combined score are not reported.

    Attributes (after :meth:`fit`)
    ------------------------------
    taxonomy_ : DataFrame
    themes_ : list of str
        Theme ids, in taxonomy order (the columns of every score matrix).
    term_theme_ : dict of str -> int
        Seed term -> theme column.
    term_weight_ : dict of str -> float
        Seed term -> IDF weight learnt from the fitted passages (1.0 when fitted on none).
    pattern_ : re.Pattern
        All seed terms, longest first.
    heading_strength_ : ndarray (n_themes,)
        Per-theme factor on heading evidence (taxonomy ``heading_strength``).
    theme_embeddings_ : ndarray (n_themes, dim) or None
        L2-normalised theme embeddings, when ``embed`` was given.
    """

    def __init__(
        self,
        taxonomy: pd.DataFrame | None = None,
        heading_weight: float = 2.0,
        embedding_weight: float = 0.6,
        lexical_weight: float = 0.4,
        level_decay: float = 0.3,
        temperature: float = 0.02,
        n_secondary: int = 3,
        min_secondary: float = 0.05,
    ):
        self.taxonomy = taxonomy
        self.heading_weight = heading_weight
        self.embedding_weight = embedding_weight
        self.lexical_weight = lexical_weight
        self.level_decay = level_decay
        self.temperature = temperature
        self.n_secondary = n_secondary
        self.min_secondary = min_secondary

    # -- fitting -------------------------------------------------------------------------

    def fit(
        self,
        passages: pd.DataFrame | None = None,
        embeddings: np.ndarray | None = None,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    ) -> "ThemeAssigner":
        """Prepare the lexicon and, with ``embed``, the theme embeddings.

        Parameters
        ----------
        passages : DataFrame, optional
            Rows with a ``text`` column; used only to weight seed terms by inverse document
            frequency (a term found in every passage says little).
        embeddings : ndarray, optional
            Ignored here (accepted for symmetry with :meth:`predict`).
        embed : callable, optional
            ``embed(texts) -> ndarray`` returning L2-normalised embeddings comparable with the
            passage embeddings, e.g.
            ``lambda texts: plancompare.embed.embed_texts(texts, prompt="query")``.
        """
        taxonomy = load_taxonomy() if self.taxonomy is None else self.taxonomy
        self.taxonomy_ = taxonomy.reset_index(drop=True)
        self.themes_ = self.taxonomy_["theme"].tolist()
        self.term_theme_ = {}
        for col, terms in enumerate(self.taxonomy_["seed_terms"]):
            for term in terms:
                # First theme to claim a term keeps it: the lexicon must be unambiguous.
                self.term_theme_.setdefault(term, col)
        # Longest alternative first, so a regex scan takes the longest term at each position.
        ordered = sorted(self.term_theme_, key=lambda t: (-len(t), t))
        self.pattern_ = re.compile("|".join(re.escape(t) for t in ordered)) if ordered else None
        self.term_weight_ = self._idf(passages)
        self.heading_strength_ = self.taxonomy_["heading_strength"].to_numpy(dtype=float) \
            if "heading_strength" in self.taxonomy_ else np.ones(len(self.themes_))
        self.theme_embeddings_ = None
        if embed is not None:
            vectors = np.asarray(embed(theme_query_texts(self.taxonomy_)), dtype=np.float32)
            self.theme_embeddings_ = _normalise_rows(vectors)
        return self

    def _idf(self, passages: pd.DataFrame | None) -> dict[str, float]:
        if passages is None or len(passages) == 0:
            return {t: 1.0 for t in self.term_theme_}
        texts = passages["text"].fillna("").astype(str).tolist()
        df = dict.fromkeys(self.term_theme_, 0)
        for text in texts:
            for term in set(self._terms(text)):
                df[term] += 1
        n = len(texts)
        return {t: math.log((1 + n) / (1 + df[t])) + 1.0 for t in self.term_theme_}

    # -- scoring -------------------------------------------------------------------------

    def _terms(self, text: str) -> list[str]:
        return [m.group(0) for m in self.pattern_.finditer(text)] if self.pattern_ else []

    def lexical_vector(self, text: str, weighted: bool = True) -> np.ndarray:
        """Seed-term hits of ``text`` per theme (unnormalised), IDF-weighted if ``weighted``."""
        vec = np.zeros(len(self.themes_))
        for term in self._terms(text):
            vec[self.term_theme_[term]] += self.term_weight_[term] if weighted else 1.0
        return vec

    def heading_vector(self, section_path: str, text: str = "") -> np.ndarray:
        """Heading evidence per theme.

        Each heading's seed-term counts are scaled to max 1 and multiplied by
        ``level_decay ** d`` (d = levels above the deepest heading) and by the theme's
        ``heading_strength``; the headings' vectors are summed, so an ancestor breaks a tie
        between themes of a deeper heading. Counts are unweighted: in a heading, a frequent
        term (教育) is as telling as a rare one (文体)."""
        out = np.zeros(len(self.themes_))
        for depth, heading in enumerate(heading_chain(section_path, text)):
            vec = self.lexical_vector(heading, weighted=False)
            if vec.max() > 0:
                out += (self.level_decay ** depth) * vec / vec.max()
        return out * self.heading_strength_

    def score_matrix(self, passages: pd.DataFrame, embeddings: np.ndarray | None = None) -> dict:
        """The three signal matrices (n_passages, n_themes) and the combined score.

        Returns a dict with ``heading``, ``embedding`` (None without embeddings), ``lexical``
        and ``combined``; ``combined`` rows sum to 1 where any signal is present.
        """
        self._check_fitted()
        texts = passages["text"].fillna("").astype(str).tolist()
        paths = (passages["section_path"] if "section_path" in passages else pd.Series([""] * len(passages)))
        paths = paths.fillna("").astype(str).tolist()
        heading = np.array([self.heading_vector(p, t) for p, t in zip(paths, texts)]).reshape(len(texts), -1)
        lexical = np.array([self.lexical_vector(t) for t in texts]).reshape(len(texts), -1)
        lexical = _share(lexical)
        embedding = None
        if embeddings is not None and self.theme_embeddings_ is None:
            raise ValueError("embeddings given but no theme embeddings: fit with embed=...")
        if embeddings is not None:
            emb = _normalise_rows(np.asarray(embeddings, dtype=np.float32))
            if emb.shape[0] != len(texts):
                raise ValueError(f"embeddings have {emb.shape[0]} rows for {len(texts)} passages")
            embedding = _softmax(emb @ self.theme_embeddings_.T / self.temperature)
        if embedding is not None:
            body = self.embedding_weight * embedding + self.lexical_weight * lexical
        else:
            # Without embeddings the text evidence keeps its total weight against the headings.
            body = (self.embedding_weight + self.lexical_weight) * lexical
        combined = _share(self.heading_weight * heading + body)
        return {"heading": heading, "embedding": embedding, "lexical": lexical, "combined": combined}

    def predict(self, passages: pd.DataFrame, embeddings: np.ndarray | None = None) -> pd.DataFrame:
        """Assign themes.

        Parameters
        ----------
        passages : DataFrame
            Columns ``text`` and (recommended) ``section_path``.
        embeddings : ndarray, optional
            One L2-normalised row per passage (same order); used when the assigner was
            fitted with ``embed``.

        Returns
        -------
        DataFrame with the index of ``passages`` and columns ``theme`` (primary id, "" when no
        signal at all), ``theme_score`` (its combined score, 0-1), ``theme_source``
        (``heading`` / ``embedding`` / ``lexical`` / ``none``) and ``secondary_themes``
        (``"id:score;id:score"``, best first).
        """
        scores = self.score_matrix(passages, embeddings)
        combined = scores["combined"]
        primary = combined.argmax(axis=1)
        rows = []
        for i, col in enumerate(primary):
            top = combined[i, col]
            if top <= 0:
                rows.append(("", 0.0, "none", ""))
                continue
            source = self._source(scores, i, col)
            order = np.argsort(-combined[i], kind="stable")
            secondary = [
                f"{self.themes_[j]}:{combined[i, j]:.3f}"
                for j in order
                if j != col and combined[i, j] >= self.min_secondary
            ][: self.n_secondary]
            rows.append((self.themes_[col], round(float(top), 4), source, ";".join(secondary)))
        return pd.DataFrame(rows, index=passages.index,
                            columns=["theme", "theme_score", "theme_source", "secondary_themes"])

    def fit_predict(
        self,
        passages: pd.DataFrame,
        embeddings: np.ndarray | None = None,
        embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    ) -> pd.DataFrame:
        """:meth:`fit` on ``passages`` then :meth:`predict` them."""
        return self.fit(passages, embeddings, embed).predict(passages, embeddings)

    def _source(self, scores: dict, i: int, col: int) -> str:
        if self.heading_weight * scores["heading"][i, col] > 0:
            return "heading"
        emb = scores["embedding"]
        emb_part = self.embedding_weight * emb[i, col] if emb is not None else 0.0
        lex_part = self.lexical_weight * scores["lexical"][i, col]
        return "embedding" if emb_part >= lex_part else "lexical"

    def _check_fitted(self) -> None:
        if not hasattr(self, "themes_"):
            raise RuntimeError("ThemeAssigner is not fitted; call fit() first")


def assign_themes(
    passages: pd.DataFrame,
    embeddings: np.ndarray | None = None,
    embed: Callable[[Sequence[str]], np.ndarray] | None = None,
    taxonomy: pd.DataFrame | None = None,
    **params,
) -> pd.DataFrame:
    """Shortcut for ``ThemeAssigner(taxonomy, **params).fit_predict(passages, embeddings, embed)``."""
    return ThemeAssigner(taxonomy, **params).fit_predict(passages, embeddings, embed)


def themes_table(
    passages: pd.DataFrame,
    documents: pd.DataFrame | None = None,
    taxonomy: pd.DataFrame | None = None,
    k: int = 3,
    preview_chars: int = 60,
    *,
    top_n: int | None = None,
) -> pd.DataFrame:
    """Theme-by-district coverage: one row per (theme, district), zeros where a district is silent.

    Parameters
    ----------
    passages : DataFrame
        Passages with ``passage_id, district, text, theme`` (``theme_score`` optional: ranks the
        representative passages; ``kind`` optional: only ``body`` rows count).
    documents : DataFrame, optional
        ``corpus.documents``; its districts are listed even when they have no body passage.
    taxonomy : DataFrame, optional
        From :func:`load_taxonomy`; the bundled taxonomy by default.
    k : int
        Number of representative passages per row (``top_n`` is the deprecated old name).
    preview_chars : int
        Length of the text preview of the best passage.

    Returns
    -------
    DataFrame with columns ``theme, label_zh, label_en, district, passages, characters, share,
    top_passages, preview``: ``characters`` is the body text of the theme in the district,
    ``share`` that over all the district's body text, ``top_passages`` the ids of the
    ``k`` best-scored passages joined by ``;``, ``preview`` the start of the best one.
    Rows are in taxonomy order, districts in document order.
    """
    if top_n is not None:
        warnings.warn("themes_table(top_n=...) is now themes_table(k=...)", DeprecationWarning, stacklevel=2)
        k = top_n
    if "theme" not in passages:
        raise ValueError("passages have no 'theme' column; run assign_themes first")
    taxonomy = load_taxonomy() if taxonomy is None else taxonomy
    body = passages[passages["role"] == "body"] if "role" in passages else passages
    body = body.assign(characters=body["text"].fillna("").astype(str).str.len())
    if "theme_score" not in body:
        body = body.assign(theme_score=body["characters"].astype(float))

    districts: list[str] = []
    if documents is not None and "district" in documents:
        districts += documents["district"].dropna().tolist()
    districts += body["district"].dropna().tolist()
    districts = list(dict.fromkeys(districts))
    totals = body.groupby("district")["characters"].sum()

    ranked = body.sort_values(["theme_score", "passage_id"], ascending=[False, True], kind="stable")
    groups = {key: g for key, g in ranked.groupby(["theme", "district"], sort=False)}
    rows = []
    for t in taxonomy.itertuples():
        for district in districts:
            g = groups.get((t.theme, district))
            n = 0 if g is None else len(g)
            chars = 0 if g is None else int(g["characters"].sum())
            total = int(totals.get(district, 0))
            rows.append({
                "theme": t.theme,
                "label_zh": t.label_zh,
                "label_en": t.label_en,
                "district": district,
                "passages": n,
                "characters": chars,
                "share": chars / total if total else 0.0,
                "top_passages": "" if g is None else ";".join(g["passage_id"].head(k)),
                "preview": "" if g is None else _preview(g["text"].iloc[0], preview_chars),
            })
    return pd.DataFrame(rows, columns=["theme", "label_zh", "label_en", "district", "passages",
                                       "characters", "share", "top_passages", "preview"])


def _preview(text: str, n: int) -> str:
    text = re.sub(r"\s+", "", str(text))
    return text if len(text) <= n else text[:n] + "…"


def _normalise_rows(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms == 0, 1, norms)


def _share(x: np.ndarray) -> np.ndarray:
    sums = x.sum(axis=1, keepdims=True)
    return np.divide(x, sums, out=np.zeros_like(x, dtype=float), where=sums > 0)


def _softmax(x: np.ndarray) -> np.ndarray:
    z = np.exp(x - x.max(axis=1, keepdims=True))
    return z / z.sum(axis=1, keepdims=True)
