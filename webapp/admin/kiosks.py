"""Hall kiosks in the back office: register, enrol a machine, disable; prints per kiosk.

Enrolment is done by an administrator on the kiosk machine itself: the button sets the
device cookie on that browser (HttpOnly, never shown, never in a URL) and logs the
administrator out, so the kiosk is left with no staff session.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, g, redirect, render_template, request, session, url_for
from flask_login import logout_user
from flask_wtf import FlaskForm
from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from webapp.admin import bp
from webapp.admin.access import current_staff, staff_required
from webapp.extensions import db
from webapp.kiosk.device import set_device_cookie
from webapp.models.kiosk import Kiosk
from webapp.models.staff import Role
from webapp.services import kiosks as kiosk_service
from webapp.services.audit import audit


class KioskForm(FlaskForm):
    name = StringField("查询机名称", validators=[
        DataRequired("请填写名称。"), Length(max=64, message="不超过 64 个字。")])
    location = StringField("放置位置", validators=[
        DataRequired("请填写放置位置。"), Length(max=200, message="不超过 200 个字。")])
    idle_seconds = IntegerField("无操作多少秒后开始倒计时（留空：系统默认）", validators=[
        Optional(), NumberRange(5, 3600, "应在 5 到 3600 秒之间。")])


class ActionForm(FlaskForm):
    """Only a CSRF token: enrol and disable are POSTs."""


def _kiosk_or_404(kiosk_id: int) -> Kiosk:
    return db.session.get(Kiosk, kiosk_id) or abort(404)


@bp.route("/kiosks", methods=["GET", "POST"])
@staff_required(Role.ADMIN)
def kiosks() -> Any:
    form = KioskForm()
    if form.validate_on_submit():
        try:
            kiosk = kiosk_service.register_kiosk(db.session, form.name.data or "",
                                                 form.location.data or "", form.idle_seconds.data)
        except kiosk_service.KioskError as error:
            db.session.rollback()
            flash(str(error), "error")
        else:
            audit(db.session, current_staff(), "kiosk.register", f"kiosk:{kiosk.id}",
                  after={"name": kiosk.name, "location": kiosk.location}, ip=request.remote_addr)
            db.session.commit()
            flash(f"已登记查询机“{kiosk.name}”。请在该机器上登录后台，点击“在本机启用”。",
                  "success")
            return redirect(url_for("admin.kiosks"), code=303)
    return render_template("admin/kiosks.html", form=form, action=ActionForm(),
                           kiosks=kiosk_service.all_kiosks(db.session))


@bp.post("/kiosks/<int:kiosk_id>/enrol")
@staff_required(Role.ADMIN)
def kiosk_enrol(kiosk_id: int) -> Any:
    kiosk = _kiosk_or_404(kiosk_id)
    if not ActionForm().validate_on_submit():
        return redirect(url_for("admin.kiosks"), code=303)
    try:
        secret = kiosk_service.enrol(db.session, kiosk)
    except kiosk_service.KioskError as error:
        db.session.rollback()
        flash(str(error), "error")
        return redirect(url_for("admin.kiosks"), code=303)
    audit(db.session, current_staff(), "kiosk.enrol", f"kiosk:{kiosk.id}",
          ip=request.remote_addr)
    db.session.commit()
    logout_user()  # the kiosk keeps no staff session
    session.clear()
    g.pop("csrf_token", None)
    response = redirect(url_for("kiosk.start"), code=303)
    set_device_cookie(response, secret)
    return response


@bp.post("/kiosks/<int:kiosk_id>/disable")
@staff_required(Role.ADMIN)
def kiosk_disable(kiosk_id: int) -> Any:
    kiosk = _kiosk_or_404(kiosk_id)
    if ActionForm().validate_on_submit():
        kiosk_service.disable(db.session, kiosk)
        audit(db.session, current_staff(), "kiosk.disable", f"kiosk:{kiosk.id}",
              ip=request.remote_addr)
        db.session.commit()
        flash(f"已停用查询机“{kiosk.name}”。", "info")
    return redirect(url_for("admin.kiosks"), code=303)
