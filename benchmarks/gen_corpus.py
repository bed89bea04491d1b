"""Write N plan-like documents made of real text, for scale benchmarks (deterministic, seeded).

Every paragraph is a real paragraph of Chinese government prose: the 46 national government work
reports of ``../shared/reference/`` (1954-2018, some in traditional characters), the generality
reports of ``../shared/generality/`` and the bundled plans of ``data/raw/``. The generator
recombines them under generated headings (the heading texts are real headings of the bundled plans
and generality reports, renumbered), puts synthetic district and city names in place of the real
ones, and replaces every number by a random one of the same shape, so no two documents are alike
and no document is a copy of a source.

Document ``i`` depends only on ``(seed, i)``, so the first 50 documents of a 1,000-document corpus
are the 50 documents of a 50-document corpus. Two kinds are written, in the layouts the toolkit
reads: five-year plans (第X章 / 第X节 / 一、) and work reports (一、 / （一）) with front matter. Sizes
are drawn around ``mean_chars`` (default 20,000 characters: 1,000 documents are ≈ 20 million).

    python benchmarks/gen_corpus.py OUT_DIR --n 200 [--seed 0] [--mean-chars 20000]

writes ``OUT_DIR/doc_00000.txt`` … and ``OUT_DIR/catalog.csv`` (doc_id, source_file, district,
city, province, kind, issued).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = Path(os.environ.get("PLANCOMPARE_SHARED", REPO.parent / "shared"))
if not SHARED.is_dir():
    SHARED = Path("/work/shared")

_CN_DIGITS = "一二三四五六七八九十"
_HEADING = re.compile(r"^(?:第[一二三四五六七八九十百]+[篇章节]|[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）)\s*(.+)$")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")
# Place names in the source texts, replaced by the document's synthetic names.
_REAL_DISTRICTS = ("仓山区", "湖里区", "赤坎区", "仓山", "湖里", "赤坎")
_REAL_CITIES = ("福州市", "厦门市", "湛江市", "福州", "厦门", "湛江")
# Characters common in Chinese place names, for synthetic district and city names.
_NAME_CHARS = "安宁平江山河海湖东西南北华阳城新兴龙凤云泉德清源丰永长青白石桥林台鹤溪峰金玉嘉乐福禄昌盛明光"
_PROVINCES = ("福建省", "广东省", "浙江省", "江苏省", "山东省", "河南省", "湖北省", "湖南省", "四川省", "江西省",
              "安徽省", "河北省", "陕西省", "云南省", "贵州省", "广西壮族自治区")
_SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高"


@dataclass
class Pools:
    """Real paragraphs and real heading texts to recombine."""

    paragraphs: list[str]
    headings: list[str]


def load_pools(repo: Path = REPO, shared: Path = SHARED, min_chars: int = 40) -> Pools:
    """Paragraphs (>= ``min_chars``) and heading texts from the reference, generality and bundled texts."""
    paragraphs: list[str] = []
    headings: list[str] = []
    reference = shared / "reference" / "national_work_reports_1954_2018.jsonl"
    for line in reference.read_text(encoding="utf-8").splitlines():
        if line.strip():
            paragraphs += [p.strip() for p in json.loads(line)["text"].split("\n")]
    plain = sorted((shared / "generality").glob("*.txt")) + sorted((repo / "data" / "raw").glob("*.txt"))
    for file in plain:
        for raw in _read_any(file).splitlines():
            text = raw.strip()
            match = _HEADING.match(text)
            if match and 3 <= len(match.group(1)) <= 24 and not re.search("[，。；：]", match.group(1)):
                headings.append(match.group(1).strip())
            elif not match:
                paragraphs.append(text)
    paragraphs = sorted({p for p in paragraphs if len(p) >= min_chars})
    headings = sorted(set(headings))
    if not paragraphs or not headings:
        raise SystemExit(f"no source text found under {shared} and {repo / 'data' / 'raw'}")
    return Pools(paragraphs, headings)


def _read_any(file: Path) -> str:
    data = file.read_bytes()
    for encoding in ("utf-8-sig", "gb18030", "big5"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    return data.decode("utf-8", errors="replace")


def _cn_number(n: int) -> str:
    if n <= 10:
        return _CN_DIGITS[n - 1]
    if n < 20:
        return "十" + _CN_DIGITS[n - 11]
    tens, ones = divmod(n, 10)
    return _CN_DIGITS[tens - 1] + "十" + (_CN_DIGITS[ones - 1] if ones else "")


def _shuffle_numbers(text: str, rng: random.Random) -> str:
    def replace(match: re.Match) -> str:
        token = match.group(0)
        if re.fullmatch(r"(19|20)\d\d", token):
            return str(rng.randint(2016, 2030))
        return "".join(str(rng.randint(1 if i == 0 and len(token) > 1 and c != "." else 0, 9))
                       if c.isdigit() else c for i, c in enumerate(token))

    return _NUMBER.sub(replace, text)


def _place_name(rng: random.Random, suffix: str) -> str:
    return rng.choice(_NAME_CHARS) + rng.choice(_NAME_CHARS) + suffix


def _localise(text: str, district: str, city: str) -> str:
    for name in _REAL_DISTRICTS:
        text = text.replace(name, district if name.endswith("区") else district[:-1])
    for name in _REAL_CITIES:
        text = text.replace(name, city if name.endswith("市") else city[:-1])
    return text


def make_document(i: int, pools: Pools, seed: int = 0, mean_chars: int = 20_000) -> tuple[str, dict]:
    """Document ``i``: its text and its catalog row (without ``source_file``)."""
    rng = random.Random(f"{seed}:{i}")
    district = _place_name(rng, rng.choice("区区区县"))
    city = _place_name(rng, "市")
    province = rng.choice(_PROVINCES)
    target = int(mean_chars * rng.uniform(0.4, 1.6))
    kind = "five_year_plan" if rng.random() < 0.6 else "work_report"
    year = rng.randint(2016, 2026)

    def paragraph() -> str:
        return _shuffle_numbers(_localise(rng.choice(pools.paragraphs), district, city), rng)

    def heading() -> str:
        return _localise(rng.choice(pools.headings), district, city)

    if kind == "five_year_plan":
        lines = [f"{city}{district}国民经济和社会发展第十四个五年规划和二〇三五年远景目标纲要",
                 f"{year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日{district[-1]}人民代表大会批准", "前 言",
                 paragraph(), paragraph()]
    else:
        lines = [f"{year}年{city}{district}政府工作报告",
                 f"——{year}年1月{rng.randint(1, 28)}日在{district}第{_cn_number(rng.randint(15, 19))}届人民代表大会"
                 f"第{_cn_number(rng.randint(1, 6))}次会议上",
                 f"{district[-1]}长 {rng.choice(_SURNAMES)}{rng.choice(_NAME_CHARS)}{rng.choice(_NAME_CHARS)}",
                 "各位代表：", paragraph()]
    size = sum(len(x) for x in lines)
    chapter = 0
    while size < target:
        chapter += 1
        if kind == "five_year_plan":
            block = [f"第{_cn_number(chapter)}章 {heading()}"]
            for section in range(1, rng.randint(2, 4) + 1):
                block.append(f"第{_cn_number(section)}节 {heading()}")
                block += _items(rng, heading, paragraph, "{n}、", rng.randint(0, 3))
        else:
            block = [f"{_cn_number(chapter)}、{heading()}", paragraph()]
            block += _items(rng, heading, paragraph, "（{n}）", rng.randint(2, 5))
        lines += block
        size += sum(len(x) for x in block)
    row = {"doc_id": f"synthetic_{i:05d}", "district": district, "city": city, "province": province,
           "kind": kind, "issued": f"{year}-01-15"}
    return "\n".join(lines) + "\n", row


def _items(rng: random.Random, heading, paragraph, marker: str, count: int) -> list[str]:
    if count == 0:
        return [paragraph() for _ in range(rng.randint(1, 3))]
    out: list[str] = []
    for n in range(1, count + 1):
        out.append(marker.format(n=_cn_number(n)) + heading())
        out += [paragraph() for _ in range(rng.randint(1, 3))]
    return out


def write_corpus(out: Path, n: int, seed: int = 0, mean_chars: int = 20_000, pools: Pools | None = None) -> Path:
    """Write documents ``0..n-1`` and ``catalog.csv`` into ``out``; returns the catalog path."""
    pools = pools or load_pools()
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for i in range(n):
        text, row = make_document(i, pools, seed=seed, mean_chars=mean_chars)
        file = out / f"doc_{i:05d}.txt"
        file.write_text(text, encoding="utf-8")
        rows.append({**row, "source_file": file.name})
    catalog = out / "catalog.csv"
    with catalog.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=["doc_id", "source_file", "district", "city", "province",
                                                    "kind", "issued"])
        writer.writeheader()
        writer.writerows(rows)
    return catalog


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("--n", type=int, default=50)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--mean-chars", type=int, default=20_000)
    args = parser.parse_args(argv)
    catalog = write_corpus(args.out, args.n, args.seed, args.mean_chars)
    total = sum(f.stat().st_size for f in args.out.glob("doc_*.txt"))
    print(f"{args.n} documents, {total / 1e6:.1f} MB, catalog {catalog}", file=sys.stderr)


if __name__ == "__main__":
    main()
