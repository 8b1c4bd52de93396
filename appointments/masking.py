"""Masking of personal data (docs/architecture.md, "Where each rule lives"): lists, exports and logs
show only enough of a name, a mobile number or an ID number for staff to recognise the person in
front of them.

Only the case page, for staff of the case's window, shows the whole values.
"""

import re

MASK = "*"

# 复姓: for these the surname is two characters, and both stay visible ("欧阳**").
COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 夏侯 轩辕 令狐 端木 独孤 "
    "南宫 西门 百里 呼延 澹台 公冶 太史 申屠 闻人 万俟 赫连 钟离 濮阳 单于 司空 东郭 淳于 "
    "宗政 拓跋 闾丘 左丘 第五 梁丘 谷梁 公羊 羊舌 微生 乐正 壤驷 巫马 漆雕 鲜于 亓官".split()
)

_LATIN = re.compile(r"[A-Za-z]")


def mask_name(name):
    """张三 → 张*, 欧阳娜娜 → 欧阳**, Zhang San → Zhang S**, Alice → A****."""
    name = (name or "").strip()
    if not name:
        return ""
    if _LATIN.match(name):
        return _mask_latin_name(name)
    keep = 2 if name[:2] in COMPOUND_SURNAMES and len(name) > 2 else 1
    if len(name) <= keep:
        return MASK * len(name)
    return name[:keep] + MASK * (len(name) - keep)


def _mask_latin_name(name):
    # The first word is kept (a pinyin surname comes first); later words keep their initial.
    words = name.split()
    if len(words) == 1:
        return words[0][0] + MASK * (len(words[0]) - 1)
    rest = [word[0] + MASK * (len(word) - 1) for word in words[1:]]
    return " ".join([words[0], *rest])


def mask_phone(phone):
    """13812345678 → 138****5678: the network prefix and the last four digits stay."""
    phone = (phone or "").strip()
    if len(phone) <= 7:
        return _keep_ends(phone, 1)
    return phone[:3] + MASK * (len(phone) - 7) + phone[-4:]


def mask_id(id_number):
    """310101199001011234 → 3101**********1234: the first and last four stay.

    Shorter documents (passports, permits) keep less, so that most of the number stays hidden.
    """
    id_number = (id_number or "").strip()
    return _keep_ends(id_number, min(4, len(id_number) // 4))


def mask_email(address):
    """zhang.san@example.com → z***@example.com (lists and logs never show a whole address);
    "" when there is none."""
    local, at, domain = (address or "").partition("@")
    if not at:
        return mask_phone(address)
    return f"{local[:1]}***@{domain}"


def _keep_ends(value, keep):
    if keep <= 0 or len(value) <= 2 * keep:
        return MASK * len(value)
    return value[:keep] + MASK * (len(value) - 2 * keep) + value[-keep:]
