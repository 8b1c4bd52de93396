"""The demo window registry loaded by `manage.py seed_demo` (docs/architecture.md, "Demo data").

Districts come from /work/shared/reference/districts.md; the four city-level windows are the ones
seed 000 names (the IP agency office of the Shanghai IP Administration runs them); every district
government service center has had an IP public service window since 2023 (seed 001). Addresses and
phone numbers are in no source, so every point is a demo record with a placeholder address and an
unreachable placeholder number.
"""

from catalog import demo as catalog_demo

from .constants import Kind, Level

# code (GB/T 2260), name, English name
DISTRICTS = [
    ("310101", "黄浦区", "Huangpu"),
    ("310104", "徐汇区", "Xuhui"),
    ("310105", "长宁区", "Changning"),
    ("310106", "静安区", "Jing'an"),
    ("310107", "普陀区", "Putuo"),
    ("310109", "虹口区", "Hongkou"),
    ("310110", "杨浦区", "Yangpu"),
    ("310112", "闵行区", "Minhang"),
    ("310113", "宝山区", "Baoshan"),
    ("310114", "嘉定区", "Jiading"),
    ("310115", "浦东新区", "Pudong New Area"),
    ("310116", "金山区", "Jinshan"),
    ("310117", "松江区", "Songjiang"),
    ("310118", "青浦区", "Qingpu"),
    ("310120", "奉贤区", "Fengxian"),
    ("310151", "崇明区", "Chongming"),
]

# Mon–Fri 09:00–12:00 and 13:30–17:00, in the spreadsheet format of windows/hours.py.
DEMO_HOURS = "1-5 09:00-12:00,13:30-17:00"
DEMO_ADDRESS_SUFFIX = "（示例地址）"
DEMO_ADDRESS_SUFFIX_EN = " (example address)"

# The city-level windows of seed 000 and the city items each one takes. The comprehensive window
# (items=None) takes every city item no other city window takes, so each is offered somewhere.
CITY_WINDOWS = [
    {
        "code": "city-patent",
        "username": "staff-city-patent",
        "name": "国家知识产权局专利局上海代办处窗口",
        "name_en": "CNIPA Patent Office Shanghai Agency Window",
        "kind": Kind.ACCEPTANCE,
        "items": [
            "patent-application",
            "patent-priority-exam",
            "patent-notice-mailing",
            "patent-license-recordal",
            "ic-layout-consultation",
        ],
    },
    {
        "code": "city-trademark",
        "username": "staff-city-trademark",
        "name": "国家知识产权局商标局上海商标受理窗口",
        "name_en": "CNIPA Trademark Office Shanghai Trademark Acceptance Window",
        "kind": Kind.ACCEPTANCE,
        "items": ["trademark-registration", "key-trademark-list", "gi-consultation"],
    },
    {
        "code": "city-subsidy",
        "username": "staff-city-subsidy",
        "name": "上海市知识产权局专利资助窗口",
        "name_en": "Shanghai IP Administration Patent Subsidy Window",
        "kind": Kind.ACCEPTANCE,
        "items": ["patent-subsidy"],
    },
    {
        "code": "city-general",
        "username": "staff-city-general",
        "name": "综合业务窗口",
        "name_en": "Comprehensive Services Window",
        "kind": Kind.COMPREHENSIVE,
        "items": None,
    },
]

# No source names an information service point with its address: these two are examples, so
# that the catalog's `info` items are offered somewhere.
INFO_POINTS = [
    {
        "code": "info-city",
        "username": "staff-info-city",
        "name": "上海市知识产权信息公共服务网点（示例）",
        "name_en": "Shanghai IP Information Public Service Point (example)",
        "level": Level.CITY,
        "district": None,
    },
    {
        "code": "info-310115",
        "username": "staff-info-310115",
        "name": "浦东新区知识产权信息服务网点（示例）",
        "name_en": "Pudong New Area IP Information Service Point (example)",
        "level": Level.DISTRICT,
        "district": "310115",
    },
]


# Counters per window at each level (people per counter per slot stays 1): demo capacity only.
DEMO_COUNTERS = {Level.CITY: 3, Level.DISTRICT: 2}


def demo_phone(number):
    """A number no one answers (a Shanghai number never starts with 0), marked as an example."""
    return f"021-0000-{number}（示例）"


def city_windows():
    """The city windows with their item codes resolved."""
    claimed = {code for w in CITY_WINDOWS if w["items"] for code in w["items"]}
    city_items = catalog_demo.items_offered(catalog_demo.CITY)
    rest = [code for code in city_items if code not in claimed]
    return [
        {**w, "level": Level.CITY, "district": None, "items": w["items"] or rest}
        for w in CITY_WINDOWS
    ]


def district_windows():
    """One comprehensive window per district government service center."""
    items = catalog_demo.items_offered(catalog_demo.DISTRICT)
    return [
        {
            "code": f"district-{code}",
            "username": f"staff-{code}",
            "name": f"{name}政务服务中心知识产权公共服务窗口",
            "name_en": _district_en(name_en)
            + " Government Service Center IP Public Service Window",
            "kind": Kind.COMPREHENSIVE,
            "level": Level.DISTRICT,
            "district": code,
            "items": items,
        }
        for code, name, name_en in DISTRICTS
    ]


def info_points():
    items = catalog_demo.items_offered(catalog_demo.INFO)
    return [{**p, "kind": Kind.INFORMATION, "items": items} for p in INFO_POINTS]


def all_points():
    return city_windows() + district_windows() + info_points()


def _district_en(name_en):
    return name_en if name_en.endswith("Area") else f"{name_en} District"
