"""Document catalog and front-matter metadata.

The catalog (``data/catalog.csv``) describes the bundled documents: one row per file
with ``doc_id, source_file`` and any of ``district, district_zh, city, province, title,
kind, issued, period_start, period_end, issuer, doc_number``.  Files without a catalog
row get metadata read from their own front matter (title, region, kind, date, document
number, speaker) or, failing that, from the file name.
"""

from __future__ import annotations

import re
import warnings
from pathlib import Path

import pandas as pd

from .docinfo import load_confidence
from .errors import CatalogError
from .places import PARTY_COMMITTEE, PLACE, infer_region, is_place, most_local, province_of_number, provinces, region_parts

__all__ = ["KINDS", "MetadataWarning", "doc_id_from_path", "infer_issuer", "infer_kind", "infer_metadata",
           "infer_period", "infer_region", "issuer_evidence", "load_catalog", "title_kind"]

KINDS = ("five_year_plan", "work_report", "implementation_plan", "other")
REQUIRED_COLUMNS = ("doc_id", "source_file")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_SPEAKER = re.compile(r"(区长|市长|县长|旗长|州长|盟长|镇长|乡长|省长|主席|总理|主任)\s*([\u4e00-\u9fff]{2,4})$")
_SPEAKER_BEFORE = re.compile(r"^(?:.*?)(国务院总理|市长|区长|县长|旗长|州长|盟长|省长)([\u4e00-\u9fff]{2,4})$")
_TITLE_WORDS = ("规划", "纲要", "方案", "政府工作报告", "工作报告", "计划", "意见", "报告", "公报")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_REVIEW_YEAR = re.compile(r"(\d{4})年(?:政府)?工作回顾")
_JUST_PAST = re.compile(r"刚刚过去的((?:19|20)\d{2})年")
_FIVE_YEAR = {"十三五": (2016, 2020), "十四五": (2021, 2025), "十五五": (2026, 2030), "十六五": (2031, 2035)}


def load_catalog(path: str | Path) -> pd.DataFrame:
    """Read and validate a catalog CSV.

    Returns a DataFrame with at least ``doc_id, source_file``; ``source_file`` is
    resolved relative to the catalog's folder.  Raises :class:`CatalogError` on a
    missing column, a duplicate ``doc_id`` or a row whose file does not exist.
    """
    path = Path(path)
    if not path.is_file():
        raise CatalogError(f"{path}: catalog file not found")
    try:
        catalog = pd.read_csv(path, dtype=str, keep_default_na=False)
    except (pd.errors.ParserError, UnicodeDecodeError) as err:
        raise CatalogError(f"{path}: cannot read catalog as CSV ({err})") from None
    missing = [c for c in REQUIRED_COLUMNS if c not in catalog.columns]
    if missing:
        raise CatalogError(f"{path}: catalog lacks column(s) {', '.join(missing)}")
    duplicated = catalog["doc_id"][catalog["doc_id"].duplicated()].unique().tolist()
    if duplicated:
        raise CatalogError(f"{path}: duplicate doc_id(s) {', '.join(duplicated)}")
    catalog["source_file"] = [str((path.parent / f).resolve()) for f in catalog["source_file"]]
    absent = [f for f in catalog["source_file"] if not Path(f).is_file()]
    if absent:
        raise CatalogError(f"{path}: catalog row(s) point at missing file(s): {', '.join(absent)}")
    bad_kinds = sorted(set(catalog.get("kind", pd.Series(dtype=str))) - set(KINDS) - {""})
    if bad_kinds:
        raise CatalogError(f"{path}: unknown kind(s) {', '.join(bad_kinds)}; use one of {', '.join(KINDS)}")
    return catalog


def doc_id_from_path(path: str | Path) -> str:
    """A stable id from a file name: lower-case, non-word runs replaced by ``_``."""
    stem = Path(path).stem.lower()
    return re.sub(r"[^\w]+", "_", stem).strip("_") or "document"


class MetadataWarning(UserWarning):
    """Metadata inferred from a document's own text is a weak guess (or missing)."""


_CJK = re.compile(r"[\u4e00-\u9fff]")
_PLACE = PLACE
# 州 alone: an autonomous prefecture's short form (恩施州), a place only where places.is_place knows it
_LEVEL = r"(?:省|自治区|市|自治州|州|新区|区|县|旗)"
# 政府工作报告（2023年12月27日在湖里区第九届人民代表大会第三次会议上）
_CONGRESS = re.compile(rf"在({_PLACE}{_LEVEL})第?[一二三四五六七八九十\d]+届人民代表大会")
# a congress a news page reports on: 1月15日上午，甘肃省第十四届人民代表大会第一次会议在…开幕 (a province by name,
# a lower level only after punctuation, so that 民瞩目的浙江省… or 1月日在县… does not read as a place)
_CONGRESS_MENTION = re.compile(rf"(?:^|[^\u4e00-\u9fff\d])({_PLACE}{_LEVEL})第[一二三四五六七八九十\d]+届人民代表大会")
# issuer lines: 厦门市湖里区人民政府办公室 / 北京市人民政府
_ISSUER = re.compile(rf"^((?:{_PLACE}(?:省|自治区|市|自治州|州))?(?:{_PLACE}(?:新区|区|县|旗))?(?:{_PLACE}(?:镇|乡|街道))?)"
                     r"(人民政府(?:办公室|办公厅)?|街道办事处|办事处|行政公署|管理委员会|"
                     r"发展和改革(?:委员会|局)|人民代表大会(?:常务委员会)?)(?:制定|编制|发布)?$")
# a party committee or its office issuing (alone or first of joint issuers): 中共岳阳市委办公室…印发…,
# 中共温州市鹿城区委关于…, a red-header line 中共河北雄安新区工作委员会
_PARTY_ISSUER = re.compile(rf"^((?:中共|中国共产党)({_PLACE}{_LEVEL})(?:工作)?委(?:员会)?(?:办公室|办公厅)?)"
                           r"(?=关于|印发|转发|[\u4e00-\u9fff]{0,40}(?:关于|印发)|$)")
# a body opening a title or notice line: 莆田市人民政府关于…, 成都市发展和改革委员会…关于印发…, 国务院关于…;
# a government opening a title names itself even without 关于 (镇巴县人民政府工作规则, not 东乌旗人民政府代旗长…)
_ISSUER_PREFIX = re.compile(rf"^((?:{_PLACE}(?:省|自治区|市|自治州|州))?(?:{_PLACE}(?:新区|区|县|旗))?)"
                            r"(国务院(?:办公厅)?|人民政府(?:办公室|办公厅)?|[\u4e00-\u9fff]{2,10}?(?:委员会|局|厅))"
                            r"(?=关于|印发|转发|[\u4e00-\u9fff]{0,60}关于|(?<=人民政府)[\u4e00-\u9fff]{0,20}(?:规则|办法|规定|决定|公告|通告|纲要|规划|方案|报告)$)")
# 省人民政府关于… with no place: a province's own notice, named by its document number (鄂政发…)
_BARE_GOVERNMENT = re.compile(r"^(省|市)(人民政府(?:办公厅)?)(?:关于|印发|转发)")
# 永城市第十六届人民代表大会第三次会议关于…的决议
_CONGRESS_TITLE = re.compile(rf"^(?!在)({_PLACE}{_LEVEL})第[一二三四五六七八九十\d]+届人民代表大会")
# 张湾区人民政府区长 李如玖
_GOVERNMENT_OF_SPEAKER = re.compile(rf"^({_PLACE}{_LEVEL})人民政府(?:代|副)?(?:区长|县长|市长|旗长|州长|盟长|省长)")
# 现在，我代表北京市人民政府，向大会报告政府工作: the opening of every work report names its government
# …我代表南宁市第十四届人民政府: the government's term may stand between its place and 人民政府
_DELIVERED_FOR = re.compile(rf"代表({_PLACE}{_LEVEL})(?:第?[一二三四五六七八九十\d]+届)?人民政府")
_REPORT_OPENING = re.compile(r"我代表[\u4e00-\u9fff]{0,12}政府[,，]?向[\u4e00-\u9fff]{0,16}(?:作|报告)")
# a page's stamp fields: 发文机关：山西省人民政府 (the issuer), 来源：凤凰县人民政府 / 责任编辑：尖山区政府研究室 (the publisher)
_STAMP_LABELS = "发文机关|发文机构|发文单位|发布机构|信息来源|来源|责任编辑|发布时间|发布日期|发文日期"
_STAMP = re.compile(rf"({_STAMP_LABELS})[:：|]+((?:(?!{_STAMP_LABELS})[\u4e00-\u9fff]){{3,30}})")
_MEDIUM = re.compile(r"(?:报|网|台|社|新闻|客户端|杂志|频道)$")
# 结合官渡区实际: a notice naming its own region in the body (weak)
_OWN_REALITY = re.compile(rf"结合({_PLACE}{_LEVEL})实际")
# the notice issuing a document names it: 现将《山西省…实施方案》印发给你们
_ISSUED_DOC = re.compile(r"《([^》]{4,80})》(?:已经[^，,。]{0,30}(?:同意|通过)[，,]?)?(?:现予|现)?(?:印发|转发)")
# a page's stamp-table line (主题分类 国民经济发展规划、计划): never the title
_STAMP_LINE = re.compile(r"^[\[【|]*\s*(?:索引号|主题分类|体裁分类|发布机构|成文日期|发布日期|发文字号|有效性|公开方式|组配分类)")
# a line that ends a title: a kind of document the kind words do not cover
_TITLE_END = re.compile(r"(?:讲话|决定|规则|办法|决议|建议|解读|说明|细则|条例|要点)(?:[(（][^)）]{0,12}[)）])?$")
# what may follow the kind word at the end of a title: years, (草案), 全文, 的通知
_TITLE_TAIL = re.compile(r"^(?:[(（][^)）]{0,12}[)）]|[—－\-]*全文|草案|征求意见稿)*(?:的通知|的决定|的函)?(?:[(（][^)）]{0,12}[)）])*$")
_NOTICE = re.compile(r"(?:关于|^)(?:印发|转发|下达)")
# the preface of every five-year plan outline: 本规划纲要根据《中共苏州市吴中区委关于制定…第十三个五年规划的建议》编制
_PLAN_BASIS = re.compile(r"^(?:本(?:规划)?纲要|本规划|《[^》]{4,80}纲要》)[^《]{0,10}根据《(?:中共|中国共产党)"
                         rf"({_PLACE}{_LEVEL})(?:工作)?委(?:员会)?关于制定[^》]{{0,80}}五年规划[^》]{{0,40}}的建议》")
_KIND_WORDS = (
    ("work_report", ("政府工作报告", "工作报告", "报告政府工作", "报告工作")),
    ("five_year_plan", ("规划纲要", "五年规划", "远景目标纲要", "纲要")),
    ("implementation_plan", ("实施方案", "行动计划", "行动方案", "实施意见", "工作方案", "指导意见", "实施细则",
                             "方案", "计划", "意见")),
)


def infer_metadata(lines: list[str], path: str | Path, front_lines: int = 25, warn: bool = True) -> dict:
    """Read title, region, kind, issue date, period, document number and speaker from front matter.

    ``lines`` are the cleaned lines of the document; only the first ``front_lines`` are consulted.
    Keys with nothing found are omitted. ``district``/``district_zh`` is the most local region, ``province``
    and ``city`` the levels above it where a chain of places names them (昆明市官渡区 → city 昆明市).
    ``issuer_evidence`` says what named the issuer (``data/metadata_confidence.toml`` [issuer_evidence]) and
    ``issuer_confidence`` how far to trust it; ``region_evidence`` likewise. ``meta_confidence`` (0–1) says
    how much of the metadata came from strong evidence (a title, an issuer line, a congress line);
    ``meta_warnings`` lists what is weak, and each warning is also issued as a :class:`MetadataWarning`
    naming the file (unless ``warn`` is False).
    """
    front = lines[:front_lines]
    meta: dict = {}
    warnings_: list[str] = []
    if not any(_CJK.search(line) for line in lines[:200]):
        warnings_.append("no Chinese text found: script, region and kind cannot be read from the text")
    title = _find_title(front)
    if title:
        meta["title"] = title
    meta.update(_front_matter_fields(front))
    kind, kind_strength = _kind_of(title, front, path)
    meta["kind"] = kind
    _issue_year(meta, lines, title, path, warnings_)
    meta.pop("_page_date", None)
    issuer, evidence = issuer_evidence(title, front, kind, meta.get("doc_number", ""))
    if issuer:
        meta.update(issuer=issuer, issuer_evidence=evidence, issuer_confidence=_trust("issuer_evidence", evidence))
    region, region_evidence = _region_of(title, front, issuer, evidence)
    region_strength = _trust("region_evidence", region_evidence) if region else 0.0
    if region and not issuer and kind == "work_report" and region_strength >= 1.0:
        # 2025年武汉市政府工作报告: a work report is its region's government's, even where no line names it
        meta.update(issuer="国务院" if region == "全国" else region + "人民政府", issuer_evidence="report_region",
                    issuer_confidence=_trust("issuer_evidence", "report_region"))
    if region:
        meta["district_zh"] = meta["district"] = region
        meta["region_evidence"] = region_evidence
        meta.update(region_parts(region, [title, issuer, plan_basis(front)] + front))
    if "period_start" not in meta:
        start, end = infer_period(title or Path(path).stem, meta.get("issued"), kind)
        if start:
            meta["period_start"], meta["period_end"] = start, end
    warnings_ += _weak_fields(meta, title, region_strength, kind_strength)
    meta["meta_confidence"] = round((0.5 * region_strength + 0.3 * kind_strength + 0.2 * bool(title)), 2)
    meta["meta_warnings"] = "; ".join(warnings_)
    for message in warnings_ if warn else []:
        warnings.warn(f"{Path(path).name}: {message}", MetadataWarning, stacklevel=2)
    return meta


def _trust(section: str, evidence: str) -> float:
    """How far ``data/metadata_confidence.toml`` trusts a value named by ``evidence``."""
    return float(load_confidence().get(section, {}).get(evidence, 0.5))


def _issue_year(meta: dict, lines: list[str], title: str, path: str | Path, warnings_: list[str]) -> None:
    """The period and issue year of a work report from its review heading, else a year the title or file
    name gives, when the front matter states no date."""
    review = next((m for line in lines[:60] if len(line) <= 30 and (m := _REVIEW_YEAR.search(line))), None)
    if meta["kind"] == "work_report" and review:
        # "一、2018年工作回顾": the report reviews that year and plans the next one.
        meta["period_start"], meta["period_end"] = int(review.group(1)), int(review.group(1)) + 1
        if "issued" not in meta or meta.get("_page_date"):  # surer than the day a page was put online
            meta["issued"] = str(int(review.group(1)) + 1)
    elif ("issued" not in meta or meta.get("_page_date")) and (year := _title_year(title) or _file_year(path)):
        meta["issued"] = year  # a report's title year is surer than the day a page was put online
    elif "issued" not in meta and (m := re.search(r"((?:19|20)\d{2})年", title)):
        meta["issued"] = m.group(1)  # a year the title names: a weak guess at the issue year
        warnings_.append(f"issue year {m.group(1)} taken from the title, not a date line")
    elif "issued" not in meta and (m := next((m for line in lines[:30] if (m := _JUST_PAST.search(line))), None)):
        meta["issued"] = str(int(m.group(1)) + 1)  # 刚刚过去的2011年: spoken or written in the year after
        warnings_.append(f"issue year {meta['issued']} taken from {m.group()}, not a date line")


def _weak_fields(meta: dict, title: str, region_strength: float, kind_strength: float) -> list[str]:
    """The warnings for what is missing or read from weak evidence."""
    out = []
    if not title:
        out.append("no title line found in the first lines")
    if "issuer" not in meta:
        out.append("issuer not named by an issuer line or the title")
    elif meta["issuer_confidence"] < _trust("issuer_evidence", "warn_below"):
        out.append(f"issuer {meta['issuer']!r} read from weak evidence ({meta['issuer_evidence']})")
    if "issued" not in meta:
        out.append("no issue date or year found in the front matter")
    if region_strength < _trust("region_evidence", "warn_below"):
        region = meta.get("district_zh", "")
        out.append("region not found in the title, an issuer line or a congress line" if not region
                   else f"region {region!r} read from a weak source ({meta['region_evidence']})")
    if kind_strength < 1.0:
        out.append(f"document kind {meta['kind']!r} not stated by the title")
    return out
def _front_matter_fields(front: list[str]) -> dict:
    """Document number, issue date and speaker from short front-matter lines."""
    meta = {}
    for line in front:
        number = next((m for m in _DOC_NUMBER.finditer(line) if not _cited(line, m)), None)
        if number and len(line) <= 80:
            # 发布机构 区人民政府办公室 文号 蔡政办〔2023〕1号: the stamp's labels are not part of the number
            meta["doc_number"] = re.sub(r"^.*?(?:发文字号|文号|字号)[:：]?", "", number.group())
            break
    date = _issue_date(front)
    if "doc_number" in meta and (not date or "-" in date.group()):
        # 怀政办发〔2023〕9号: the number carries the year of issue, surer than the date a page stamps on itself
        meta["issued"] = re.search(r"\d{4}", meta["doc_number"]).group()
    elif date:
        year, month, day = date.groups()
        meta["issued"] = f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
        meta["_page_date"] = "-" in date.group()  # only the date a page stamps on itself
    for line in front:
        speaker = _SPEAKER.search(line) or _SPEAKER_BEFORE.search(line)
        if speaker and len(line) <= 40:
            meta["speaker"] = speaker.group(2)
            break
    return meta
def _cited(line: str, match: re.Match) -> bool:
    """A document number quoted in brackets or after a title (…（国办发〔2019〕5号）) cites another document."""
    before = line[:match.start()].rstrip()
    if re.search(r"的(?:通知|决定|意见|函)》?[(（]$", before) and not line[match.end():].strip(" )）"):
        return False  # …印发《…》的通知（岳办发〔2017〕2号）: a title line closing with its own number
    return before.endswith(("(", "（", "》", "〉")) or "根据" in before[-30:]


def _issue_date(front: list[str]) -> re.Match | None:
    """A signature date line (``2023年3月13日``) first, then a date after a dash (``——2023年8月31日在…会议上``),
    then any date in a short line; dates a page stamps on itself (``时间:2024-01-10``) are not issue dates."""
    lines = [line.replace(" ", "") for line in front]
    for line in lines:
        if _DATE_LINE.match(line):
            return _DATE.search(line)
    for line in lines:
        if m := re.search(r"——\s*" + _DATE.pattern, line):
            return _DATE.search(line, m.start())
    for line in lines:  # a stamp line's 发文日期:2017年06月28日 names the document's date, however long the line
        if (m := re.search(r"(?:发文|成文)日期[:：|]*" + _DATE.pattern, line)) and len(line) <= 200:
            return _DATE.search(line, m.start())
    for line in lines:
        if (m := _DATE.search(line)) and len(line) <= 60:
            return m
    # a page's own dates (发布日期:2021-07-01 15:12): the last resort, the document's 发文日期/成文日期 (on its
    # line or the one before) first; spaces kept, as a time may follow the day
    iso = r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)"
    dated = [(m, re.search(r"(?:发文|成文)日期[:：|\s]*$", (front[i - 1] if i else "") + line[:m.start()]))
             for i, line in enumerate(front) if len(line) <= 80 and (m := re.search(iso, line))]
    for m, labelled in sorted(dated, key=lambda d: not d[1]):
        return m
    return None
def _title_year(title: str) -> str | None:
    m = re.match(r"^\D{0,4}((?:19|20)\d{2})年", title or "")
    return m.group(1) if m and "工作报告" in title else None


def _file_year(path: str | Path) -> str | None:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", Path(path).stem)
    return m.group(1) if m else None


def _kind_of(title: str, front: list[str], path: str | Path) -> tuple[str, float]:
    """(kind, strength): from the title, a notice line issuing the document or the notice's 现将《…》印发
    (1.0), else a work report's opening 我代表…政府向大会报告 (0.7), else a short first line (0.5), else the
    file name (0.3).  A title about a document (its 解读, 说明, a news item) is ``other``."""
    notice = next((c for line in front[:12] if (c := _strip_number(line)) and _NOTICE.search(c)), "")
    notice = notice[:notice.index("的通知") + 3] if "的通知" in notice else notice  # the line may run on
    issued = next((m.group(1) for line in front[:15] if (m := _ISSUED_DOC.search(line.replace(" ", "")))), "")
    for text in (title, notice, issued):
        if text and (kind := title_kind(text)):
            return kind, 1.0
    if any(_REPORT_OPENING.search(line.replace(" ", "")) for line in front[:15]):
        return "work_report", 0.7
    if plan_basis(front):
        return "five_year_plan", 0.7  # the outline names itself (本规划纲要根据《…建议》编制), not by a title
    # only a short, title-like line: a news page's long lead names the report it reports on
    short = "".join(line for line in front[:5] if len(line.replace(" ", "")) <= 40)
    for text, strength in ((short, 0.5), (Path(path).stem, 0.3)):
        kind = infer_kind(text) if text else "other"
        if kind != "other":
            return kind, strength
    return "other", 0.0
def title_kind(title: str) -> str:
    """The kind a title names by its head noun, its last kind word (…报告》确定的…分解方案的通知 is a plan);
    ``other`` when the title is about a document rather than the document (…纲要》解读, …计划执行情况的报告,
    《政府工作报告》目标任务动员部署会); '' when it names no kind."""
    compact = re.sub(r"[\s《》〈〉<>“”\"]", "", title or "")
    hits = [(m.end(), kind) for kind, words in _KIND_WORDS for word in words
            for m in re.finditer(re.escape(word), compact)]
    if not hits:
        return "five_year_plan" if re.search(r"十[一二三四五六]五规划|第十[一二三四五六]个五年", compact) else ""
    end, kind = max(hits, key=lambda h: (h[0], -len(h[1])))
    if re.search(r"(?:作|听取|审议|讨论|学习|解读|通过)《[^》]*》?\s*$", title or ""):
        return "other"  # 省长王清宪作《政府工作报告》: a news headline about the document
    if re.search(r"(?:审查|审议|评审)意见$", compact[:end]):
        return "other"  # a congress's 审查意见 on a plan report: an opinion about a document, not a 实施意见
    return kind if _TITLE_TAIL.match(compact[end:]) else "other"


def _strip_number(line: str) -> str:
    """A front line without spaces, a leading document number or opening quotes: 武政办〔2023〕1号《武汉市…》."""
    compact = line.replace(" ", "").lstrip("?？•·*#|")  # bullets and lost characters a page leaves
    compact = re.sub(r"^(?:发文机关|发文机构|发布机构|发文单位|来源)[:：]", "", compact)
    return re.sub(r"^(?:" + _DOC_NUMBER.pattern + r")?[《<]?", "", compact)


def infer_issuer(title: str, front: list[str], kind: str, doc_number: str = "") -> str:
    """The issuing body named by the front matter, or '' (see :func:`issuer_evidence`)."""
    return issuer_evidence(title, front, kind, doc_number)[0]


def issuer_evidence(title: str, front: list[str], kind: str, doc_number: str = "") -> tuple[str, str]:
    """(issuer, evidence) from the front matter, or ('', ''); evidence names a key of
    ``data/metadata_confidence.toml`` [issuer_evidence]: an issuer line (东阳市人民政府办公室) or red header
    (湖南省人民政府办公厅文件) ``issuer_line``; a title or notice line opening with the body (莆田市人民政府关于…,
    国务院关于…) ``title``; a page's 发文机关 field ``stamp_issuer``; a congress resolution's congress
    ``congress_title``; 省人民政府关于… named by its document number ``doc_number``; a page's 来源 field
    ``stamp_source``; for a work report, the congress it is delivered to ``congress_line``, its speaker's
    government ``speaker_line``, or its opening 我代表XX人民政府 ``body``. (:func:`infer_metadata` adds
    ``report_region``: a work report no line names the government of, its region's government.)

    A government named above its own office's notice (a page's site name 牟定县人民政府 over 牟定县人民政府办公室
    关于印发…的通知, or that office's signature) is that office: the notice names its issuer more closely."""
    issuer, evidence = _named_issuer(title, front, kind, doc_number)
    if issuer.endswith("人民政府"):
        office = re.compile(re.escape(issuer) + r"办公[室厅](?=关于|印发|转发|$)")
        named = next((m.group() for line in front[:15] if (m := office.match(_strip_number(line)))), "")
        if named:
            return named, evidence
    return issuer, evidence


def _named_issuer(title: str, front: list[str], kind: str, doc_number: str) -> tuple[str, str]:
    """(issuer, evidence) as :func:`issuer_evidence` describes, before an office's notice refines it."""
    for i, raw in enumerate([title] + front[:15]):
        # 2016年越秀区人民政府换届工作报告: a year before the body; ——…在…会议上 海南省发展和改革委员会: the body
        # delivering a report named after its delivery line
        line = re.sub(r"文件$|^(?:19|20)\d{2}年(?=[\u4e00-\u9fff]{2,12}人民政府)|^——.*会议上", "",
                      _strip_number(raw or ""))
        stamped = bool(i) and re.match(r"^\s*(?:发文机关|发文机构|发文单位)[:：]", raw)
        if (m := _ISSUER.match(line)) and m.group(1) and is_place(m.group(1)):
            return m.group(1) + m.group(2), "stamp_issuer" if stamped else "title" if i == 0 else "issuer_line"
        if (m := _ISSUER_PREFIX.match(line)) and (is_place(m.group(1)) or m.group(2).startswith("国务院")):
            return m.group(1) + m.group(2), "stamp_issuer" if stamped else "title"
        if (m := _CONGRESS_TITLE.match(line)) and is_place(m.group(1)):
            return m.group(1) + "人民代表大会", "congress_title"
        if (m := _PARTY_ISSUER.match(line)) and is_place(m.group(2)):
            return m.group(1), "title" if i == 0 or len(line) > len(m.group(1)) else "issuer_line"
        if (m := _BARE_GOVERNMENT.match(line)) and (province := province_of_number(doc_number, m.group(1))):
            return province + m.group(2), "doc_number"
    for line in front[:15]:
        for m in _STAMP.finditer(line.replace(" ", "")):
            body = re.sub(r"(?:人民政府|政府).*$", "", m.group(2))
            if m.group(1) != "责任编辑" and (g := _ISSUER.match(m.group(2))) and g.group(1) and is_place(body):
                return m.group(2), "stamp_issuer" if m.group(1).startswith("发文") else "stamp_source"
    if kind == "work_report":
        for compact in _congress_joined(front[:12]):
            if (m := _CONGRESS.search(compact)) and is_place(m.group(1)):
                return m.group(1) + "人民政府", "congress_line"
            if (m := _GOVERNMENT_OF_SPEAKER.search(compact)) and is_place(m.group(1)):
                return m.group(1) + "人民政府", "speaker_line"
        for line in front[:15]:
            if (m := re.search(r"我" + _DELIVERED_FOR.pattern, line.replace(" ", ""))) and is_place(m.group(1)):
                return m.group(1) + "人民政府", "body"
    return "", ""
def _congress_joined(front: list[str]) -> list[str]:
    """Front lines without spaces, a delivery line broken after its term (…在牟定县第十八届 / 人民代表大会…)
    or before it (…在苏尼特右旗 / 第十六届人民代表大会…) joined with the line that completes it."""
    compact = [line.replace(" ", "") for line in front]
    return [line + compact[i + 1] if i + 1 < len(compact) and (
                line.endswith("届") or re.match(r"^第?[一二三四五六七八九十\d]+届人民代表大会", compact[i + 1]))
            else line for i, line in enumerate(compact)]


def _region_of(title: str, front: list[str], issuer: str, issuer_source: str) -> tuple[str, str]:
    """(region, evidence), evidence a key of ``data/metadata_confidence.toml`` [region_evidence]: the title's
    leading place, a congress line, an issuer line, a work report's 代表XX人民政府, the issuer's own place,
    a State Council document (national), a congress a news page reports on, a page's stamp field, a place
    opening a short front line, or the body's 结合XX实际."""
    if title and (region := infer_region(title)):
        return region, "title"
    for compact in _congress_joined(front[:12]):
        if (m := _CONGRESS.search(compact)) and is_place(m.group(1)):
            return infer_region(m.group(1)) or most_local(m.group(1)), "congress_line"
        if (m := _ISSUER.match(compact)) and m.group(1) and is_place(m.group(1)):
            return infer_region(m.group(1)) or most_local(m.group(1)), "issuer_line"
        if (m := _DELIVERED_FOR.search(compact)) and is_place(m.group(1)):
            return infer_region(m.group(1)) or most_local(m.group(1)), "delivered_for"
    if issuer.startswith("国务院"):
        return "全国", "national"
    place = PARTY_COMMITTEE.sub(r"\1", re.sub(r"(人民政府|人民代表大会).*$|[^市县区省旗]*$", "", issuer or ""))
    own = (infer_region(place) or most_local(place)) if place else ""
    if own and is_place(own):
        return own, "issuer" if issuer_source != "doc_number" else "doc_number"  # the issuer names its region
    if (basis := plan_basis(front)) and (region := infer_region(basis) or most_local(basis)):
        return region, "plan_basis"  # the party committee whose 建议 the outline follows governs its region
    # 188比分直播《2023年精武镇政府工作报告》政策解读: a title about a document (its reading, a notice issuing it)
    # whose own words name no place is the cited document's region (weak: a 转发 notice cites a higher level)
    if (cited := re.search(r"《([^》]{4,80})》", title or "")) and (region := infer_region(cited.group(1))):
        return region, "title_cited"
    # Only a line the State Council speaks or issues in, not "按照党中央、国务院决策部署" in any local text.
    if any(line.replace(" ", "").startswith("国务院") or "国务院总理" in line or "代表国务院" in line
           for line in front[:5]):
        return "全国", "national"  # a State Council report covers the whole country
    return _weak_region(front)


def plan_basis(front: list[str]) -> str:
    """The places of the party committee whose 建议 a five-year plan outline's preface says it follows
    (本规划纲要根据《中共苏州市吴中区委关于制定…规划的建议》编制 → 苏州市吴中区), or ''."""
    for line in front[:10]:
        if (m := _PLAN_BASIS.match(line.replace(" ", ""))) and is_place(m.group(1)):
            return m.group(1)
    return ""


def _weak_region(front: list[str]) -> tuple[str, str]:
    """A region from evidence outside the title and issuer lines: a congress a news page reports on, a page's
    stamp field naming a body (来源：凤凰县人民政府), a place opening a short front line, 结合XX实际."""
    for line in front[:12]:
        compact = line.replace(" ", "")
        mention = _CONGRESS_MENTION.search(compact) or re.search(
            "(" + "|".join(p["full"] for p in provinces()) + r")第[一二三四五六七八九十\d]+届人民代表大会", compact)
        if mention and is_place(mention.group(1)):
            return most_local(mention.group(1)), "congress_mention"
        for stamp in _STAMP.finditer(compact):
            if _MEDIUM.search(stamp.group(2)):
                continue  # 来源：楚天都市报: a newspaper or site publishes, it is not a place
            if region := infer_region(stamp.group(2)):
                return region, "stamp"
    for line in front[:8]:
        compact = re.sub(r"^\D{0,2}\d{4}年", "", line.replace(" ", ""))
        if len(compact) <= 40 and (region := infer_region(compact)):
            return region, "front_line"
    for line in front[:15]:
        if (m := _OWN_REALITY.search(line.replace(" ", ""))) and is_place(m.group(1)):
            return m.group(1), "own_reality"
    return _cited_own_region(front)


def _cited_own_region(front: list[str]) -> tuple[str, str]:
    """The place opening the first document the body cites (出台了《洞头区…扶持政策》), when the text speaks of a
    place of that level as its own (全区, 我区): a report cites its own government's documents first. Weak."""
    compact = "".join(line.replace(" ", "") for line in front[:15])
    own_words = re.sub(r"《[^》]*》", "", compact)  # the text's own words, not a cited title's
    for cited in re.finditer(r"《([^》]{4,80})》", compact):
        if region := infer_region(cited.group(1)):
            own = re.search(f"(?:全|我|本){re.escape(region[-1])}", own_words)
            return (region, "cited_title") if own else ("", "")
    return "", ""
def infer_kind(text: str) -> str:
    """Document kind from the words of a title: work report, five-year plan, implementation plan, other."""
    compact = (text or "").replace(" ", "")
    for kind, words in _KIND_WORDS:
        if any(word in compact for word in words):
            return kind
    if re.search(r"十[一二三四五六]五规划|第十[一二三四五六]个五年", compact):
        return "five_year_plan"
    return "other"


def infer_period(title: str, issued: str | None, kind: str) -> tuple[int | None, int | None]:
    """Years a document covers: a Five-Year Plan's span, a work report's review and plan years."""
    for name, span in _FIVE_YEAR.items():
        if name in title or name.replace("十", "第十") in title:
            return span
    fyp = re.search(r"第十([一二三四五六])个五年", title)
    if fyp:
        n = "一二三四五六".index(fyp.group(1)) + 11
        start = 1966 + 5 * (n - 3)  # the 3rd plan began in 1966, after the 1963–65 adjustment years
        return start, start + 4
    years = [int(y) for y in re.findall(r"((?:19|20)\d{2})年", title)]
    if years and kind == "work_report" and len(set(years)) == 1:
        return years[0] - 1, years[0]  # "2026年政府工作报告": reviews 2025, plans 2026
    if years:
        return min(years), max(years)
    if issued:
        year = int(issued[:4])
        if kind == "work_report":
            # Reports are given at the turn of the year: a December report reviews
            # that year and plans the next; a spring one reviews the last year.
            month = int(issued[5:7]) if len(issued) >= 7 else 3
            return (year, year + 1) if month >= 10 else (year - 1, year)
        return year, year
    return None, None


def _find_title(front: list[str]) -> str:
    """The first title-like line of the front matter; the body (a salutation, a full sentence) ends the search.
    A title broken after 关于 or inside 《…》 is joined with the lines that complete it."""
    # a stamp table's title cell: 标题:|关于《…》的解读|||
    lines = [re.sub(r"^(?:标题|名称|题名)[:：|]+|\|+$", "", line.replace(" ", "")) for line in front]
    for i, line in enumerate(lines):
        if re.match(r"^(各位代表|同志们)", line) or line.endswith("。") or re.match(r"^各[^:：]{1,60}[:：]$", line):
            break
        if re.search(r"[,，;；]", line) or re.fullmatch(r"[(（][^()（）]*[)）]", line):
            continue  # a sentence, or a note in brackets (点击查阅更多…政府工作报告), not a title
        while (line.endswith("关于") or line.count("《") > line.count("》")) and i + 1 < len(lines) \
                and len(line) < 80:
            i += 1
            line += lines[i]
        if (any(word in line for word in _TITLE_WORDS) or _TITLE_END.search(line)) and len(line) <= 80 \
                and "关于印发" not in line and "关于转发" not in line and not _STAMP_LINE.match(line):
            # 【文字解读】…, 凤凰县政府门户网站-…: a page's tag or site name before the title
            # 政府工作报告——2026年1月27日在…会议上: the delivery line run into the title is not part of it
            line = re.sub(r"(?<=[\u4e00-\u9fff》])——(?:\d{4}年|在).*$", "", line)
            return re.sub(r"^(?:【[^】]{0,10}】|[^-—]{2,20}网站[-—])", "", line).strip("《》")
    return ""
