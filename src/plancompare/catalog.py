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

from .errors import CatalogError

KINDS = ("five_year_plan", "work_report", "implementation_plan", "other")
REQUIRED_COLUMNS = ("doc_id", "source_file")
_DOC_NUMBER = re.compile(r"[\u4e00-\u9fff]{1,10}[〔\[［(（]\d{4}[〕\]］)）]\d{1,4}号")
_DATE = re.compile(r"(\d{4})年(\d{1,2})月(?:(\d{1,2})日)?")
_SPEAKER = re.compile(r"(区长|市长|县长|省长|主席|总理|主任)\s*([\u4e00-\u9fff]{2,4})$")
_SPEAKER_BEFORE = re.compile(r"^(?:.*?)(国务院总理|市长|区长|县长|省长)([\u4e00-\u9fff]{2,4})$")
_TITLE_WORDS = ("规划", "纲要", "方案", "政府工作报告", "工作报告", "计划", "意见", "报告", "公报")
_DATE_LINE = re.compile(r"^\d{4}年\d{1,2}月\d{1,2}日$")
_REVIEW_YEAR = re.compile(r"(\d{4})年(?:政府)?工作回顾")
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
_PLACE = r"[\u4e00-\u9fff]{1,8}?"
# a chain of places at the start of a title: (province)(city)(district/county)
_LEADING_REGION = re.compile(
    rf"^(?:{_PLACE}(?:省|自治区|特别行政区))?(?:{_PLACE}(?:自治州|盟))?(?:{_PLACE}市)?(?:{_PLACE}(?:新区|区|县|旗))?")
# 政府工作报告（2023年12月27日在湖里区第九届人民代表大会第三次会议上）
_CONGRESS = re.compile(rf"在({_PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))第?[一二三四五六七八九十\d]+届人民代表大会")
# issuer lines: 厦门市湖里区人民政府办公室 / 北京市人民政府
_ISSUER = re.compile(rf"^((?:{_PLACE}(?:省|自治区|市|自治州))?(?:{_PLACE}(?:新区|区|县|旗))?(?:{_PLACE}(?:镇|乡|街道))?)"
                     r"(人民政府(?:办公室|办公厅)?|街道办事处|办事处|"
                     r"发展和改革(?:委员会|局)|人民代表大会(?:常务委员会)?)$")
# a body opening a title or notice line: 莆田市人民政府关于…, 成都市发展和改革委员会…关于印发…, 国务院关于…
_ISSUER_PREFIX = re.compile(rf"^((?:{_PLACE}(?:省|自治区|市|自治州))?(?:{_PLACE}(?:新区|区|县|旗))?)"
                            r"(国务院(?:办公厅)?|人民政府(?:办公室|办公厅)?|[\u4e00-\u9fff]{2,10}?(?:委员会|局|厅))"
                            r"(?=关于|印发|转发|[\u4e00-\u9fff]{0,60}关于)")
# 永城市第十六届人民代表大会第三次会议关于…的决议
_CONGRESS_TITLE = re.compile(rf"^({_PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))第[一二三四五六七八九十\d]+届人民代表大会")
# 张湾区人民政府区长 李如玖
_GOVERNMENT_OF_SPEAKER = re.compile(rf"^({_PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))人民政府(?:代?区长|代?县长|代?市长|代?省长)")
# words that are never part of a place name (我市, 推动, 通知 … in body sentences)
# 现在，我代表北京市人民政府，向大会报告政府工作: the opening of every work report names its government
_DELIVERED_FOR = re.compile(rf"代表({_PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))人民政府")
# a party committee issuing with the government: 中共梁溪区委 梁溪区人民政府关于…
_PARTY_COMMITTEE = re.compile(rf"^(?:中共|中国共产党)({_PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))委(?:员会)?")
# a town or street (镇, 乡, 街道) right after the chain of places, or opening the title: 双浦镇…, 西湖区双浦镇…
_TOWN = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:镇|乡)(?!村|镇)|[\u4e00-\u9fff]{2,5}?街道")
# words ending like a town that are no place (城镇化, 乡镇企业, 美丽乡村 …)
_NOT_TOWN = ("城镇", "乡镇", "村镇", "集镇", "小镇", "城乡", "乡村", "美丽", "特色", "重点", "做好", "推进", "加强",
             "开展", "全面", "各", "我", "本", "全")
# verbs that open a notice's title before its subject: 关于下达2021年度双浦镇…工作计划的通知
_TITLE_VERBS = re.compile(r"^(?:下达|转发|印发|公布|调整|做好)")
_NOT_PLACE = ("我", "本", "全", "各", "推动", "推进", "通知", "关于", "印发", "进一步", "加快", "建设", "实施",
              "经开", "开发", "园区", "城区", "市区", "辖区", "社区", "片区", "街区", "景区", "校区", "小区")
# what may follow the kind word at the end of a title: years, (草案), 全文, 的通知
_TITLE_TAIL = re.compile(r"^(?:[(（][^)）]{0,12}[)）]|[—－\-]*全文|草案|征求意见稿)*(?:的通知|的决定|的函)?(?:[(（][^)）]{0,12}[)）])*$")
_NOTICE = re.compile(r"(?:关于|^)(?:印发|转发|下达)")
_KIND_WORDS = (
    ("work_report", ("政府工作报告", "工作报告", "报告政府工作", "报告工作")),
    ("five_year_plan", ("规划纲要", "五年规划", "远景目标纲要", "纲要")),
    ("implementation_plan", ("实施方案", "行动计划", "行动方案", "实施意见", "工作方案", "指导意见", "实施细则",
                             "方案", "计划", "意见")),
)


def infer_metadata(lines: list[str], path: str | Path, front_lines: int = 25, warn: bool = True) -> dict:
    """Read title, region, kind, issue date, period, document number and speaker from front matter.

    ``lines`` are the cleaned lines of the document; only the first ``front_lines`` are consulted.
    Keys with nothing found are omitted. ``meta_confidence`` (0–1) says how much of the metadata came from
    strong evidence (a title, an issuer line, a congress line); ``meta_warnings`` lists what is weak, and
    each warning is also issued as a :class:`MetadataWarning` naming the file (unless ``warn`` is False).
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
    review = next((m for line in lines[:60] if len(line) <= 30 and (m := _REVIEW_YEAR.search(line))), None)
    if kind == "work_report" and review:
        # "一、2018年工作回顾": the report reviews that year and plans the next one.
        meta["period_start"], meta["period_end"] = int(review.group(1)), int(review.group(1)) + 1
        meta.setdefault("issued", str(int(review.group(1)) + 1))
    elif "issued" not in meta and (year := _title_year(title) or _file_year(path)):
        meta["issued"] = year
    elif "issued" not in meta and (m := re.search(r"((?:19|20)\d{2})年", title)):
        meta["issued"] = m.group(1)  # a year the title names: a weak guess at the issue year
        warnings_.append(f"issue year {m.group(1)} taken from the title, not a date line")
    issuer = infer_issuer(title, front, kind)
    if issuer:
        meta["issuer"] = issuer
    region, region_strength = _region_of(title, front)
    if not region and issuer and (region := _most_local(re.sub(r"(人民政府|人民代表大会).*$|[^市县区省旗]*$", "", issuer))):
        region_strength = 1.0 if _is_place(region) else 0.0  # the issuer names its own region
        region = region if region_strength else ""
    if issuer.startswith("国务院"):
        region, region_strength = "全国", 1.0
    if region:
        meta["district_zh"] = meta["district"] = region
    if "period_start" not in meta:
        start, end = infer_period(title or Path(path).stem, meta.get("issued"), kind)
        if start:
            meta["period_start"], meta["period_end"] = start, end
    if not title:
        warnings_.append("no title line found in the first lines")
    if not issuer:
        warnings_.append("issuer not named by an issuer line or the title")
    if "issued" not in meta:
        warnings_.append("no issue date or year found in the front matter")
    if region_strength < 1.0:
        warnings_.append("region not found in the title, an issuer line or a congress line" if not region
                         else f"region {region!r} read from a weak source")
    if kind_strength < 1.0:
        warnings_.append(f"document kind {kind!r} not stated by the title")
    meta["meta_confidence"] = round((0.5 * region_strength + 0.3 * kind_strength + 0.2 * bool(title)), 2)
    meta["meta_warnings"] = "; ".join(warnings_)
    for message in warnings_ if warn else []:
        warnings.warn(f"{Path(path).name}: {message}", MetadataWarning, stacklevel=2)
    return meta


def _front_matter_fields(front: list[str]) -> dict:
    """Document number, issue date and speaker from short front-matter lines."""
    meta = {}
    for line in front:
        number = next((m for m in _DOC_NUMBER.finditer(line) if not _cited(line, m)), None)
        if number and len(line) <= 80:
            meta["doc_number"] = number.group()
            break
    date = _issue_date(front)
    if date:
        year, month, day = date.groups()
        meta["issued"] = f"{int(year):04d}-{int(month):02d}" + (f"-{int(day):02d}" if day else "")
    elif "doc_number" in meta:  # 怀政办发〔2023〕9号: the number carries the year of issue
        meta["issued"] = re.search(r"\d{4}", meta["doc_number"]).group()
    for line in front:
        speaker = _SPEAKER.search(line) or _SPEAKER_BEFORE.search(line)
        if speaker and len(line) <= 40:
            meta["speaker"] = speaker.group(2)
            break
    return meta


def _cited(line: str, match: re.Match) -> bool:
    """A document number quoted in brackets or after a title (…（国办发〔2019〕5号）) cites another document."""
    before = line[:match.start()].rstrip()
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
    for line in lines:
        if (m := _DATE.search(line)) and len(line) <= 60:
            return m
    for line in lines:  # a page's own date (发布日期:2021-07-01): the last resort
        if (m := re.search(r"(?<!\d)((?:19|20)\d{2})-(\d{1,2})-(\d{1,2})(?!\d)", line)) and len(line) <= 60:
            return m
    return None


def _title_year(title: str) -> str | None:
    m = re.match(r"^\D{0,4}((?:19|20)\d{2})年", title or "")
    return m.group(1) if m and "工作报告" in title else None


def _file_year(path: str | Path) -> str | None:
    m = re.search(r"(?<!\d)((?:19|20)\d{2})(?!\d)", Path(path).stem)
    return m.group(1) if m else None


def _kind_of(title: str, front: list[str], path: str | Path) -> tuple[str, float]:
    """(kind, strength): from the title or a notice line issuing the document (1.0), else the first lines
    (0.5), else the file name (0.3).  A title about a document (its 解读, 说明, a news item) is ``other``."""
    notice = next((c for line in front[:12] if (c := _strip_number(line)) and _NOTICE.search(c)), "")
    notice = notice[:notice.index("的通知") + 3] if "的通知" in notice else notice  # the line may run on
    for text in (title, notice):
        if text and (kind := title_kind(text)):
            return kind, 1.0
    for text, strength in (("".join(front[:5]), 0.5), (Path(path).stem, 0.3)):
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
    return kind if _TITLE_TAIL.match(compact[end:]) else "other"


def _strip_number(line: str) -> str:
    """A front line without spaces, a leading document number or opening quotes: 武政办〔2023〕1号《武汉市…》."""
    compact = line.replace(" ", "")
    compact = re.sub(r"^(?:发文机关|发文机构|发布机构|发文单位|来源)[:：]", "", compact)
    return re.sub(r"^(?:" + _DOC_NUMBER.pattern + r")?[《<]?", "", compact)


def infer_issuer(title: str, front: list[str], kind: str) -> str:
    """The issuing body named by the front matter, or '': an issuer line (东阳市人民政府办公室), a title or notice
    line opening with one (莆田市人民政府关于…, 国务院关于…), a red-header line (湖南省人民政府办公厅文件), a
    congress resolution's congress, or the government of the congress a work report is delivered to."""
    for line in [title] + [_strip_number(line) for line in front[:15]]:
        line = re.sub(r"文件$", "", line or "")
        if (m := _ISSUER.match(line)) and m.group(1) and _is_place(m.group(1)):
            return line
        if (m := _ISSUER_PREFIX.match(line)) and (_is_place(m.group(1)) or m.group(2).startswith("国务院")):
            return m.group(1) + m.group(2)
        if (m := _CONGRESS_TITLE.match(line)) and _is_place(m.group(1)):
            return m.group(1) + "人民代表大会"
    if kind == "work_report":
        for line in front[:12]:
            compact = line.replace(" ", "")
            if (m := _CONGRESS.search(compact) or _GOVERNMENT_OF_SPEAKER.search(compact)) and _is_place(m.group(1)):
                return m.group(1) + "人民政府"
    return ""


def _region_of(title: str, front: list[str]) -> tuple[str, float]:
    """(region, strength): the title's leading place, a congress line, an issuer line (1.0); State Council
    documents are national (1.0); a place found elsewhere in a short front line (0.4)."""
    if title and (region := infer_region(title)):
        return region, 1.0
    for line in front[:12]:
        compact = line.replace(" ", "")
        if (m := _CONGRESS.search(compact)) and _is_place(m.group(1)):
            return m.group(1), 1.0
        if (m := _ISSUER.match(compact)) and m.group(1) and _is_place(m.group(1)):
            return _most_local(m.group(1)), 1.0
        if (m := _DELIVERED_FOR.search(compact)) and _is_place(m.group(1)):
            return _most_local(m.group(1)), 1.0
    # Only a line the State Council speaks or issues in, not "按照党中央、国务院决策部署" in any local text.
    if any(line.replace(" ", "").startswith("国务院") or "国务院总理" in line or "代表国务院" in line
           for line in front[:5]):
        return "全国", 1.0  # a State Council report covers the whole country
    for line in front[:8]:
        compact = re.sub(r"^\D{0,2}\d{4}年", "", line.replace(" ", ""))
        if len(compact) <= 40 and (region := infer_region(compact)):
            return region, 0.4
    return "", 0.0


def _is_place(name: str) -> bool:
    return bool(name) and not any(word in name for word in _NOT_PLACE)


def _most_local(chain: str) -> str:
    """厦门市湖里区 -> 湖里区; 北京市 -> 北京市."""
    parts = re.findall(rf"{_PLACE}(?:特别行政区|自治区|自治州|新区|省|市|盟|区|县|旗|街道|镇|乡)", chain)
    return parts[-1] if parts else chain


def infer_region(title: str) -> str:
    """The most local place named at the start of a title (``厦门市湖里区…`` -> ``湖里区``), or ''.

    Only the leading chain of place names counts: a place mentioned later (``…推动我市…``,
    ``…的通知空港经开区``) is not the issuing region.
    """
    text = re.sub(r"^[（(][^）)]*[）)]", "", (title or "").replace(" ", "")).lstrip("《")
    text = re.sub(r"^\D{0,2}\d{4}年(?:度)?", "", text)
    text = re.sub(r"^(?:关于印发|关于|印发)《?", "", text)
    text = re.sub(r"^\d{4}年(?:度)?", "", _TITLE_VERBS.sub("", text))
    text = _PARTY_COMMITTEE.sub(r"\1", text)
    m = _LEADING_REGION.match(text)
    kept, end = "", 0
    for part in re.finditer(rf"{_PLACE}(?:特别行政区|自治区|自治州|新区|省|市|盟|区|县|旗)", m.group(0) if m else ""):
        if not _is_place(part.group()):
            break
        kept, end = part.group(), part.end()
    return _town_after(text, end) or kept


def _town_after(text: str, end: int) -> str:
    """A town or street named right after the places at ``end`` (or opening ``text``): 双浦镇, 北新街道."""
    town = _TOWN.match(text, end)
    if not town or any(word in town.group() for word in _NOT_TOWN) or not _is_place(town.group()):
        return ""
    return town.group()


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
        start = 1953 + 5 * (n - 1)
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
    """The first title-like line of the front matter; the body (a salutation, a full sentence) ends the search."""
    for line in (line.replace(" ", "") for line in front):
        if re.match(r"^(各位代表|同志们)", line) or line.endswith("。"):
            break
        if any(word in line for word in _TITLE_WORDS) and len(line) <= 80 and "关于印发" not in line:
            # 【文字解读】…, 凤凰县政府门户网站-…: a page's tag or site name before the title
            return re.sub(r"^(?:【[^】]{0,10}】|[^-—]{2,20}网站[-—])", "", line).strip("《》")
    return ""
