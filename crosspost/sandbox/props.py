"""Entry props per dialect (reference §4): which exist, their types, which are system-owned."""

from __future__ import annotations

import re

_COMMON: dict[str, str] = {
    "taglist": "char",
    "current_mood": "char",
    "current_moodid": "num",
    "current_music": "char",
    "current_location": "char",
    "current_coords": "char",
    "opt_nocomments": "bool",
    "opt_noemail": "bool",
    "opt_preformatted": "bool",
    "opt_backdated": "bool",
    "opt_screening": "char",
    "picture_keyword": "char",
    "adult_content": "char",
    "useragent": "char",
    "used_rte": "bool",
    "unknown8bit": "bool",
    "interface": "char",
    "syn_id": "num",
    "syn_link": "char",
    "import_source": "char",
}

#: DW bin/upgrading/proplists.dat (user-settable part)
DW_PROPS: dict[str, str] = {
    **_COMMON,
    "adult_content_reason": "char",  # DW only
    "admin_post": "bool",
    "editor": "char",
    "xpost": "char",
    "xpostdetail": "char",
}

#: DW: props with ownership "system" are refused with 205 (Protocol.pm:1138-1143)
DW_SYSTEM_PROPS = frozenset({
    "adult_content_maintainer", "adult_content_maintainer_reason", "opt_nocomments_maintainer",
    "picture_mapid", "revnum", "revtime", "statusvis", "hasscreened", "commentalter",
    "xpost", "xpostdetail",
})

#: LJ14 bin/upgrading/proplists.dat (the public part)
LJ_PROPS: dict[str, str] = {
    **_COMMON,
    "copyright": "char",
    "give_features": "bool",
    "opt_lockcomments": "bool",
    "opt_norating": "bool",
    "pingback": "char",
    "reposted_from": "char",
    "verticals_list": "char",
}

#: InsaneJournal-like: LJ minus adult_content (DW's IJ hook deletes it, §10)
IJ_PROPS: dict[str, str] = {k: v for k, v in LJ_PROPS.items() if k != "adult_content"}

#: props never trimmed to 100 chars / 255 bytes (§3.2 step 8)
UNTRIMMED = frozenset({"taglist", "syn_link", "syn_id"})

_COORDS_RE = re.compile(r"^\s*([+-]?\d+(?:\.\d+)?)\s*[, ]\s*([+-]?\d+(?:\.\d+)?)\s*$")


def prop_table(dialect: str) -> dict[str, str]:
    return {"dw": DW_PROPS, "lj": LJ_PROPS, "ij": IJ_PROPS}[dialect]


def system_props(dialect: str) -> frozenset[str]:
    return DW_SYSTEM_PROPS if dialect == "dw" else frozenset()


def valid_coords(value: str) -> bool:
    match = _COORDS_RE.match(value)
    if not match:
        return False
    lat, lon = float(match[1]), float(match[2])
    return -90 <= lat <= 90 and -180 <= lon <= 180


def char_limit(name: str, dialect: str) -> int:
    """LJ: current_music and current_location allow 254 chars (CMMAX_PROP)."""
    if dialect != "dw" and name in ("current_music", "current_location"):
        return 254
    return 100
