"""The columns of each file kind, exactly as DATA-STANDARD.md names them.

Conditional requirements (a USCC for organisations, an ID number for natural persons) are
checked row by row in `rows.py`; here are only the columns a file must have.
"""

from __future__ import annotations

from dataclasses import dataclass

ENTITY_COLUMNS = (
    "主体名称",
    "统一社会信用代码",
    "主体类别",
    "法定代表人",
    "成立日期",
    "登记机关",
    "住所",
    "经营范围",
    "登记状态",
    "所属区域",
    "曾用名",
    "证件号码",
)

_PARTY_COLUMNS = (
    "行政相对人名称",
    "行政相对人类别",
    "统一社会信用代码",
    "工商注册号",
    "组织机构代码",
    "税务登记号",
    "事业单位证书号",
    "社会组织登记证号",
    "法定代表人",
    "法定代表人证件类型",
    "法定代表人证件号码",
    "证件类型",
    "证件号码",
)

LICENSE_COLUMNS = (
    *_PARTY_COLUMNS,
    "行政许可决定文书名称",
    "行政许可决定文书号",
    "许可类别",
    "许可证书名称",
    "许可编号",
    "许可内容",
    "许可决定日期",
    "有效期自",
    "有效期至",
    "许可机关",
    "许可机关统一社会信用代码",
    "当前状态",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
)

FINE_COLUMN = "罚款金额（万元）"
PENALTY_TYPE_COLUMN = "处罚类别"
CONFISCATION_COLUMN = "没收违法所得、没收非法财物的金额（万元）"

PENALTY_COLUMNS = (
    *_PARTY_COLUMNS,
    "行政处罚决定书文号",
    "违法行为类型",
    "违法事实",
    "处罚依据",
    "处罚类别",
    "处罚内容",
    FINE_COLUMN,
    CONFISCATION_COLUMN,
    "暂扣或吊销证照名称及编号",
    "处罚决定日期",
    "处罚有效期",
    "公示截止期",
    "处罚机关",
    "处罚机关统一社会信用代码",
    "数据来源单位",
    "数据来源单位统一社会信用代码",
    "备注",
)

LIST_COLUMNS = (
    "名单类型",
    "名单性质",
    "主体名称",
    "主体类别",
    "统一社会信用代码",
    "证件号码",
    "法定代表人",
    "列入原因",
    "认定依据",
    "认定部门",
    "列入日期",
    "有效期至",
    "移出日期",
    "移出原因",
    "奖惩措施",
    "文书号",
    "数据来源单位",
    "备注",
)

COMMITMENT_COLUMNS = (
    "承诺类型",
    "承诺主体名称",
    "主体类别",
    "统一社会信用代码",
    "承诺事项",
    "承诺内容",
    "承诺日期",
    "承诺受理单位",
    "有效期至",
    "履约状态",
    "数据来源单位",
    "备注",
    # Not in the standard's table, but a natural person's commitment needs it to find the
    # person (name + ID number); recognised when present rather than put in `extra`.
    "证件号码",
)

EVALUATION_COLUMNS = (
    "主体名称",
    "统一社会信用代码",
    "评价类别",
    "评价结果",
    "评价年度",
    "评价单位",
    "评价日期",
    "有效期至",
    "数据来源单位",
    "备注",
)


@dataclass(frozen=True)
class KindSpec:
    kind: str
    label: str
    columns: tuple[str, ...]
    required: tuple[str, ...]


SPECS: dict[str, KindSpec] = {
    spec.kind: spec
    for spec in (
        # 统一社会信用代码 is required for organisations only: checked per row.
        KindSpec("entities", "主体", ENTITY_COLUMNS, ("主体名称", "主体类别")),
        KindSpec(
            "license",
            "行政许可",
            LICENSE_COLUMNS,
            ("行政许可决定文书号", "许可决定日期", "许可机关", "数据来源单位"),
        ),
        KindSpec(
            "penalty",
            "行政处罚",
            PENALTY_COLUMNS,
            (
                "行政相对人名称",
                "行政相对人类别",
                "行政处罚决定书文号",
                "处罚决定日期",
                "处罚机关",
                "数据来源单位",
            ),
        ),
        KindSpec(
            "list",
            "名单",
            LIST_COLUMNS,
            (
                "名单类型",
                "名单性质",
                "主体名称",
                "主体类别",
                "认定部门",
                "列入日期",
                "数据来源单位",
            ),
        ),
        KindSpec(
            "commitment",
            "信用承诺",
            COMMITMENT_COLUMNS,
            ("承诺类型", "承诺主体名称", "承诺事项", "承诺日期", "承诺受理单位"),
        ),
        KindSpec(
            "evaluation",
            "信用评价",
            EVALUATION_COLUMNS,
            ("主体名称", "统一社会信用代码", "评价类别", "评价结果", "评价单位"),
        ),
    )
}
KINDS = tuple(SPECS)

#: The kinds of 行政处罚法 (2021) art. 9, in its order; older wording maps onto them
#: (values.penalty_types).
PENALTY_TYPES = (
    "警告",
    "通报批评",
    "罚款",
    "没收违法所得",
    "没收非法财物",
    "暂扣许可证件",
    "降低资质等级",
    "吊销许可证件",
    "限制开展生产经营活动",
    "责令停产停业",
    "责令关闭",
    "限制从业",
    "行政拘留",
    "其他",
)
PENALTY_PARTY_TYPES = ("法人及非法人组织", "个体工商户", "自然人")
#: Older exports' names for 法人及非法人组织 (DATA-STANDARD.md).
PARTY_TYPE_ALIASES = {"法人及其他组织": "法人及非法人组织", "法人": "法人及非法人组织",
                      "法人和其他组织": "法人及非法人组织", "非法人组织": "法人及非法人组织"}
COMMITMENT_TYPES = (
    "审批替代型",
    "容缺受理型",
    "证明替代型",
    "信用修复型",
    "行业自律型",
    "主动公示型",
)
FULFILMENT_STATES = ("履约", "未履约", "履约中")
LICENSE_STATES = ("有效", "无效")
