"""Place names in a document's front matter: the region a title or issuer line names, and its chain.

A Chinese title or issuing body opens with a chain of places, province first: ``云南省昆明市官渡区人民政府``,
``(安徽省)合肥市庐江县国民经济…``, ``上海市嘉定区…``.  :func:`infer_region` reads the most local place of
that chain; :func:`region_parts` splits the chain into ``province`` and ``city``.  The provincial-level
divisions (with the municipalities, whose city is the province, and the abbreviations that open their
document numbers) come from ``data/provinces.txt``.
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources

from .districts import ethnic_groups, strip_admin_suffix

# a place's name before its level: an autonomous unit's name with its peoples (双江拉祜族佤族布朗族傣族自治县,
# longer than any other name), else one to eight characters
_AUTONOMOUS = (r"[\u4e00-\u9fff]{2,4}?(?:(?:" + "|".join(ethnic_groups()) + r")族?){1,4}自治(?=区|州|县|旗)")
PLACE = rf"(?:{_AUTONOMOUS}|[\u4e00-\u9fff]{{1,8}}?)"


def _read_prefectures() -> dict[str, str]:
    """``data/autonomous_prefectures.txt``: each short form (恩施州, 博州) -> its full name (恩施土家族苗族自治州)."""
    text = resources.files("plancompare").joinpath("data/autonomous_prefectures.txt").read_text(encoding="utf-8")
    return {short: full for line in text.splitlines() if line.strip() and not line.startswith("#")
            for full, *shorts in [line.split()] for short in shorts}


#: the short forms of the autonomous prefectures (恩施州 for 恩施土家族苗族自治州), mapped to their full names
PREFECTURE_SHORT_FORMS = _read_prefectures()
# a short form is only a place as a whole (版纳州 inside 西双版纳州 is not one)
SHORT_PREFECTURE = "(?:" + "|".join(sorted(PREFECTURE_SHORT_FORMS, key=lambda n: (-len(n), n))) + ")"
# a chain of places at the start of a title: (province)(prefecture)(city)(district/county)
_LEADING_REGION = re.compile(rf"^(?:{PLACE}(?:省|自治区|特别行政区))?(?:{SHORT_PREFECTURE}|{PLACE}(?:自治州|盟))?"
                             rf"(?:{PLACE}市)?(?:{PLACE}(?:新区|区|县|旗))?")
_PROVINCIAL = ("省", "自治区", "特别行政区")
_PART = re.compile(rf"{SHORT_PREFECTURE}|{PLACE}(?:特别行政区|自治区|自治州|新区|省|市|盟|区|县|旗)")
_PREFECTURE_LEVEL = ("自治州", "盟", "地区", *PREFECTURE_SHORT_FORMS)
# a party committee issuing with the government: 中共梁溪区委 梁溪区人民政府关于…
PARTY_COMMITTEE = re.compile(rf"^(?:中共|中国共产党)({PLACE}(?:省|自治区|市|自治州|新区|区|县|旗))委(?:员会)?")
# a town or street (镇, 乡, 街道) right after the chain of places, or opening the title: 双浦镇…, 西湖区双浦镇…
_TOWN = re.compile(r"[\u4e00-\u9fff]{2,4}?(?:镇|乡)(?!村|镇)|[\u4e00-\u9fff]{2,5}?街道")
# words ending like a town that are no place (城镇化, 乡镇企业, 美丽乡村 …)
_NOT_TOWN = ("城镇", "乡镇", "村镇", "集镇", "小镇", "城乡", "乡村", "美丽", "特色", "重点", "做好", "推进", "加强",
             "开展", "全面", "各", "我", "本", "全")
# verbs that open a notice's title before its subject: 关于下达2021年度双浦镇…工作计划的通知
_TITLE_VERBS = re.compile(r"^(?:下达|转发|印发|公布|调整|做好)")
# words that are never part of a place name (我市, 推动, 通知 … in body sentences)
_NOT_PLACE = ("我", "本", "全", "各", "推动", "推进", "通知", "关于", "印发", "进一步", "加快", "建设", "实施",
              "经开", "开发", "政府", "人民", "代表", "会议", "届", "园区", "城区", "市区", "辖区", "社区", "片区", "街区", "景区", "校区", "小区")
_NAMED_CITY_DISTRICT = re.compile(r"(?:^|[省市州盟县区旗])[^主老中全本我各该旧新市]城区$")
# one character before the suffix that is a preposition or pronoun, not a name: 在县第十五届…, 经市领导同意
_FUNCTION_CHARS = "在于从向对和与及其该此经由把被为给每"


@lru_cache(maxsize=1)
def provinces() -> tuple[dict, ...]:
    """``data/provinces.txt``: one dict per provincial-level division with ``full`` (湖北省), ``short`` (湖北),
    ``abbreviations`` (鄂,) and ``municipality`` (True for 北京市, 天津市, 上海市, 重庆市)."""
    text = resources.files("plancompare").joinpath("data/provinces.txt").read_text(encoding="utf-8")
    rows = []
    for line in text.splitlines():
        if line.strip() and not line.startswith("#"):
            full, short, *rest = line.split()
            rows.append({"full": full, "short": short, "municipality": "municipality" in rest,
                         "abbreviations": tuple(r for r in rest if r != "municipality")})
    return tuple(rows)


# variant characters OpenCC leaves in place names (陜西 is 陕西)
_VARIANTS = str.maketrans({"陜": "陕"})


def province_of_name(name: str) -> str:
    """The full name of a provincial-level division named ``name`` (湖北省, 湖北, 上海市), else ''."""
    name = (name or "").translate(_VARIANTS)
    return next((p["full"] for p in provinces() if name in (p["full"], p["short"])), "")


def province_of_number(doc_number: str, level: str) -> str:
    """The province whose abbreviation opens ``doc_number`` (鄂政发〔2018〕26号 → 湖北省), else ''.

    ``level`` is the suffix the issuer line gives its government (``省`` or ``市``): a bare 市人民政府 can
    only be a municipality's, so 沪府发 reads as 上海市 but 莆政综 (a prefecture's) as nothing."""
    m = re.match(r"^([\u4e00-\u9fff])(?:政|府)", doc_number or "")
    if not m:
        return ""
    for p in provinces():
        if m.group(1) in p["abbreviations"] and p["municipality"] == (level == "市"):
            return p["full"]
    return ""


def is_place(name: str) -> bool:
    """Whether ``name`` can be a place: no word of a body sentence in it, not a function word plus a suffix.
    A district named 鹿城区, 东城区 is a place; 主城区, 老城区 are not."""
    if not name or any(word in name for word in _NOT_PLACE if not (word == "城区" and _NAMED_CITY_DISTRICT.search(name))):
        return False
    if name.endswith("州") and not name.endswith("自治州"):
        return name.endswith(tuple(PREFECTURE_SHORT_FORMS))  # 恩施州 is a place, 杭州 (without 市) no level
    stem = re.sub(r"(?:特别行政区|自治区|自治州|新区|省|市|盟|区|县|旗|镇|乡|街道)$", "", name)
    return not (len(stem) == 1 and stem in _FUNCTION_CHARS)


def same_place(a: str, b: str) -> bool:
    """Whether two names are one place written in two forms: an autonomous prefecture's full and short name
    (恩施土家族苗族自治州, 恩施州), an autonomous county or banner without its peoples (麻阳苗族自治县, 麻阳县)."""
    def canonical(name: str) -> str:
        name = PREFECTURE_SHORT_FORMS.get(name, name)
        return strip_admin_suffix(name) + name[-1] if name.endswith(("自治县", "自治旗")) else name
    return bool(a) and canonical(a) == canonical(b)


def most_local(chain: str) -> str:
    """厦门市湖里区 -> 湖里区; 北京市 -> 北京市."""
    parts = re.findall(rf"{SHORT_PREFECTURE}|{PLACE}(?:特别行政区|自治区|自治州|新区|省|市|盟|区|县|旗|街道|镇|乡)", chain)
    return parts[-1] if parts else chain


def _title_head(title: str) -> str:
    """A title from where its places start: no spaces, bracketed tag, year, 关于印发 or party committee."""
    text = re.sub(r"^[（(][^）)]*[）)]", "", (title or "").replace(" ", "")).lstrip("《")
    text = re.sub(r"^\D{0,2}\d{4}年(?:度)?", "", text)
    text = re.sub(r"^(?:关于印发|关于|印发)《?", "", text)
    text = re.sub(r"^\d{4}年(?:度)?", "", _TITLE_VERBS.sub("", text))
    return PARTY_COMMITTEE.sub(r"\1", text)


def _leading_chain(text: str) -> tuple[list[str], int]:
    """The places (province first) opening ``text`` (already through :func:`_title_head`), and where they end.
    A province written without its suffix before the next place (河北雄安新区) is split off it."""
    m = _LEADING_REGION.match(text)
    kept, end = [], 0
    for part in _PART.finditer(m.group(0) if m else ""):
        if not is_place(part.group()):
            break
        kept.append(part.group())
        end = part.end()
    if kept and (province := _short_province_prefix(kept[0])):
        kept[:1] = [province, kept[0][len(province_short(province)):]]
    return kept, end


def province_short(full: str) -> str:
    return next((p["short"] for p in provinces() if p["full"] == full), full)


def _short_province_prefix(part: str) -> str:
    """The province whose short name opens ``part`` with a place after it (河北雄安新区 → 河北省), else ''; not
    when a people's name follows (海南藏族自治州 is in Qinghai, not Hainan)."""
    for p in provinces():
        rest = part[len(p["short"]):]
        if part.startswith(p["short"]) and not province_of_name(part) and len(rest) >= 3 \
                and not rest.startswith(ethnic_groups()) and is_place(rest):
            return p["full"]
    return ""


def infer_region(title: str) -> str:
    """The most local place named at the start of a title (``厦门市湖里区…`` -> ``湖里区``), or ''.

    Only the leading chain of place names counts: a place mentioned later (``…推动我市…``,
    ``…的通知空港经开区``) is not the issuing region.  A province named without its suffix
    (``2023年天津政府工作报告``) is given its full name.
    """
    text = _title_head(title)
    chain, end = _leading_chain(text)
    if not chain:
        bare = next((p["full"] for p in provinces() if text.startswith(p["short"]) and len(p["short"]) >= 2
                     and not re.match(r"[省市]|自治区", text[len(p["short"]):])), "")
        if bare:
            return bare
    return _town_after(text, end) or (chain[-1] if chain else "")


def _town_after(text: str, end: int) -> str:
    """A town or street named right after the places at ``end`` (or opening ``text``): 双浦镇, 北新街道."""
    town = _TOWN.match(text, end)
    if not town or any(word in town.group() for word in _NOT_TOWN) or not is_place(town.group()):
        return ""
    return town.group()


def region_parts(region: str, lines: list[str]) -> dict:
    """``province`` and ``city`` of ``region`` from a chain of places opening one of ``lines`` (a title, an
    issuer line: 昆明市官渡区人民政府…, (安徽省)合肥市庐江县…); keys with nothing found are omitted.

    A provincial-level region is its own province; a municipality in the chain is the province (上海市嘉定区
    has no city); a 市 is a city only above a district or below a province (a lone 东阳市 may be a county-level
    city); a 自治州 (or its short form 恩施州), 盟 or 地区 is always a city-level region."""
    province = province_of_name(region) or (region if region.endswith(_PROVINCIAL) else "")
    if province:
        return {"province": province}
    best: list[str] = []
    for line in lines:
        compact = re.sub(r"\s", "", line or "")
        # (安徽省)合肥市庐江县…, a forum's [内蒙古] 2024年乌拉特后旗…: the province in brackets before the title
        bracket = re.match(r"^[（(\[【［]([^）)\]】］]{2,12})[）)\]】］]", compact)
        chain, _ = _leading_chain(_title_head(compact[bracket.end():] if bracket else compact))
        if bracket and (province_of_name(bracket.group(1)) or bracket.group(1).endswith(_PROVINCIAL)):
            chain = [bracket.group(1)] + chain
        if region in chain and chain.index(region) + 1 > len(best):
            best = chain[:chain.index(region) + 1]
    parts: dict = {}
    for i, part in enumerate(best):
        if province_of_name(part) or part.endswith(_PROVINCIAL):
            parts["province"] = province_of_name(part) or part
        elif part.endswith(_PREFECTURE_LEVEL) or part.endswith("市") and (i < len(best) - 1 or "province" in parts):
            parts["city"] = part
    if "city" not in parts and region.endswith(_PREFECTURE_LEVEL):
        parts["city"] = region
    return parts
