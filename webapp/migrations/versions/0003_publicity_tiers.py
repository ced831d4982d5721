"""publicity tiers of the 2026 measures: minor severity, unpublished visibility, re-evaluation

Adds the 轻微 (minor) tier and the 依规不予公示 (unpublished) state to the records' check
constraints, then re-evaluates every stored penalty under the configured publicity rules of
《信用修复管理办法》 (severity, repair date, computed publicity deadline, and whether it is
published at all). Run `flask reindex` afterwards so the search index drops what is withheld
(pages re-check visibility from the database meanwhile).

Revision ID: 0003_publicity_tiers
Revises: 0002_search_changelog
Create Date: 2026-12-01 09:40:00
"""
from alembic import op
import sqlalchemy as sa
from flask import current_app

revision = '0003_publicity_tiers'
down_revision = '0002_search_changelog'
branch_labels = None
depends_on = None

_VISIBILITY_NEW = "visibility IN ('public', 'objection', 'archived', 'revoked', 'expired', 'unpublished')"
_VISIBILITY_OLD = "visibility IN ('public', 'objection', 'archived', 'revoked', 'expired')"
_SEVERITY_NEW = "severity IS NULL OR severity IN ('minor', 'general', 'serious')"
_SEVERITY_OLD = "severity IS NULL OR severity IN ('general', 'serious')"

records = sa.table(
    'records', sa.column('id', sa.Integer), sa.column('kind', sa.String),
    sa.column('subject_id', sa.Integer), sa.column('decided_on', sa.Date),
    sa.column('amount', sa.Numeric(14, 4)), sa.column('doc_number', sa.String),
    sa.column('content', sa.Text), sa.column('details', sa.JSON), sa.column('extra', sa.JSON),
    sa.column('visibility', sa.String), sa.column('visibility_reason', sa.String),
    sa.column('severity', sa.String), sa.column('repair_eligible_on', sa.Date),
    sa.column('public_until', sa.Date), sa.column('visibility_changed_at', sa.DateTime),
)
subjects = sa.table('subjects', sa.column('id', sa.Integer), sa.column('id_number', sa.String))


def _constraints(visibility: str, severity: str) -> None:
    with op.batch_alter_table('records', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_records_visibility'), type_='check')
        batch_op.drop_constraint(batch_op.f('ck_records_severity'), type_='check')
        batch_op.create_check_constraint(batch_op.f('ck_records_visibility'), visibility)
        batch_op.create_check_constraint(batch_op.f('ck_records_severity'), severity)


def upgrade():
    _constraints(_VISIBILITY_NEW, _SEVERITY_NEW)
    from datetime import datetime, timezone

    from webapp.services.publicity_review import StoredPenalty, review

    config = current_app.config
    connection = op.get_bind()
    query = (sa.select(records, subjects.c.id_number)
             .select_from(records.join(subjects, records.c.subject_id == subjects.c.id))
             .where(records.c.kind == 'penalty'))
    now = datetime.now(timezone.utc)
    updates = []
    for row in connection.execute(query).mappings():
        changes = review(StoredPenalty(
            row['decided_on'], row['amount'], row['doc_number'] or '', row['details'] or {},
            row['extra'] or {}, row['content'] or '', row['visibility'],
            row['visibility_reason'], row['id_number'],
        ), config)
        changes = {k: v for k, v in changes.items() if row[k] != v}
        if 'visibility' in changes:
            changes['visibility_changed_at'] = now
        if changes:
            updates.append((row['id'], changes))
    for record_id, changes in updates:
        connection.execute(records.update().where(records.c.id == record_id).values(**changes))


def downgrade():
    connection = op.get_bind()
    connection.execute(records.update().where(records.c.visibility == 'unpublished')
                       .values(visibility='revoked', visibility_reason='该处罚类别依规定不予公示'))
    connection.execute(records.update().where(records.c.severity == 'minor')
                       .values(severity='general'))
    _constraints(_VISIBILITY_OLD, _SEVERITY_OLD)
