"""Accountability and official answers: indicators with readings on plan items, local targets on plan items,
results with updates and links to proposals, plan items, indicators and SDG targets; drafts of the city's
answers; the "proposal answered" notification.

Revision ID: ca41c43b6d70
Revises: 9b52c20ec0a3
Create Date: 2026-11-28 22:34:22.192116

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'ca41c43b6d70'
down_revision = '9b52c20ec0a3'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment", "flag", "budget", "poll")
NOTIFICATION_KINDS = ("reply", "mention", "comment_on_proposal", "followed_comment", "followed_change",
                      "content_hidden")
STATES = "'published', 'withdrawn', 'evaluating', 'accepted', 'rejected', 'implemented'"


def _check(table, name, values):
    listed = ", ".join(f"'{v}'" for v in values)
    column = "target_type" if table == "audit_events" else "kind"
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _check('audit_events', 'target_type_valid', AUDIT_TARGETS + ("local_target", "indicator", "result"))
    _check('notifications', 'kind_valid', NOTIFICATION_KINDS + ("proposal_answered", "rounds_changed"))
    op.create_table('indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('sdg_indicator_code', sa.String(length=12), nullable=True),
    sa.Column('name_ko', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('baseline_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('baseline_year', sa.Integer(), nullable=True),
    sa.Column('target_value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('target_year', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("name_en <> '' OR name_ko <> ''", name=op.f('ck_indicators_name_given')),
    sa.CheckConstraint('baseline_year IS NULL OR (baseline_year BETWEEN 1900 AND 2100)', name=op.f('ck_indicators_baseline_year_range')),
    sa.CheckConstraint('target_year IS NULL OR (target_year BETWEEN 1900 AND 2100)', name=op.f('ck_indicators_target_year_range')),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_indicators_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_indicator_code'], ['sdg_indicators.code'], name=op.f('fk_indicators_sdg_indicator_code_sdg_indicators'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicators'))
    )
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicators_plan_item_id'), ['plan_item_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_indicators_sdg_indicator_code'), ['sdg_indicator_code'], unique=False)

    op.create_table('plan_item_local_targets',
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('local_target_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['local_target_id'], ['local_targets.id'], name=op.f('fk_plan_item_local_targets_local_target_id_local_targets'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_plan_item_local_targets_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('plan_item_id', 'local_target_id', name=op.f('pk_plan_item_local_targets'))
    )
    with op.batch_alter_table('plan_item_local_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_local_targets_local_target_id'), ['local_target_id'], unique=False)

    op.create_table('results',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=True),
    sa.Column('parent_id', sa.Integer(), nullable=True),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('status', sa.String(length=11), nullable=False),
    sa.Column('progress', sa.Numeric(precision=5, scale=2), server_default='0', nullable=False),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_results_status_valid')),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_results_title_given')),
    sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name=op.f('ck_results_dates_ordered')),
    sa.CheckConstraint('parent_id IS NULL OR parent_id <> id', name=op.f('ck_results_not_own_parent')),
    sa.CheckConstraint('progress >= 0 AND progress <= 100', name=op.f('ck_results_progress_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_results_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_results_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['parent_id'], ['results.id'], name=op.f('fk_results_parent_id_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_results_process_id_processes'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_results'))
    )
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_results_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_parent_id'), ['parent_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_results_process_id'), ['process_id'], unique=False)

    op.create_table('indicator_readings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.Column('measured_on', sa.Date(), nullable=False),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_indicator_readings_indicator_id_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['users.id'], name=op.f('fk_indicator_readings_recorded_by_id_users'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_indicator_readings')),
    sa.UniqueConstraint('indicator_id', 'measured_on', name=op.f('uq_indicator_readings_indicator_id_measured_on'))
    )
    with op.batch_alter_table('indicator_readings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_indicator_readings_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('result_indicators',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_result_indicators_indicator_id_indicators'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_indicators_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'indicator_id', name=op.f('pk_result_indicators'))
    )
    with op.batch_alter_table('result_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_indicators_indicator_id'), ['indicator_id'], unique=False)

    op.create_table('result_plan_items',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_result_plan_items_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_plan_items_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'plan_item_id', name=op.f('pk_result_plan_items'))
    )
    with op.batch_alter_table('result_plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_plan_items_plan_item_id'), ['plan_item_id'], unique=False)

    op.create_table('result_proposals',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_result_proposals_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_proposals_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('result_id', 'proposal_id', name=op.f('pk_result_proposals'))
    )
    with op.batch_alter_table('result_proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_proposals_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('result_targets',
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('sdg_target_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_targets_result_id_results'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_target_code'], ['sdg_targets.code'], name=op.f('fk_result_targets_sdg_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('result_id', 'sdg_target_code', name=op.f('pk_result_targets'))
    )
    with op.batch_alter_table('result_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_targets_sdg_target_code'), ['sdg_target_code'], unique=False)

    op.create_table('result_updates',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('result_id', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('status', sa.String(length=11), nullable=False),
    sa.Column('progress', sa.Numeric(precision=5, scale=2), nullable=True),
    sa.Column('text_ko', sa.Text(), nullable=False),
    sa.Column('text_en', sa.Text(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("status IN ('planned', 'in_progress', 'completed', 'cancelled')", name=op.f('ck_result_updates_status_valid')),
    sa.CheckConstraint('progress IS NULL OR (progress >= 0 AND progress <= 100)', name=op.f('ck_result_updates_progress_range')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_result_updates_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['result_id'], ['results.id'], name=op.f('fk_result_updates_result_id_results'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_result_updates'))
    )
    with op.batch_alter_table('result_updates', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_result_updates_result_id'), ['result_id'], unique=False)

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('answered_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('answer_draft', sa.Text(), nullable=True))
        batch_op.add_column(sa.Column('answer_draft_state', sa.String(length=11), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_proposals_answered_by_id_users'), 'users', ['answered_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_proposals_answer_draft_state_valid'),
                                         f"answer_draft_state IN ({STATES})")
        batch_op.create_check_constraint(op.f('ck_proposals_answer_has_time'),
                                         '(answer IS NULL) = (answered_at IS NULL)')


def downgrade():
    op.execute("DELETE FROM audit_events WHERE target_type IN ('local_target', 'indicator', 'result')")
    op.execute("DELETE FROM notifications WHERE kind IN ('proposal_answered', 'rounds_changed')")
    _check('audit_events', 'target_type_valid', AUDIT_TARGETS)
    _check('notifications', 'kind_valid', NOTIFICATION_KINDS)
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_proposals_answer_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposals_answer_draft_state_valid'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_proposals_answered_by_id_users'), type_='foreignkey')
        batch_op.drop_column('answer_draft_state')
        batch_op.drop_column('answer_draft')
        batch_op.drop_column('answered_by_id')

    with op.batch_alter_table('result_updates', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_updates_result_id'))

    op.drop_table('result_updates')
    with op.batch_alter_table('result_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_targets_sdg_target_code'))

    op.drop_table('result_targets')
    with op.batch_alter_table('result_proposals', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_proposals_proposal_id'))

    op.drop_table('result_proposals')
    with op.batch_alter_table('result_plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_plan_items_plan_item_id'))

    op.drop_table('result_plan_items')
    with op.batch_alter_table('result_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_result_indicators_indicator_id'))

    op.drop_table('result_indicators')
    with op.batch_alter_table('indicator_readings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicator_readings_indicator_id'))

    op.drop_table('indicator_readings')
    with op.batch_alter_table('results', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_results_process_id'))
        batch_op.drop_index(batch_op.f('ix_results_parent_id'))
        batch_op.drop_index(batch_op.f('ix_results_city_id'))

    op.drop_table('results')
    with op.batch_alter_table('plan_item_local_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_local_targets_local_target_id'))

    op.drop_table('plan_item_local_targets')
    with op.batch_alter_table('indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_indicators_sdg_indicator_code'))
        batch_op.drop_index(batch_op.f('ix_indicators_plan_item_id'))

    op.drop_table('indicators')
