# ruff: noqa: E501  (tables of Chinese demo text read better unwrapped)
"""A believable 黑河市 for demos and benchmarks, as the files departments hand in.

`generate_city(entities, seed)` returns rows keyed by import kind, each row a dict with the
DATA-STANDARD.md column names, so demo data goes through the same importer as real files.
Deterministic: one `random.Random(seed)`, dates relative to a fixed reference date.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta

from webapp.rules import uscc as uscc_rules
from webapp.services.imports import idcard
from webapp.services.imports.regions import COUNTIES
from webapp.services.imports.specs import SPECS

REFERENCE_DATE = date(2026, 11, 1)

#: Counties and districts of 黑河市 (GB/T 2260).
REGIONS = COUNTIES
_REGION_WEIGHTS = (34, 22, 12, 18, 7, 7)
CITY = "黑河市"
CITY_CODE = "231100"


@dataclass(frozen=True)
class Dept:
    name: str
    short: str  # prefix of its decision numbers, e.g. 黑市监处罚
    code9: str  # organisation code part of its USCC

    @property
    def uscc(self) -> str:
        org8 = self.code9[:8]  # the 9th character is recomputed (GB 11714 check)
        body = f"11{CITY_CODE}{org8}{uscc_rules.organisation_check_character(org8)}"
        return body + uscc_rules.check_character(body)


DEPARTMENTS = {
    "market": Dept("黑河市市场监督管理局", "黑市监处罚", "MB1A23458"),
    "tax": Dept("国家税务总局黑河市税务局", "黑税稽罚", "MB1B07125"),
    "env": Dept("黑河市生态环境局", "黑环罚", "MB1C31863"),
    "safety": Dept("黑河市应急管理局", "黑应急罚", "MB1D40217"),
    "transport": Dept("黑河市交通运输局", "黑交执罚", "MB1E52096"),
    "hrss": Dept("黑河市人力资源和社会保障局", "黑人社监罚", "MB1F60418"),
    "health": Dept("黑河市卫生健康委员会", "黑卫罚", "MB1G71233"),
    "court": Dept("黑河市中级人民法院", "黑11执", "MB1H80025"),
    "police": Dept("黑河市公安局", "黑公行罚决字", "MB1J91347"),
    "ndrc": Dept("黑河市发展和改革委员会", "黑发改罚", "MB1K12806"),
    "housing": Dept("黑河市住房和城乡建设局", "黑住建罚", "MB1L23594"),
    "services": Dept("黑河市营商环境建设监督局", "黑营商", "MB1M34075"),
}

_SURNAMES = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾于肖田董袁潘蒋蔡余杜叶程魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
_GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红建国志海波宇鹏飞辉林峰凤春梅晓东亮丹雪琳凯鑫浩然博文思远佳怡子涵宏伟振东德胜淑珍玉梅桂芝秀兰"
_CORE_CHARS = "鑫源华安北方龙江兴隆宏达金瑞祥天成恒泰嘉禾昌盛顺通富利丰永益新亿合信诚鼎荣广远宇晟锦润佳美恒通泰和裕祥腾飞万福康达瑞丰汇聚大众兴旺百川乾坤德胜隆盛中原黑土寒地黑龙松林雪原"
_INDUSTRIES = (
    ("贸易", "日用百货、五金交电、建筑材料销售"), ("商贸", "食品、农副产品、日用品批发零售"),
    ("建筑工程", "房屋建筑工程、市政公用工程施工"), ("农业科技", "大豆、玉米种植及农业技术推广"),
    ("食品", "食品生产、食品销售"), ("物流", "普通货运、仓储服务（不含危险化学品）"),
    ("餐饮管理", "餐饮服务、餐饮管理"), ("房地产开发", "房地产开发经营、物业管理"),
    ("木业", "木材加工、木制品销售"), ("粮油", "粮食收购、粮油加工及销售"),
    ("药业", "药品零售、医疗器械销售"), ("汽车销售", "汽车及配件销售、汽车维修"),
    ("旅游", "国内旅游业务、入境旅游业务"), ("对俄经贸", "货物进出口、技术进出口"),
    ("矿业", "矿产资源开采、矿产品销售"), ("热力", "供热服务、热力生产和供应"),
    ("信息技术", "软件开发、信息系统集成服务"), ("环保科技", "环保工程、污水处理"),
    ("大豆", "大豆收购、大豆加工及销售"), ("运输", "道路普通货物运输、客运"),
)
_FORMS = ("有限公司", "有限公司", "有限公司", "有限责任公司", "股份有限公司", "（集团）有限公司")
_SHOPS = (
    "烧烤店", "饺子馆", "超市", "便利店", "五金店", "理发店", "药店", "水果店", "农资商店",
    "汽车修理部", "面馆", "粮油店", "家常菜馆", "服装店", "手机店", "洗浴中心", "建材商店",
)
_COOP_TRADES = ("大豆种植", "玉米种植", "蓝莓种植", "畜牧养殖", "蔬菜种植", "农机服务", "食用菌种植")
_FOODS = ("饮料", "方便面", "火腿肠", "饼干", "牛奶", "速冻水饺", "糕点", "酱油")
_STATES = ("存续",) * 14 + ("在业",) * 4 + ("吊销", "注销", "迁出")


@dataclass
class Party:
    name: str
    subject_type: str
    region: tuple[str, str]
    uscc: str = ""
    id_number: str = ""
    legal_rep: str = ""
    legal_rep_id: str = ""
    industry: str = ""
    extra: dict[str, str] = field(default_factory=dict)

    @property
    def is_person(self) -> bool:
        return self.subject_type == "自然人"

    @property
    def party_type(self) -> str:
        """行政相对人类别 of the 双公示 standard."""
        if self.is_person:
            return "自然人"
        return "个体工商户" if self.subject_type == "个体工商户" else "法人及非法人组织"


def _cn_number(n: int) -> str:
    """1..199 in Chinese numerals, as laws number their articles (第一百二十四条)."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    rest = n % 100
    head = digits[n // 100] + "百"
    if rest == 0:
        return head
    if rest < 10:
        return head + "零" + digits[rest]
    return head + (digits[rest // 10] + "十" + (digits[rest % 10] if rest % 10 else ""))


def _law(name: str, article: int, clause: str = "") -> str:
    return f"《{name}》第{_cn_number(article)}条{clause}"


# (department key, 违法行为类型, facts template, legal basis, 处罚类别, fine range 万元, parties)
_VIOLATIONS = (
    ("market", "销售超过保质期的食品",
     "经查，当事人于{day}在其经营场所销售超过保质期的{food}共{n}件，货值金额{value}元，违法所得{gain}元。",
     _law("中华人民共和国食品安全法", 124, "第一款第（五）项"), "罚款;没收违法所得", (0.5, 5), "org"),
    ("market", "未明码标价",
     "经查，当事人在经营场所销售的{n}种商品未按规定明码标价。",
     _law("中华人民共和国价格法", 42), "警告;罚款", (0.05, 0.5), "org"),
    ("market", "发布虚假广告",
     "经查，当事人通过微信公众号发布含有虚假内容的广告，宣称其产品具有“{n}天见效”等功效。",
     _law("中华人民共和国广告法", 55, "第一款"), "罚款", (2, 20), "org"),
    ("market", "未按规定公示年度报告",
     "当事人未按照《企业信息公示暂行条例》规定的期限公示年度报告，经责令仍不改正。",
     _law("中华人民共和国市场主体登记管理条例", 46), "警告", (0, 0), "org"),
    ("tax", "偷税",
     "经查，当事人{year}年度通过少列收入方式少缴增值税及附加税费合计{value}元。",
     _law("中华人民共和国税收征收管理法", 63, "第一款"), "罚款", (1, 30), "org"),
    ("tax", "未按期进行纳税申报",
     "当事人未按照规定期限办理{year}年{month}月增值税纳税申报。",
     _law("中华人民共和国税收征收管理法", 62), "罚款", (0.02, 0.2), "org"),
    ("env", "超标排放大气污染物",
     "经现场监测，当事人锅炉废气中颗粒物排放浓度超过国家规定的排放标准{n}倍。",
     _law("中华人民共和国大气污染防治法", 99, "第（二）项"), "罚款;责令停产停业", (10, 60), "org"),
    ("env", "未依法报批环境影响评价文件",
     "当事人建设项目未依法报批环境影响评价文件，擅自开工建设。",
     _law("中华人民共和国环境影响评价法", 31, "第一款"), "罚款", (5, 25), "org"),
    ("safety", "未按规定对从业人员进行安全生产教育和培训",
     "经检查，当事人{n}名从业人员未经安全生产教育和培训即上岗作业。",
     _law("中华人民共和国安全生产法", 97, "第（三）项"), "罚款", (1, 8), "org"),
    ("transport", "未取得道路运输经营许可擅自从事道路运输经营",
     "当事人驾驶车辆未取得道路运输经营许可，擅自从事道路旅客运输经营。",
     _law("中华人民共和国道路运输条例", 63), "罚款;没收违法所得", (1, 10), "any"),
    ("hrss", "拖欠劳动者工资",
     "经查，当事人拖欠{n}名劳动者工资合计{value}元，经责令限期支付逾期未支付。",
     _law("劳动保障监察条例", 26), "罚款", (0.5, 5), "org"),
    ("health", "未取得医疗机构执业许可证擅自执业",
     "当事人未取得《医疗机构执业许可证》擅自开展诊疗活动，违法所得{gain}元。",
     _law("医疗机构管理条例", 43), "罚款;没收违法所得", (1, 15), "any"),
    ("health", "公共场所未取得卫生许可证",
     "当事人经营的公共场所未依法取得卫生许可证擅自营业。",
     _law("公共场所卫生管理条例", 14), "警告;罚款", (0.05, 1), "org"),
    ("police", "盗窃",
     "违法行为人于{day}在黑河市某商场盗窃他人财物，价值{value}元。",
     _law("中华人民共和国治安管理处罚法", 49), "行政拘留", (0, 0), "person"),
    ("police", "无证驾驶营运车辆",
     "违法行为人未取得机动车驾驶证驾驶营运车辆上道路行驶。",
     _law("中华人民共和国道路交通安全法", 99, "第一款第（一）项"), "罚款;行政拘留", (0.1, 0.2), "person"),
)

# (名单类型, 名单性质, department key, 列入原因, 认定依据, 奖惩措施, who)
_LISTS = (
    ("经营异常名录", "经营异常", "market", "未按照《企业信息公示暂行条例》第八条规定的期限公示年度报告",
     "《市场监督管理严重违法失信名单管理办法》；《企业经营异常名录管理暂行办法》第四条",
     "在政府采购、工程招投标、国有土地出让等工作中依法予以限制", "org"),
    ("经营异常名录", "经营异常", "market", "通过登记的住所或者经营场所无法联系",
     "《企业经营异常名录管理暂行办法》第九条", "依法予以限制", "org"),
    ("严重失信主体名单", "黑名单", "market", "因食品安全严重违法行为受到较重行政处罚",
     "《市场监督管理严重违法失信名单管理办法》第二条", "实施联合惩戒", "org"),
    ("失信被执行人", "黑名单", "court", "有履行能力而拒不履行生效法律文书确定的义务",
     "《最高人民法院关于公布失信被执行人名单信息的若干规定》第一条", "限制高消费及非生活和工作必需的消费行为", "any"),
    ("拖欠农民工工资失信联合惩戒对象名单", "黑名单", "hrss", "克扣、无故拖欠农民工工资数额达到认定拒不支付劳动报酬罪数额标准",
     "《拖欠农民工工资失信联合惩戒对象名单管理暂行办法》第五条", "实施联合惩戒", "org"),
    ("重大税收违法失信主体", "黑名单", "tax", "偷税数额达到一百万元以上",
     "《重大税收违法失信主体信息公布管理办法》第六条", "依法实施联合惩戒", "org"),
    ("重点关注对象名单", "重点关注", "ndrc", "一年内受到三次以上行政处罚",
     "《黑河市公共信用信息管理办法》", "列为重点监管对象，提高抽查比例", "org"),
    ("守信激励对象名单", "红名单", "tax", "连续三年纳税信用等级为A级",
     "《纳税信用管理办法》第三十条", "享受绿色通道、容缺受理等激励措施", "org"),
    ("守信激励对象名单", "红名单", "ndrc", "诚信经营示范企业",
     "《黑河市守信联合激励实施办法》", "在行政审批中给予便利", "org"),
)

_COMMITMENTS = (
    ("审批替代型", "食品经营许可告知承诺", "按照承诺的条件从事食品经营活动，接受事中事后监管", "market"),
    ("容缺受理型", "企业开办容缺受理承诺", "在规定期限内补齐所缺材料", "services"),
    ("证明替代型", "无犯罪记录证明替代承诺", "本人承诺无犯罪记录，如有虚假愿承担法律责任", "services"),
    ("信用修复型", "信用修复承诺", "已纠正失信行为，今后依法诚信经营", "ndrc"),
    ("行业自律型", "道路运输行业诚信经营承诺", "遵守行业规范，诚信经营，不欺客宰客", "transport"),
    ("主动公示型", "安全生产承诺", "严格落实安全生产主体责任", "safety"),
    ("审批替代型", "建设工程规划许可告知承诺", "按照承诺的规划条件开展建设", "housing"),
)

_LICENSES = (
    ("market", "食品经营许可证", "预包装食品（含冷藏冷冻食品）销售；热食类食品制售", "JY1"),
    ("market", "营业执照", "登记注册", "YZ"),
    ("env", "排污许可证", "锅炉废气、生产废水排放", "PW"),
    ("health", "公共场所卫生许可证", "住宿、沐浴场所卫生许可", "WG"),
    ("transport", "道路运输经营许可证", "道路普通货物运输", "YS"),
    ("housing", "建筑工程施工许可证", "房屋建筑工程施工", "SG"),
    ("safety", "安全生产许可证", "非煤矿山开采", "AQ"),
)


class _Generator:
    def __init__(self, seed: int, reference: date) -> None:
        self.rng = random.Random(seed)  # noqa: S311 (demo data, not security)
        self.ref = reference
        self.usccs: set[str] = set()
        self.names: set[str] = set()
        self.ids: set[str] = set()
        self.doc_counters: dict[tuple[str, int], int] = defaultdict(int)

    # -- identities -------------------------------------------------------------------

    def region(self) -> tuple[str, str]:
        return self.rng.choices(REGIONS, weights=_REGION_WEIGHTS)[0]

    def uscc(self, prefix: str, region_code: str) -> str:
        alphabet = uscc_rules.ALPHABET
        while True:
            org8 = "".join(self.rng.choice(alphabet[:10] if i < 2 else alphabet) for i in range(8))
            body = f"{prefix}{region_code}{org8}{uscc_rules.organisation_check_character(org8)}"
            code = body + uscc_rules.check_character(body)
            if code not in self.usccs:
                self.usccs.add(code)
                return code

    def person_name(self) -> str:
        given = self.rng.choice(_GIVEN) + (self.rng.choice(_GIVEN) if self.rng.random() < 0.7 else "")
        return self.rng.choice(_SURNAMES) + given

    def id_number(self, region_code: str) -> str:
        while True:
            born = date(1955, 1, 1) + timedelta(days=self.rng.randrange(0, 365 * 48))
            first17 = f"{region_code}{born:%Y%m%d}{self.rng.randrange(1000):03d}"
            number = first17 + idcard.check_digit(first17)
            if number not in self.ids:
                self.ids.add(number)
                return number

    def core(self) -> str:
        return self.rng.choice(_CORE_CHARS) + self.rng.choice(_CORE_CHARS)

    def unique(self, make: Callable[[], str]) -> str:
        for _ in range(50):
            name = make()
            if name not in self.names:
                self.names.add(name)
                return name
        raise RuntimeError("could not find a fresh name")

    def day_between(self, start: date, end: date) -> date:
        return start + timedelta(days=self.rng.randrange(max(1, (end - start).days)))

    def doc_number(self, dept: str, year: int, licence: bool = False) -> str:
        key = (dept + ("/licence" if licence else ""), year)
        self.doc_counters[key] += 1
        n = self.doc_counters[key]
        short = DEPARTMENTS[dept].short
        if licence:
            return f"{short.removesuffix('罚').removesuffix('处')}许〔{year}〕{n}号"
        if dept == "court":
            return f"（{year}）黑11执{n}号"
        if dept == "police":
            return f"黑公（治）行罚决字〔{year}〕{n}号"
        return f"{short}〔{year}〕{n}号"

    # -- subjects ---------------------------------------------------------------------

    def party(self) -> Party:
        roll = self.rng.random()
        region = self.region()
        code, county = region
        if roll < 0.55:
            industry, _scope = self.rng.choice(_INDUSTRIES)
            place = self.rng.choice((CITY, CITY, CITY, county, "黑龙江"))

            def make() -> str:
                return f"{place}{self.core()}{industry}{self.rng.choice(_FORMS)}"

            return Party(self.unique(make), "企业法人", region, self.uscc("91", code),
                         legal_rep=self.person_name(), industry=industry)
        if roll < 0.80:
            def shop() -> str:
                style = self.rng.random()
                who = (f"老{self.rng.choice(_SURNAMES)}" if style < 0.4 else
                       f"{self.rng.choice(_SURNAMES)}记" if style < 0.7 else self.core())
                return f"{county}{who}{self.rng.choice(_SHOPS)}"

            operator = self.person_name()
            return Party(self.unique(shop), "个体工商户", region, self.uscc("92", code),
                         legal_rep=operator, legal_rep_id=self.id_number(code), industry="个体")
        if roll < 0.84:
            trade = self.rng.choice(_COOP_TRADES)
            return Party(self.unique(lambda: f"{county}{self.core()}{trade}专业合作社"),
                         "农民专业合作社", region, self.uscc("93", code),
                         legal_rep=self.person_name(), industry=trade)
        if roll < 0.86:
            kind = self.rng.choice(("协会", "商会", "培训学校"))
            prefix = "52" if kind == "培训学校" else "51"
            return Party(self.unique(lambda: f"{CITY}{self.core()}{kind}"), "社会组织", region,
                         self.uscc(prefix, code), legal_rep=self.person_name(), industry=kind)
        if roll < 0.88:
            what = self.rng.choice(("第一中学", "第二中学", "人民医院", "中医医院", "图书馆",
                                     "农业技术推广中心", "水文站", "供水服务中心"))
            return Party(self.unique(lambda: f"{county}{self.core()}{what}"
                                     if self.rng.random() < 0.7 else f"{county}{what}"),
                         "事业单位", region, self.uscc("12", code), legal_rep=self.person_name(),
                         industry=what)
        # Natural persons may share a name; they are told apart by their ID numbers.
        return Party(self.person_name(), "自然人", region, id_number=self.id_number(code))

    def entity_row(self, p: Party) -> dict[str, str]:
        row = {"主体名称": p.name, "主体类别": p.subject_type, "所属区域": p.region[1]}
        if p.is_person:
            row["证件号码"] = p.id_number
            return row
        founded = self.day_between(date(1995, 1, 1), self.ref - timedelta(days=30))
        scope = next((s for i, s in _INDUSTRIES if i == p.industry), "")
        row.update({
            "统一社会信用代码": p.uscc,
            "法定代表人": p.legal_rep,
            "成立日期": self.fmt_date(founded),
            "登记机关": f"{p.region[1]}市场监督管理局" if p.region[0] != "231102"
            else "黑河市市场监督管理局",
            "住所": f"黑龙江省黑河市{p.region[1]}{self.core()}路{self.rng.randrange(1, 300)}号",
            "经营范围": scope or "依法须经批准的项目，经相关部门批准后方可开展经营活动",
            "登记状态": self.rng.choice(_STATES),
            "曾用名": self.former_names(p),
        })
        if self.rng.random() < 0.2:  # some departments give the county as its code
            row["所属区域"] = p.region[0]
        return row

    def former_names(self, p: Party) -> str:
        if p.subject_type != "企业法人" or self.rng.random() > 0.08:
            return ""
        names = [p.name.replace(p.industry, self.rng.choice(_INDUSTRIES)[0], 1)]
        if self.rng.random() < 0.3:
            names.append(f"{CITY}{self.core()}{p.industry}有限公司")
        names = [n for n in names if n != p.name]
        return self.rng.choice(("；", ";")).join(names)

    def fmt_date(self, day: date) -> str:
        """Mostly ISO, sometimes the other formats departments use."""
        roll = self.rng.random()
        if roll < 0.8:
            return day.isoformat()
        if roll < 0.9:
            return f"{day.year}/{day.month}/{day.day}"
        if roll < 0.95:
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day:%Y%m%d}"

    # -- records ----------------------------------------------------------------------

    def party_columns(self, p: Party) -> dict[str, str]:
        row = {"行政相对人名称": p.name, "行政相对人类别": p.party_type}
        if p.is_person:
            row.update({"证件类型": "身份证", "证件号码": p.id_number})
        else:
            row.update({"统一社会信用代码": p.uscc, "法定代表人": p.legal_rep})
            if p.legal_rep_id:
                row.update({"法定代表人证件类型": "身份证", "法定代表人证件号码": p.legal_rep_id})
        return row

    def license_row(self, p: Party) -> dict[str, str]:
        dept_key, title, content, code = self.rng.choice(_LICENSES)
        dept = DEPARTMENTS[dept_key]
        decided = self.day_between(self.ref - timedelta(days=6 * 365), self.ref - timedelta(days=3))
        years = self.rng.choice((3, 5, 5, 5))
        row = self.party_columns(p)
        row.update({
            "行政许可决定文书名称": f"准予行政许可决定书（{title}）",
            "行政许可决定文书号": self.doc_number(dept_key, decided.year, licence=True),
            "许可类别": self.rng.choice(("普通", "普通", "认可", "核准", "登记")),
            "许可证书名称": title,
            "许可编号": f"{code}{p.region[0]}{self.rng.randrange(10**7):07d}",
            "许可内容": content,
            "许可决定日期": self.fmt_date(decided),
            "有效期自": decided.isoformat(),
            "有效期至": decided.replace(year=decided.year + years, day=min(decided.day, 28))
            .isoformat(),
            "许可机关": dept.name,
            "许可机关统一社会信用代码": dept.uscc,
            "当前状态": "有效" if self.rng.random() < 0.95 else "无效",
            "数据来源单位": dept.name,
            "数据来源单位统一社会信用代码": dept.uscc,
        })
        return row

    def penalty_row(self, p: Party) -> dict[str, str]:
        wanted = "person" if p.is_person else "org"
        choices = [v for v in _VIOLATIONS if v[6] in (wanted, "any")]
        dept_key, vtype, facts, basis, ptypes, (lo, hi), _who = self.rng.choice(choices)
        dept = DEPARTMENTS[dept_key]
        decided = self.day_between(self.ref - timedelta(days=4 * 365), self.ref - timedelta(days=2))
        fine = round(self.rng.uniform(lo, hi), 2) if hi else 0
        gain = self.rng.randrange(200, 20000)
        text = facts.format(
            day=f"{decided.year}年{decided.month}月{max(1, decided.day - 3)}日",
            food=self.rng.choice(_FOODS), n=self.rng.randrange(2, 40),
            value=self.rng.randrange(500, 200000), gain=gain, year=decided.year - 1,
            month=self.rng.randrange(1, 13),
        )
        parts = []
        if "警告" in ptypes:
            parts.append("警告")
        if fine:
            parts.append(f"罚款人民币{fine:.2f}万元")
        if "没收违法所得" in ptypes:
            parts.append(f"没收违法所得{gain}元")
        if "责令停产停业" in ptypes:
            parts.append("责令停产整治")
        if "行政拘留" in ptypes:
            parts.append(f"行政拘留{self.rng.choice((5, 7, 10, 15))}日")
        row = self.party_columns(p)
        row.update({
            "行政处罚决定书文号": self.doc_number(dept_key, decided.year),
            "违法行为类型": vtype,
            "违法事实": text,
            "处罚依据": basis,
            "处罚类别": ptypes if self.rng.random() < 0.8 else ptypes.replace(";", "；"),
            "处罚内容": "，".join(parts) + "。",
            "罚款金额（万元）": f"{fine:.2f}" if fine else "",
            "没收违法所得、没收非法财物的金额（万元）":
                f"{gain / 10000:.4f}" if "没收违法所得" in ptypes else "",
            "处罚决定日期": self.fmt_date(decided),
            "处罚机关": dept.name,
            "处罚机关统一社会信用代码": dept.uscc,
            "数据来源单位": dept.name,
            "数据来源单位统一社会信用代码": dept.uscc,
        })
        return row

    def list_row(self, p: Party) -> dict[str, str] | None:
        choices = [x for x in _LISTS if x[6] == "any" or not p.is_person]
        ltype, nature, dept_key, reason, basis, measures, _who = self.rng.choice(choices)
        if p.subject_type != "企业法人" and ltype in ("经营异常名录", "重大税收违法失信主体") \
                and self.rng.random() < 0.5:
            return None
        dept = DEPARTMENTS[dept_key]
        listed = self.day_between(self.ref - timedelta(days=3 * 365), self.ref - timedelta(days=1))
        row = {
            "名单类型": ltype, "名单性质": nature, "主体名称": p.name, "主体类别": p.subject_type,
            "列入原因": reason, "认定依据": basis, "认定部门": dept.name,
            "列入日期": self.fmt_date(listed), "奖惩措施": measures, "数据来源单位": dept.name,
        }
        if p.is_person:
            row["证件号码"] = p.id_number
        else:
            row.update({"统一社会信用代码": p.uscc, "法定代表人": p.legal_rep})
        if dept_key == "court":
            row["文书号"] = self.doc_number("court", listed.year)
        if nature == "红名单":
            row["有效期至"] = (listed + timedelta(days=3 * 365)).isoformat()
        removable = nature in ("经营异常", "重点关注") or self.rng.random() < 0.3
        if removable and self.rng.random() < 0.35 and (self.ref - listed).days > 30:
            removed = self.day_between(listed + timedelta(days=20), self.ref)
            row["移出日期"] = self.fmt_date(removed)
            row["移出原因"] = {
                "经营异常": "已补报年度报告并公示", "重点关注": "整改到位，经复核移出",
            }.get(nature, "已履行法定义务")
        return row

    def commitment_row(self, p: Party) -> dict[str, str]:
        ctype, matter, content, dept_key = self.rng.choice(_COMMITMENTS)
        dept = DEPARTMENTS[dept_key]
        day = self.day_between(self.ref - timedelta(days=3 * 365), self.ref - timedelta(days=1))
        row = {
            "承诺类型": ctype, "承诺主体名称": p.name, "主体类别": p.subject_type,
            "承诺事项": matter, "承诺内容": content, "承诺日期": self.fmt_date(day),
            "承诺受理单位": dept.name,
            "有效期至": (day + timedelta(days=self.rng.choice((365, 730, 1095)))).isoformat(),
            "履约状态": self.rng.choices(("履约", "履约中", "未履约"), weights=(6, 3, 1))[0],
            "数据来源单位": dept.name,
        }
        if p.is_person:
            row["证件号码"] = p.id_number
        else:
            row["统一社会信用代码"] = p.uscc
        return row

    def evaluation_rows(self, p: Party) -> list[dict[str, str]]:
        rows = []
        if p.subject_type in ("企业法人", "个体工商户", "农民专业合作社") and self.rng.random() < 0.6:
            year = self.ref.year - self.rng.choice((1, 1, 2, 3))
            rated = date(year + 1, 4, self.rng.randrange(10, 28))
            rows.append(self.evaluation(p, "纳税信用等级", self.rng.choices(
                "ABMCD", weights=(25, 40, 20, 10, 5))[0], year, rated, "tax"))
        if p.subject_type == "企业法人" and self.rng.random() < 0.12:
            year = self.ref.year - 1
            grade = self.rng.choices(("环保诚信企业", "环保良好企业", "环保警示企业", "环保不良企业"),
                                     weights=(15, 60, 18, 7))[0]
            rows.append(self.evaluation(p, "环境信用评价", grade, year, date(year + 1, 6, 30), "env"))
        if p.subject_type == "企业法人" and self.rng.random() < 0.1:
            rated = self.day_between(self.ref - timedelta(days=300), self.ref - timedelta(days=1))
            rows.append(self.evaluation(p, "公共信用综合评价", self.rng.choice("ABBBCD"),
                                        rated.year, rated, "ndrc"))
        return rows

    def evaluation(self, p: Party, category: str, grade: str, year: int, rated: date,
                   dept_key: str) -> dict[str, str]:
        dept = DEPARTMENTS[dept_key]
        return {
            "主体名称": p.name, "统一社会信用代码": p.uscc, "评价类别": category,
            "评价结果": grade, "评价年度": str(year), "评价单位": dept.name,
            "评价日期": self.fmt_date(rated), "数据来源单位": dept.name,
        }


def _complete(kind: str, row: dict[str, str]) -> dict[str, str]:
    """Every column of the kind, in the standard's order, empty where there is no value."""
    return {column: row.get(column, "") for column in SPECS[kind].columns}


def generate_city(
    entities: int,
    seed: int,
    reference: date = REFERENCE_DATE,
    records_per_subject: float | None = None,
) -> dict[str, list[dict[str, str]]]:
    """Rows for every import kind: `entities` subjects and about three records each.

    `records_per_subject` (for benchmarks, e.g. 10) adds penalties and licences to random
    subjects until the records reach that average; each has its own decision number.
    """
    gen = _Generator(seed, reference)
    out: dict[str, list[dict[str, str]]] = {kind: [] for kind in SPECS}
    parties: list[Party] = []
    for _ in range(entities):
        p = gen.party()
        parties.append(p)
        out["entities"].append(gen.entity_row(p))
        rng = gen.rng
        if not p.is_person:
            for _ in range(rng.choices((0, 1, 2), weights=(30, 50, 20))[0]):
                out["license"].append(gen.license_row(p))
        for _ in range(rng.choices((0, 1, 2, 3), weights=(35, 40, 18, 7))[0]):
            out["penalty"].append(gen.penalty_row(p))
        if rng.random() < 0.18:
            row = gen.list_row(p)
            if row:
                out["list"].append(row)
        if rng.random() < 0.35:
            out["commitment"].append(gen.commitment_row(p))
        if not p.is_person:
            out["evaluation"].extend(gen.evaluation_rows(p))
    if records_per_subject and parties:
        total = sum(len(rows) for kind, rows in out.items() if kind != "entities")
        for _ in range(round(entities * records_per_subject) - total):
            p = gen.rng.choice(parties)
            if p.is_person or gen.rng.random() < 0.55:
                out["penalty"].append(gen.penalty_row(p))
            else:
                out["license"].append(gen.license_row(p))
    return {kind: [_complete(kind, row) for row in rows] for kind, rows in out.items()}
