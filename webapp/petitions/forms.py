"""Public petition forms (Flask-WTF: CSRF on, length limits, honeypot, optional CAPTCHA)."""

from __future__ import annotations

from typing import Any

from flask_wtf import FlaskForm
from flask_wtf.file import MultipleFileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length, Optional, Regexp, ValidationError

PHONE = Regexp(r"^1[3-9]\d{9}$", message="请填写 11 位手机号码。")
COMPLAINT_CATEGORIES = [SelectChoice(c, c) for c in
                        ("价格欺诈", "虚假宣传", "食品安全", "产品质量", "合同违约", "其他")]
GOV_CATEGORIES = [
    SelectChoice("合同违约", "不履行合同约定"), SelectChoice("政策不兑现", "招商引资政策不兑现"),
    SelectChoice("拖欠账款", "拖欠企业账款"), SelectChoice("其他", "其他"),
]


class _Chinese(FlaskForm):
    class Meta:
        # WTForms' own messages (bad date, bad choice, …) in Chinese; Flask-Babel is not used.
        locales = ("zh",)


class _Base(_Chinese):
    form_token = HiddenField()  # one-time token: a double click makes one case
    website = StringField("请勿填写此项", validators=[Optional()])  # honeypot, hidden by CSS
    captcha = StringField("验证码", validators=[
        Optional(), Length(max=10, message="验证码为 5 位数字。")])
    description = TextAreaField("具体情况", validators=[
        DataRequired("请填写具体情况。"), Length(max=5000, message="不超过 5000 字。")])
    contact_name = StringField("联系人姓名", validators=[
        Optional(), Length(max=64, message="不超过 64 字。")])
    contact_phone = StringField("联系电话", validators=[Optional(), PHONE])
    attachments = MultipleFileField("证明材料（JPG、PNG、PDF，最多 5 个，每个不超过 10 MB）")

    def validate_website(self, field: StringField) -> None:
        if field.data:
            raise ValidationError("提交失败。")


class ComplaintForm(_Base):
    field_order = ("target_name", "category", "title", "description", "happened_on", "place",
                   "contact_name", "contact_phone", "anonymous", "attachments", "captcha")
    target_name = StringField("被投诉的单位", validators=[
        Optional(), Length(max=200, message="不超过 200 字。")])
    category = SelectField("投诉类别", choices=COMPLAINT_CATEGORIES)
    title = StringField("投诉标题", validators=[
        DataRequired("请填写标题。"), Length(max=100, message="标题不超过 100 字。")])
    happened_on = DateField("发生日期", validators=[Optional()])
    place = StringField("发生地点", validators=[
        Optional(), Length(max=200, message="不超过 200 字。")])
    anonymous = BooleanField("匿名投诉（匿名后无法电话回复）")

    def validate(self, extra_validators: Any = None) -> bool:
        # Not an inline validator: Optional() on the phone stops those when it is empty.
        ok = super().validate(extra_validators)
        if not self.anonymous.data and not self.contact_phone.data:
            self.contact_phone.errors = [*self.contact_phone.errors,
                                         "请填写联系电话，或选择匿名投诉。"]
            return False
        return ok


class ObjectionForm(_Base):
    wrong_fields = StringField("有误的内容（如：处罚内容、决定日期）", validators=[
        DataRequired("请说明哪些内容有误。"), Length(max=500, message="不超过 500 字。")])
    contact_phone = StringField("联系电话", validators=[DataRequired("请填写联系电话。"), PHONE])


class RepairForm(_Base):
    description = TextAreaField("履行情况说明", validators=[
        DataRequired("请说明履行情况。"), Length(max=5000, message="不超过 5000 字。")])
    contact_phone = StringField("联系电话", validators=[DataRequired("请填写联系电话。"), PHONE])


class TrackForm(_Chinese):
    """Also the proof on the status page's own forms (催办, attachments)."""

    number = StringField("案件编号", validators=[
        DataRequired("请填写案件编号。"), Length(max=24, message="案件编号格式不正确。")])
    code = StringField("查询码", validators=[
        DataRequired("请填写查询码。"), Length(max=16, message="查询码格式不正确。")])


class NudgeForm(_Chinese):
    pass
