"""Back office forms (Flask-WTF, CSRF on)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from wtforms import (
    BooleanField,
    HiddenField,
    PasswordField,
    RadioField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, InputRequired, Length, Optional


class LoginForm(FlaskForm):
    username = StringField("用户名", validators=[
        DataRequired("请填写用户名。"), Length(max=64, message="用户名不超过 64 个字符。")])
    password = PasswordField("密码", validators=[
        DataRequired("请填写密码。"), Length(max=256, message="密码过长。")])
    next = HiddenField()


class LogoutForm(FlaskForm):
    """Only a CSRF token: logging out is a POST, so a link on another site cannot do it."""


# --- the case queue and case actions -------------------------------------------------------

KIND_LABELS = {"complaint": "投诉举报", "gov_complaint": "政府失信投诉",
               "objection": "异议申诉", "repair": "信用修复"}
STATE_LABELS = {"submitted": "待受理", "accepted": "已受理", "rejected": "不予受理",
                "verifying": "核查中", "decided": "已答复", "closed": "已办结"}
#: What "upheld" and "dismissed" mean for each case kind.
OUTCOME_LABELS = {
    "complaint": {"upheld": "投诉属实", "dismissed": "投诉不属实"},
    "gov_complaint": {"upheld": "投诉属实", "dismissed": "投诉不属实"},
    "objection": {"upheld": "异议成立", "dismissed": "异议不成立"},
    "repair": {"upheld": "准予修复", "dismissed": "不予修复"},
}
#: What each outcome does, stated beside it (the clerk must not have to know it).
OUTCOME_CONSEQUENCES = {
    "complaint": {"upheld": "答复投诉人属实并依法处理；不改变公示信息",
                  "dismissed": "答复投诉人不属实；不改变公示信息"},
    "gov_complaint": {"upheld": "答复投诉人属实并督促整改；不改变公示信息",
                      "dismissed": "答复投诉人不属实；不改变公示信息"},
    "objection": {"upheld": "将更正或撤销公示信息（按下方选择），公众立即可见",
                  "dismissed": "信息恢复公示，内容不变"},
    "repair": {"upheld": "该信息停止公示（信用修复），公众立即看不到",
               "dismissed": "信息继续公示，内容不变"},
}
#: The confirmation box of each irreversible case action: it names the public effect.
CONFIRM_LABELS = {
    "reject": "我确认不予受理：申请人将在查询页面看到不予受理及理由，案件随即结束，不能撤回",
    "decide": "我确认答复：答复将发送给申请人，不能修改；处理结果对公示信息的影响（见上方所选项）"
              "公众立即可见",
    "close": "我确认办结：案件结束，不能再办理",
    "bulk_close": "我确认将所选的已答复案件全部办结：案件结束，不能再办理",
}
CONFIRM_REQUIRED = "请勾选确认后再提交。"


def choices(labels: dict[Any, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


NOTE = Length(max=5000, message="不超过 5000 字。")


class QueueFilterForm(FlaskForm):
    """GET filters of the queue: no CSRF (it changes nothing), unknown values ignored."""

    class Meta:
        csrf = False

    kind = SelectField("类型", choices=choices({"": "全部类型", **KIND_LABELS}),
                       validators=[Optional()])
    state = SelectField("状态", choices=choices({"": "全部状态", "open": "未办结",
                                               **STATE_LABELS}), validators=[Optional()])
    department = SelectField("部门", choices=choices({"": "全部部门"}), validators=[Optional()])
    overdue = BooleanField("只看已超期")
    q = StringField("搜索（编号、标题、主体）", validators=[Optional(), Length(max=100)])
    due = SelectField("期限", choices=choices({"": "全部期限", "overdue": "已超期",
                                             "today": "今天到期", "soon": "3 个工作日内到期",
                                             "new": "上次登录以来新收到"}),
                      validators=[Optional()])
    assignee = SelectField("承办人", choices=choices({"": "全部", "me": "指派给我",
                                                   "none": "未指派"}), validators=[Optional()])
    sort = SelectField("排序", choices=choices({"due": "按期限（先到期在前）",
                                              "received": "按收到日期（新的在前）",
                                              "number": "按案件编号"}),
                       validators=[Optional()])


class AcceptForm(FlaskForm):
    note = TextAreaField("受理意见", validators=[Optional(), NOTE])


def _confirm(action: str) -> BooleanField:
    return BooleanField(CONFIRM_LABELS[action], validators=[DataRequired(CONFIRM_REQUIRED)])


class RejectForm(FlaskForm):
    reason = TextAreaField("不予受理理由（将告知申请人）", validators=[
        DataRequired("请填写不予受理的理由。"), NOTE])
    confirm = _confirm("reject")


class VerifyForm(FlaskForm):
    note = TextAreaField("核查说明", validators=[Optional(), NOTE])


class DecideForm(FlaskForm):
    outcome = RadioField("处理结果", choices=choices({"upheld": "成立", "dismissed": "不成立"}),
                         validators=[InputRequired("请选择处理结果。")])
    reply = TextAreaField("书面答复", validators=[DataRequired("请填写书面答复。"), NOTE])
    # Objections only: correct the record's fields, or revoke the record entirely.
    effect = RadioField("异议成立时", choices=choices({
        "correct": "更正信息：按下方修改后的内容继续公示",
        "revoke": "撤销该信息：停止公示，公众不再看到"}),
                        default="correct", validators=[Optional()])
    title = StringField("信息名称/事项", validators=[Optional(), Length(max=255)])
    doc_number = StringField("决定文书号", validators=[Optional(), Length(max=128)])
    content = TextAreaField("内容", validators=[Optional(), Length(max=20000)])
    facts = TextAreaField("违法事实/列入原因", validators=[Optional(), Length(max=20000)])
    legal_basis = TextAreaField("依据", validators=[Optional(), Length(max=20000)])
    # Typed fields, written as a department's file would (parsed by services.corrections).
    decided_on = StringField("决定日期", validators=[Optional(), Length(max=32)])
    amount = StringField("罚款金额（万元）", validators=[Optional(), Length(max=32)])
    penalty_types = StringField("处罚类别", validators=[Optional(), Length(max=255)])
    severity = StringField("失信程度（轻微/一般/严重）", validators=[Optional(), Length(max=8)])
    valid_until = StringField("有效期至", validators=[Optional(), Length(max=32)])
    public_until = StringField("公示截止日期", validators=[Optional(), Length(max=32)])
    confirm = _confirm("decide")


class CloseForm(FlaskForm):
    note = TextAreaField("办结说明", validators=[Optional(), NOTE])


class AssignForm(FlaskForm):
    assignee = SelectField("指派给", coerce=int, validate_choice=True)


class BulkCloseForm(FlaskForm):
    confirm = _confirm("bulk_close")


class ReassignForm(FlaskForm):
    department = SelectField("转交部门", coerce=int, validate_choice=True)
    note = TextAreaField("转交说明", validators=[Optional(), NOTE])
