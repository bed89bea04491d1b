"""Theme alignment: groups of passages from different districts that address the same goal."""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from ..errors import MatchInputError, UnknownItemError
from .index import PassageIndex


# Link thresholds for align_theme on the absolute fused pair similarity, calibrated on
# tests/gold/topics.csv by benchmarks/bench_match.py --calibrate (see align_theme).
DEFAULT_ALIGN_THRESHOLD = 0.50
DEFAULT_ALIGN_THRESHOLD_LEXICAL = 0.08


ALIGN_COLUMNS = [
    "group_id", "theme", "district", "status", "passage_id", "doc_id", "score", "heading",
    "section_path", "text", "line_start", "line_end", "group_label", "verdict", "p_comparable",
]


def align_theme(
    passages: pd.DataFrame,
    embeddings: np.ndarray | None,
    theme: str,
    threshold: float | None = None,
    dense_weight: float = 0.5,
    include_unmatched: bool = True,
    index: PassageIndex | None = None,
) -> pd.DataFrame:
    """Group passages of ``theme`` from different districts that address the same goal.

    Method: within the theme, every passage's best match in each other district is found with
    the absolute fused similarity of :meth:`PassageIndex.pair_similarity`; a pair is linked when
    the two passages are each other's best match in the other's district (mutual nearest
    neighbours) and the similarity is >= ``threshold``. Connected components of the links are the
    groups.

    ``threshold`` None picks the calibrated default: :data:`DEFAULT_ALIGN_THRESHOLD` with
    embeddings, :data:`DEFAULT_ALIGN_THRESHOLD_LEXICAL` without. Calibration
    (``benchmarks/bench_match.py --calibrate``, gold set ``tests/gold/topics.csv``): within each
    theme, every cross-district mutual-nearest-neighbour pair is a candidate link; it is a positive
    when both passages are gold targets of one topic, a negative when one is a gold target of topic
    T and the other lies in a district where the gold names a different passage for T. The default
    is the threshold that maximises F1 over these labelled candidates (bundled plans, e5-small,
    ``dense_weight=0.5``: 0.50, F1 0.83 on 58 positive / 34 negative pairs; lexical-only: 0.08,
    F1 0.79 on 54 / 36).
    The mutual-nearest-neighbour rule does most of the work; the threshold drops weak pairs.

    Inputs: ``passages`` (body rows of ``corpus.passages`` with a ``theme`` column),
    ``embeddings`` aligned with those rows (or None), the theme id. ``index`` may be a
    PassageIndex already fitted on the same rows (saves refitting; its ``dense_weight`` then
    applies instead of the argument).
    Output: one row per group x district: members get ``status="aligned"`` (group spans >= 2
    districts) or ``"unmatched"`` (only this district has it, if ``include_unmatched``); each
    district of the corpus without a member gets a row with empty ``passage_id`` and
    ``status="nothing comparable"``. ``score`` is a member's best link similarity within the group.
    """
    if "theme" not in passages.columns:
        raise MatchInputError("passages have no 'theme' column; run the themes stage first")
    all_districts = sorted(passages["district"].dropna().unique().tolist())
    if theme not in set(passages["theme"].dropna().astype(str)):
        raise UnknownItemError(f"no passage has theme {theme!r}")
    if index is None:
        index = PassageIndex(dense_weight=dense_weight).fit(passages, embeddings)
    elif len(index.passages_) != len(passages) or not np.array_equal(
            index.passages_["passage_id"].to_numpy(), passages["passage_id"].to_numpy()):
        raise MatchInputError("index was fitted on a different passages table")
    if threshold is None:
        threshold = DEFAULT_ALIGN_THRESHOLD if index.embeddings_ is not None else DEFAULT_ALIGN_THRESHOLD_LEXICAL

    # The theme comes from ``passages``: an index fitted before themes were assigned lacks it.
    rows = np.flatnonzero(passages["theme"].astype(str).to_numpy() == theme)
    dist = index.passages_["district"].to_numpy()[rows]
    sim = index.pair_similarity(rows)
    members, link_score, links = _link_groups(sim, dist, threshold)
    p_link = _link_probabilities(index, rows, links)
    records = []
    group_no = 0
    for root in sorted(members, key=lambda r: min(members[r])):
        group = members[root]
        if len({dist[i] for i in group}) < 2 and not include_unmatched:
            continue
        group_no += 1
        records += _group_records(index, rows, dist, group, f"{theme}:{group_no:03d}", theme, all_districts,
                                  link_score, p_link)
    return pd.DataFrame.from_records(records, columns=ALIGN_COLUMNS)


def _link_groups(sim: np.ndarray, dist: np.ndarray, threshold: float):
    """Mutual-nearest-neighbour links across districts with similarity >= ``threshold``; returns the
    groups (root -> member positions), each member's best link similarity, and the links (i, j)."""
    best: dict[tuple[int, str], int] = {}
    for d in np.unique(dist):
        cols = np.flatnonzero(dist == d)
        for i in range(len(dist)):
            if dist[i] != d:
                best[(i, d)] = cols[np.lexsort((cols, -sim[i, cols]))[0]]
    parent = list(range(len(dist)))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    link_score = np.zeros(len(dist))
    links = []
    for (i, d), j in best.items():
        if i < j and best.get((j, dist[i])) == i and sim[i, j] >= threshold:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
            link_score[i] = max(link_score[i], sim[i, j])
            link_score[j] = max(link_score[j], sim[i, j])
            links.append((i, int(j)))
    members: dict[int, list[int]] = defaultdict(list)
    for i in range(len(dist)):
        members[find(i)].append(i)
    return members, link_score, links


def _link_probabilities(index: PassageIndex, rows: np.ndarray, links) -> np.ndarray:
    """Each member's best ``p_comparable`` over its links (the pair verdict model, both directions
    averaged); NaN for a member without links."""
    p = np.full(len(rows), np.nan)
    emb = index.embeddings_
    hybrid = emb is not None
    district = index.passages_["district"].to_numpy()
    for i, j in links:
        both = []
        for a, b in ((i, j), (j, i)):
            # Score the partner within its district's passages of the theme, as compare scores a list.
            peers = rows[district[rows] == district[rows[b]]]
            probe = index.featurizer_.passage_probe(rows[a], emb[rows[a]] if hybrid else None)
            feats = index.featurizer_.transform(probe, peers, emb)
            p_peers = index.verdict_model_.p_comparable(feats, "pair", hybrid)
            both.append(float(p_peers[np.flatnonzero(peers == rows[b])[0]]))
        value = float(np.mean(both))
        p[i] = value if np.isnan(p[i]) else max(p[i], value)
        p[j] = value if np.isnan(p[j]) else max(p[j], value)
    return p


def _group_records(index, rows, dist, group, gid, theme, all_districts, link_score, p_link) -> list[dict]:
    """One record per member of ``group`` and one ``nothing comparable`` record per district without one."""
    districts_in = sorted({dist[i] for i in group})
    anchor = max(group, key=lambda i: (link_score[i], -i))
    label = str(index.passages_.at[rows[anchor], "heading"]) if "heading" in index.passages_ else ""
    status = "aligned" if len(districts_in) >= 2 else "unmatched"
    records = []
    for d in all_districts:
        in_d = [i for i in group if dist[i] == d]
        if not in_d:
            records.append({"group_id": gid, "theme": theme, "district": d, "status": "nothing comparable",
                            "passage_id": "", "doc_id": "", "score": np.nan, "heading": "",
                            "section_path": "", "text": "", "line_start": pd.NA, "line_end": pd.NA,
                            "group_label": label, "verdict": "none", "p_comparable": np.nan})
            continue
        for i in in_d:
            p = index.passages_.iloc[rows[i]]
            verdict = ("none" if np.isnan(p_link[i])
                       else index.verdict_model_.verdicts(np.array([p_link[i]]), "pair")[0])
            records.append({"group_id": gid, "theme": theme, "district": d, "status": status,
                            "passage_id": p["passage_id"], "doc_id": p["doc_id"],
                            "score": float(link_score[i]) if status == "aligned" else np.nan,
                            "heading": p.get("heading", ""), "section_path": p["section_path"],
                            "text": p["text"], "line_start": p["line_start"], "line_end": p["line_end"],
                            "group_label": label, "verdict": verdict, "p_comparable": p_link[i]})
    return records
