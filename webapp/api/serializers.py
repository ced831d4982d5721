"""JSON shapes of the public API (the same data the pages show, masked the same way)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any

from webapp.models import Record, Subject
from webapp.public.results import RecordHit, SubjectHit
from webapp.routing import public_url
from webapp.rules.masking import mask_id_number
from webapp.services import profiles
from webapp.services.clock import to_local
from webapp.services.profiles import Profile, PublicRecord


def _date(value: date | None) -> str | None:
    return value.isoformat() if value else None


def _amount(value: Decimal | None) -> str | None:
    return format(value.normalize(), "f") if value is not None else None


def subject_json(subject: Subject, display_name: str) -> dict[str, Any]:
    data: dict[str, Any] = {
        "id": subject.id,
        "name": display_name,
        "uscc": subject.uscc,
        "subject_type": subject.subject_type,
        "region": subject.region.name if subject.region else None,
        "url": public_url("public.subject", subject_id=subject.id),
    }
    if subject.is_natural_person:
        data["id_number"] = mask_id_number(subject.id_number)
    return data


def record_json(item: PublicRecord) -> dict[str, Any]:
    r: Record = item.record
    return {
        "id": r.id,
        "kind": r.kind,
        "section": profiles.section_key(r),
        "label": profiles.record_label(r),
        "doc_number": r.doc_number,
        "title": item.title or None,
        "content": item.content or None,
        "facts": item.facts or None,
        "legal_basis": item.legal_basis or None,
        "list_type": r.list_type,
        "list_nature": r.list_nature,
        "severity": r.severity,
        "grade": r.grade,
        "amount_wan_yuan": _amount(r.amount),
        "decided_on": _date(r.decided_on),
        "valid_from": _date(r.valid_from),
        "valid_until": _date(r.valid_until),
        "public_until": _date(r.public_until),
        "department": r.department.name if r.department else None,
        "published_at": to_local(r.published_at).isoformat() if r.published_at else None,
        "under_objection": item.under_objection,
        "details": dict(item.more),
        "url": public_url("public.record", record_id=r.id),
    }


def profile_json(profile: Profile) -> dict[str, Any]:
    s = profile.subject
    subject = subject_json(s, profile.display_name)
    if not s.is_natural_person:
        subject.update({
            "legal_representative": profile.legal_representative or None,
            "founded_on": _date(s.founded_on),
            "registration_status": s.registration_status,
            "registration_authority": s.registration_authority,
            "address": s.address,
            "business_scope": s.business_scope,
            "former_names": list(s.former_names or []),
        })
    return {
        "as_of": profile.as_of.isoformat(),
        "subject": subject,
        "status": profiles.status_json(profile.status),
        "counts": {section.key: section.count for section in profile.sections},
        "sections": [
            {
                "key": section.key,
                "label": section.label,
                "count": section.count,
                "records": [record_json(item) for item in section.records],
                "empty_text": None if section.records else profiles.EMPTY_SECTION_TEXT,
            }
            for section in profile.sections
        ],
        "links": {
            "profile": public_url("public.subject", subject_id=s.id),
            "report": f"{public_url('public.subject', subject_id=s.id)}/report.pdf",
            "credit_code": f"{public_url('public.subject', subject_id=s.id)}/code"
            if s.uscc else None,
        },
    }


def subject_hit_json(hit: SubjectHit) -> dict[str, Any]:
    data = subject_json(hit.subject, hit.display_name)
    data["highlight"] = str(hit.highlight)
    data["status"] = profiles.status_json(hit.status)
    return data


def record_hit_json(hit: RecordHit) -> dict[str, Any]:
    r = hit.record
    return {
        "id": r.id,
        "kind": r.kind,
        "label": hit.label,
        "title": hit.title or None,
        "doc_number": r.doc_number,
        "list_type": r.list_type,
        "list_nature": r.list_nature,
        "decided_on": _date(r.decided_on),
        "department": r.department.name if r.department else None,
        "under_objection": hit.under_objection,
        "highlight": str(hit.highlight),
        "subject": {
            "id": r.subject_id,
            "name": hit.subject_name,
            "uscc": r.subject.uscc,
            "url": public_url("public.subject", subject_id=r.subject_id),
        },
        "url": public_url("public.record", record_id=r.id),
    }
