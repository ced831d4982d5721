"""The OpenAPI 3.1 description of the public JSON API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from webapp.rules.kinds import SUBJECT_TYPES, ListNature, RecordKind

_STR = {"type": "string"}
_STR_NULL = {"type": ["string", "null"]}
_DATE_NULL = {"type": ["string", "null"], "format": "date"}

ERROR = {
    "type": "object",
    "required": ["error", "reason", "status"],
    "properties": {"error": _STR, "reason": _STR, "status": {"type": "integer"}},
}
STATUS = {
    "type": "object",
    "description": "信用状态：red 严重失信 / yellow 信用警示 / green 信用良好 / "
                   "grey 已吊销、已注销或已迁出（不发放信用码）；"
                   "honoured = 守信激励对象",
    "properties": {
        "colour": {"enum": ["red", "yellow", "green", "grey"]},
        "colour_label": _STR, "label": _STR, "meaning": _STR,
        "reasons": {"type": "array", "items": _STR}, "honoured": {"type": "boolean"},
    },
}
SUBJECT = {
    "type": "object",
    "description": "自然人姓名除法定须公开的名单外均脱敏，证件号码只显示前4位和后4位",
    "properties": {
        "id": {"type": "integer"}, "name": _STR, "uscc": _STR_NULL, "subject_type": _STR,
        "region": _STR_NULL, "url": _STR,
        "id_number": {"type": "string", "description": "仅自然人，已脱敏"},
        "legal_representative": _STR_NULL, "founded_on": _DATE_NULL,
        "registration_status": _STR_NULL, "registration_authority": _STR_NULL,
        "address": _STR_NULL, "business_scope": _STR_NULL,
        "former_names": {"type": "array", "items": _STR},
    },
}
RECORD = {
    "type": "object",
    "properties": {
        "id": {"type": "integer"},
        "kind": {"enum": [k.value for k in RecordKind]},
        "section": {"enum": ["license", "penalty", "red", "black", "watch", "abnormal",
                             "commitment", "evaluation"]},
        "label": _STR, "doc_number": _STR_NULL, "title": _STR_NULL, "content": _STR_NULL,
        "facts": _STR_NULL, "legal_basis": _STR_NULL, "list_type": _STR_NULL,
        "list_nature": {"enum": ["red", "black", "watch", "abnormal", None]},
        "severity": {"enum": ["general", "serious", None]}, "grade": _STR_NULL,
        "amount_wan_yuan": {"type": ["string", "null"], "description": "万元，十进制字符串"},
        "decided_on": {"type": "string", "format": "date"}, "valid_from": _DATE_NULL,
        "valid_until": _DATE_NULL, "public_until": _DATE_NULL, "department": _STR_NULL,
        "published_at": {"type": ["string", "null"], "format": "date-time"},
        "under_objection": {"type": "boolean", "description": "异议处理中"},
        "details": {"type": "object", "additionalProperties": _STR,
                    "description": "部门报送文件中的其他公开字段（如处罚类别、许可编号）"},
        "url": _STR,
    },
}
PROFILE = {
    "type": "object",
    "properties": {
        "as_of": {"type": "string", "format": "date"},
        "subject": SUBJECT,
        "status": STATUS,
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
        "sections": {"type": "array", "items": {
            "type": "object",
            "properties": {
                "key": _STR, "label": _STR, "count": {"type": "integer"},
                "records": {"type": "array", "items": RECORD},
                "empty_text": {"type": ["string", "null"],
                               "description": "空栏目时为“查询期内无相关信息”"},
            },
        }},
        "links": {"type": "object", "properties": {
            "profile": _STR, "report": _STR, "credit_code": _STR_NULL}},
    },
}
SEARCH = {
    "type": "object",
    "properties": {
        "query": _STR, "kind": _STR, "page": {"type": "integer"}, "per_page": {"type": "integer"},
        "sort": {"enum": ["relevance", "date"]},
        "filters": {"type": "object", "description": "生效的筛选条件"},
        "subjects": {"type": "object", "properties": {
            "total": {"type": "integer"},
            "total_exact": {"type": "boolean", "description": "false: total is an estimate"},
            "hits": {"type": "array", "items": {"allOf": [SUBJECT, {"type": "object",
                     "properties": {"highlight": _STR, "status": STATUS}}]}},
        }},
        "records": {"type": "object", "properties": {
            "total": {"type": "integer"},
            "total_exact": {"type": "boolean", "description": "false: total is an estimate"},
            "hits": {"type": "array", "items": {"type": "object", "properties": {
                "id": {"type": "integer"}, "kind": _STR, "label": _STR, "title": _STR_NULL,
                "doc_number": _STR_NULL, "list_type": _STR_NULL, "list_nature": _STR_NULL,
                "decided_on": {"type": "string", "format": "date"}, "department": _STR_NULL,
                "under_objection": {"type": "boolean"}, "highlight": _STR,
                "subject": {"type": "object", "properties": {
                    "id": {"type": "integer"}, "name": _STR, "uscc": _STR_NULL, "url": _STR}},
                "url": _STR,
            }}},
        }},
    },
}


VERIFY = {
    "type": "object",
    "required": ["valid", "reason", "verdict", "message"],
    "properties": {
        "valid": {"type": "boolean", "description": "真码且未作废、主体存在"},
        "reason": {"enum": ["valid", "alg_not_allowed", "unknown_key", "key_retired",
                            "bad_signature", "revoked"]},
        "verdict": {"enum": ["genuine", "revoked", "forged", "unknown_subject"]},
        "message": _STR, "kid": _STR_NULL, "serial": _STR_NULL,
        "issued_at": {"type": ["integer", "null"], "description": "签发时间（Unix 秒）"},
        "subject": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "uscc": _STR, "name": _STR_NULL,
            "profile_url": _STR, "report_url": _STR}},
        "status": {"anyOf": [STATUS, {"type": "null"}]},
        "counts": {"type": "object", "additionalProperties": {"type": "integer"}},
    },
}


def _error(description: str) -> dict[str, Any]:
    return {"description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}}


def openapi_document(server_url: str) -> dict[str, Any]:
    limited = _error("请求过于频繁（响应头 Retry-After 给出等待秒数）")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "公共信用信息查询 API",
            "version": "1.0.0",
            "description": "只返回当日依法公示的信息；已修复、已撤销、已届满的信息不返回。"
                           "查询自然人信息将进行查询使用登记。",
        },
        "servers": [{"url": server_url}],
        "paths": {
            "/search": {"get": {
                "summary": "搜索信用主体和信用信息",
                "parameters": [
                    {"name": "q", "in": "query", "required": True,
                     "schema": {"type": "string", "maxLength": 100},
                     "description": "名称片段（可空格分隔多个词，须同时匹配）、统一社会信用代码、"
                                    "文书号、拼音全拼或首字母、繁体字；自然人只能按完整身份证号"
                                    "或依法须公开姓名的名单上的完整姓名查询"},
                    {"name": "kind", "in": "query", "required": False,
                     "schema": {"enum": ["all", "subjects", "records",
                                         *(k.value for k in RecordKind)], "default": "all"},
                     "description": "all 主体和信息；subjects 只查主体；records 只查信息；"
                                    "或某一信息类别"},
                    {"name": "page", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 500, "default": 1}},
                    {"name": "sort", "in": "query", "required": False,
                     "schema": {"enum": ["relevance", "date"], "default": "relevance"},
                     "description": "relevance 按相关度（全称、前缀、名称包含、名称与信息内容，"
                                    "同档按时间新到旧，与信用状况无关）；date 按日期新到旧"},
                    {"name": "list_nature", "in": "query", "required": False,
                     "schema": {"enum": [n.value for n in ListNature]},
                     "description": "名单性质（只筛选信用信息）"},
                    {"name": "department_id", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                     "description": "提供部门编号（只筛选信用信息）"},
                    {"name": "region_id", "in": "query", "required": False,
                     "schema": {"type": "integer", "minimum": 1, "maximum": 2147483647},
                     "description": "区域编号"},
                    {"name": "subject_type", "in": "query", "required": False,
                     "schema": {"enum": list(SUBJECT_TYPES)}, "description": "主体类别"},
                    {"name": "date_from", "in": "query", "required": False,
                     "schema": {"type": "string", "format": "date"},
                     "description": "决定日期自（只筛选信用信息）"},
                    {"name": "date_to", "in": "query", "required": False,
                     "schema": {"type": "string", "format": "date"},
                     "description": "决定日期至（只筛选信用信息），不早于 date_from"},
                ],
                "responses": {
                    "200": {"description": "每页 20 条",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/SearchResult"}}}},
                    "400": _error("参数无效"), "429": limited,
                    "503": _error("搜索服务暂不可用"),
                },
            }},
            "/subjects/{uscc}": {"get": {
                "summary": "按统一社会信用代码查询信用档案",
                "parameters": [{"name": "uscc", "in": "path", "required": True,
                                "schema": {"type": "string"},
                                "description": "18位统一社会信用代码（大小写、全角均可）"}],
                "responses": {
                    "200": {"description": "信用档案",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Profile"}}}},
                    "400": _error("统一社会信用代码无效（reason 说明原因）"),
                    "404": _error("未找到信用主体"), "429": limited,
                },
            }},
            "/codes/verify": {"get": {
                "summary": "核验信用码（码上诚信）",
                "description": "token 为二维码网址 /c/ 之后的部分（JWS，EdDSA 签名）。"
                               "格式错误或缺少 token 时返回 400，reason 为 malformed 或 "
                               "missing_token；其他结果（含假码、已作废）均为 200。",
                "parameters": [{"name": "token", "in": "query", "required": True,
                                "schema": {"type": "string"}}],
                "responses": {
                    "200": {"description": "核验结果",
                            "content": {"application/json": {
                                "schema": {"$ref": "#/components/schemas/Verification"}}}},
                    "400": _error("缺少 token 或格式不正确"), "429": limited,
                },
            }},
        },
        "components": {"schemas": {
            "Error": ERROR, "Status": STATUS, "Subject": SUBJECT, "Record": RECORD,
            "Profile": PROFILE, "SearchResult": SEARCH, "Verification": VERIFY,
        }},
    }
