"""The vocabularies of the domain (DOMAIN.md, DATA-STANDARD.md)."""

from __future__ import annotations

from enum import StrEnum


class RecordKind(StrEnum):
    LICENSE = "license"
    PENALTY = "penalty"
    LIST = "list"
    COMMITMENT = "commitment"
    EVALUATION = "evaluation"


RECORD_KIND_LABELS = {
    RecordKind.LICENSE: "行政许可",
    RecordKind.PENALTY: "行政处罚",
    RecordKind.LIST: "名单信息",
    RecordKind.COMMITMENT: "信用承诺",
    RecordKind.EVALUATION: "信用评价",
}


class ListNature(StrEnum):
    RED = "red"
    BLACK = "black"
    WATCH = "watch"
    ABNORMAL = "abnormal"


LIST_NATURE_LABELS = {
    ListNature.RED: "红名单",
    ListNature.BLACK: "黑名单",
    ListNature.WATCH: "重点关注",
    ListNature.ABNORMAL: "经营异常",
}
LIST_NATURE_BY_LABEL = {label: nature for nature, label in LIST_NATURE_LABELS.items()}


class Visibility(StrEnum):
    PUBLIC = "public"
    OBJECTION = "objection"  # 异议处理中: still shown, marked
    ARCHIVED = "archived"  # 信用修复 approved: kept as an archive, never shown
    REVOKED = "revoked"  # 撤销 (e.g. an upheld objection, a removal from a list)
    EXPIRED = "expired"  # past its publicity period / validity
    UNPUBLISHED = "unpublished"  # 依规不予公示: stored and counted, never shown (2026 measures)


VISIBILITY_LABELS = {
    Visibility.PUBLIC: "公示中",
    Visibility.OBJECTION: "异议处理中",
    Visibility.ARCHIVED: "已修复（转档案保存）",
    Visibility.REVOKED: "已撤销",
    Visibility.EXPIRED: "已届满",
    Visibility.UNPUBLISHED: "依规不予公示",
}
SHOWN_VISIBILITIES = (Visibility.PUBLIC, Visibility.OBJECTION)
SEVERITY_LABELS = {"minor": "轻微", "general": "一般", "serious": "严重"}


class Severity(StrEnum):
    MINOR = "minor"  # 轻微失信
    GENERAL = "general"  # 一般失信
    SERIOUS = "serious"  # 严重失信


SUBJECT_TYPES = (
    "企业法人", "个体工商户", "农民专业合作社", "社会组织", "事业单位", "机关", "自然人",
)
NATURAL_PERSON = "自然人"
SOLE_TRADER = "个体工商户"
REGISTRATION_STATES = ("存续", "在业", "吊销", "注销", "迁出")
