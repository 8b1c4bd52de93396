"""The demo catalog loaded by `manage.py seed_demo`, from /work/shared/reference/catalog.md.

Facts here come from the sources (the seed documents named in each item's `source`); time limits
are given only where a source gives them and are otherwise left empty for the bureau to fill in by
import. Materials are not listed in the sources: the ones below are examples (Material.is_example).

`where` says which service points offer an item: "city" (the city-level windows of the IP agency
office), "district" (every district window) and "info" (information service points). The
windows app assigns items to points from it; the catalog itself does not store it.
"""

from .constants import Channel, IPType, ItemLevel, MaterialForm

CITY, DISTRICT, INFO = "city", "district", "info"

# code, name, English name, order. Categories are data the bureau edits, not code.
CATEGORIES = [
    ("apply", "申请服务", "Application services", 1),
    ("manage", "管理服务", "Management services", 2),
    ("info", "信息服务", "Information services", 3),
    ("legal", "法律服务", "Legal services", 4),
    ("use", "运用服务", "Utilization services", 5),
    ("protect", "保护服务", "Protection services", 6),
]

# Example materials (never from a source): name, English name, form, required, tolerable, note,
# English note.
APPLICATION_FORM = ("申请书", "Application form", MaterialForm.ORIGINAL, True, False, "", "")
PROOF_OF_IDENTITY = (
    "身份证明",
    "Proof of identity",
    MaterialForm.COPY,
    True,
    False,
    "个人提交身份证件，单位提交营业执照或统一社会信用代码证明",
    "A person brings an identity document; a company its business licence or proof of its "
    "unified social credit code",
)
POWER_OF_ATTORNEY = (
    "委托书",
    "Power of attorney",
    MaterialForm.ORIGINAL,
    False,
    True,
    "委托代理机构或他人办理时提交",
    "When an agency or another person acts for you",
)
ORIGINAL_CONTRACT = ("合同原件", "Original contract", MaterialForm.ORIGINAL, True, False, "", "")

FILING = (APPLICATION_FORM, PROOF_OF_IDENTITY, POWER_OF_ATTORNEY)
CONTRACT_FILING = (*FILING, ORIGINAL_CONTRACT)
CONSULTATION = (PROOF_OF_IDENTITY,)

WINDOW = [Channel.WINDOW]


def _item(code, name, name_en, category, ip_type, where, materials, **extra):
    level = ItemLevel.DISTRICT if DISTRICT in where else ItemLevel.CITY
    fields = {
        "code": code,
        "name": name,
        "name_en": name_en,
        "category": category,
        "ip_type": ip_type,
        "level": level,
        "where": where,
        "materials": materials,
        "legal_limit_days": None,
        "promised_limit_days": None,
        "channels": WINDOW,
        "guide": "",
        "guide_en": "",
        "legal_basis": "",
        "green_channel": False,
    }
    fields.update(extra)
    return fields


ITEMS = [
    _item(
        "patent-application",
        "专利申请受理",
        "Patent application acceptance",
        "apply",
        IPType.PATENT,
        (CITY,),
        FILING,
        channels=[Channel.WINDOW, Channel.MAIL, Channel.EMAIL],
        guide="由国家知识产权局专利局上海代办处窗口受理；部分业务可通过电子邮件或邮寄递交申请材料。",
        guide_en=(
            "Accepted at the Shanghai agency window of the CNIPA Patent Office; some "
            "applications may be sent by email or by post."
        ),
        source="seed 000",
    ),
    _item(
        "trademark-registration",
        "商标注册申请受理",
        "Trademark registration acceptance",
        "apply",
        IPType.TRADEMARK,
        (CITY,),
        FILING,
        guide="由国家知识产权局商标局上海商标受理窗口受理。",
        guide_en=(
            "Accepted at the Shanghai trademark acceptance window of the CNIPA Trademark Office."
        ),
        source="seed 000",
    ),
    _item(
        "patent-subsidy",
        "专利资助申请",
        "Patent subsidy application",
        "manage",
        IPType.PATENT,
        (CITY,),
        FILING,
        legal_limit_days=15,
        promised_limit_days=7,
        channels=[Channel.ONLINE, Channel.WINDOW],
        guide="可全流程网上办理。审核时限由法定15个工作日减至7个工作日，实际平均3个工作日办结。",
        guide_en=(
            "Can be done entirely online. The review takes 7 working days instead of the "
            "legal 15; on average it is done in 3."
        ),
        source="seed 000",
    ),
    _item(
        "ip-pledge",
        "知识产权质押登记",
        "IP pledge registration",
        "use",
        IPType.GENERAL,
        (CITY,),
        CONTRACT_FILING,
        legal_limit_days=7,
        promised_limit_days=3,
        channels=[Channel.WINDOW, Channel.ONLINE],
        guide="开通线上预审。办理时限由7个工作日缩减至3个工作日，在线申请24小时内办结。",
        guide_en=(
            "Online pre-review is available. Done in 3 working days instead of 7; online "
            "applications within 24 hours."
        ),
        source="seed 000",
    ),
    _item(
        "patent-license-recordal",
        "专利实施许可合同备案",
        "Patent license contract recordal",
        "use",
        IPType.PATENT,
        (CITY, DISTRICT),
        CONTRACT_FILING,
        legal_limit_days=7,
        guide="已下沉至16个区级政务服务中心知识产权公共服务窗口办理。",
        guide_en=(
            "Handled at the IP public service windows of all 16 district government service "
            "centers."
        ),
        legal_basis="《专利实施许可合同备案办法》（国家知识产权局令第62号，2011年）",
        source="seed 001; CNIPA order No. 62 (2011)",
    ),
    _item(
        "key-trademark-list",
        "上海市重点商标保护名录申请",
        "Shanghai key trademark protection list application",
        "protect",
        IPType.TRADEMARK,
        (CITY, DISTRICT),
        FILING,
        source="seed 001",
    ),
    _item(
        "complaint-consultation",
        "知识产权投诉咨询",
        "IP complaint consultation",
        "protect",
        IPType.GENERAL,
        (CITY, DISTRICT),
        CONSULTATION,
        source="seed 001",
    ),
    _item(
        "cannot-be-done",
        "知识产权“办不成事”反映",
        "Report of a matter that could not be done",
        "manage",
        IPType.GENERAL,
        (CITY, DISTRICT),
        CONSULTATION,
        source="seed 001",
    ),
    _item(
        "trademark-insurance",
        "商标保险咨询",
        "Trademark insurance consultation",
        "use",
        IPType.TRADEMARK,
        (DISTRICT,),
        CONSULTATION,
        source="seed 001",
    ),
    _item(
        "ip-securitization",
        "知识产权证券化咨询",
        "IP securitization consultation",
        "use",
        IPType.GENERAL,
        (DISTRICT,),
        CONSULTATION,
        source="seed 001",
    ),
    _item(
        "patent-navigation",
        "专利导航项目申报咨询",
        "Patent navigation project application consultation",
        "info",
        IPType.PATENT,
        (DISTRICT,),
        CONSULTATION,
        source="seed 001",
    ),
    _item(
        "patent-priority-exam",
        "专利优先审查推荐",
        "Patent prioritized examination recommendation",
        "apply",
        IPType.PATENT,
        (CITY,),
        FILING,
        source="seed 000",
    ),
    _item(
        "green-channel",
        "专利商标申请绿色通道",
        "Green channel for urgent patent/trademark applications",
        "apply",
        IPType.GENERAL,
        (CITY,),
        FILING,
        guide="涉及疫情防控等紧急事项的专利、商标申请，指定专人全程跟进。",
        guide_en=(
            "Patent and trademark applications on urgent matters such as epidemic control are"
            " followed by a dedicated officer from start to finish."
        ),
        green_channel=True,
        source="seed 000",
    ),
    _item(
        "patent-notice-mailing",
        "专利通知书与票据寄送",
        "Mailing of patent notices, receipts and certificates",
        "manage",
        IPType.PATENT,
        (CITY,),
        CONSULTATION,
        channels=[Channel.MAIL],
        guide="专利通知书、票据和证书通过邮政寄送，无需到窗口领取。",
        guide_en=(
            "Patent notices, receipts and certificates are sent by post: no need to collect "
            "them at a window."
        ),
        source="seed 000",
    ),
    _item(
        "ip-search-analysis",
        "知识产权信息检索分析",
        "IP information search and analysis",
        "info",
        IPType.GENERAL,
        (INFO,),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "ip-risk-alert",
        "知识产权风险预警与评议",
        "IP risk alert and review",
        "info",
        IPType.GENERAL,
        (INFO,),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "patent-tech-contract",
        "专利技术合同认定登记",
        "Patent technology contract registration",
        "use",
        IPType.PATENT,
        (CITY,),
        CONTRACT_FILING,
        source="seed 003",
    ),
    _item(
        "rights-assistance",
        "知识产权维权援助",
        "IP rights protection assistance",
        "protect",
        IPType.GENERAL,
        (CITY, DISTRICT),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "overseas-dispute",
        "海外知识产权纠纷应对指导",
        "Overseas IP dispute response guidance",
        "legal",
        IPType.GENERAL,
        (CITY,),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "legal-consultation",
        "知识产权法律咨询",
        "IP legal consultation",
        "legal",
        IPType.GENERAL,
        (CITY, DISTRICT),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "training-registration",
        "知识产权公益培训报名",
        "Registration for free IP training",
        "info",
        IPType.GENERAL,
        (CITY, DISTRICT),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "gi-consultation",
        "地理标志业务咨询",
        "Geographical indication consultation",
        "apply",
        IPType.GEOGRAPHICAL_INDICATION,
        (CITY,),
        CONSULTATION,
        source="seed 003",
    ),
    _item(
        "ic-layout-consultation",
        "集成电路布图设计业务咨询",
        "Integrated circuit layout design consultation",
        "apply",
        IPType.IC_LAYOUT,
        (CITY,),
        CONSULTATION,
        source="seed 003",
    ),
]


def items_offered(where):
    """Codes of the items offered at one kind of place: CITY, DISTRICT or INFO."""
    return [item["code"] for item in ITEMS if where in item["where"]]
