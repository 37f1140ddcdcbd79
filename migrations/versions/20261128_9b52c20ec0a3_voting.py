"""Voting: participants, supports and thresholds, eligibility and resident codes, budgets with ballots and
certified outcomes, ranked polls, secret voter rolls; process slugs.

Revision ID: 9b52c20ec0a3
Revises: d062d948f109
Create Date: 2026-11-28 21:18:36.251727

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9b52c20ec0a3'
down_revision = 'd062d948f109'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment", "flag")


def _audit_targets(values):
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_audit_events_target_type_valid'), type_='check')
        batch_op.create_check_constraint(op.f('ck_audit_events_target_type_valid'), f"target_type IN ({listed})")


def upgrade():
    _audit_targets(AUDIT_TARGETS + ("budget", "poll"))
    op.create_table('budget_outcomes',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('rule', sa.String(length=15), nullable=False),
    sa.Column('winner_ids', sa.JSON(), nullable=False),
    sa.Column('total_cost', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('ballots_counted', sa.Integer(), nullable=False),
    sa.Column('ballots_digest', sa.String(length=64), nullable=False),
    sa.Column('ballots_pb', sa.Text(), nullable=False),
    sa.Column('certified_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('certified_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint("rule IN ('greedy', 'mes', 'mes-add1', 'mes-add1-greedy')", name=op.f('ck_budget_outcomes_rule_valid')),
    sa.ForeignKeyConstraint(['certified_by_id'], ['users.id'], name=op.f('fk_budget_outcomes_certified_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_budget_outcomes_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_budget_outcomes'))
    )
    op.create_table('budgets',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('amount', sa.Numeric(precision=16, scale=2), nullable=False),
    sa.Column('currency', sa.String(length=3), nullable=False),
    sa.Column('ballot_style', sa.String(length=10), nullable=False),
    sa.Column('min_projects', sa.Integer(), nullable=True),
    sa.Column('max_projects', sa.Integer(), nullable=True),
    sa.Column('min_share', sa.Numeric(precision=5, scale=4), nullable=True),
    sa.Column('points_total', sa.Integer(), nullable=True),
    sa.Column('points_max', sa.Integer(), nullable=True),
    sa.Column('rule', sa.String(length=15), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.CheckConstraint("(ballot_style = 'cumulative') = (points_total IS NOT NULL)", name=op.f('ck_budgets_points_for_cumulative')),
    sa.CheckConstraint("ballot_style IN ('approval', 'knapsack', 'cumulative', 'ordinal')", name=op.f('ck_budgets_ballot_style_valid')),
    sa.CheckConstraint("rule IN ('greedy', 'mes', 'mes-add1', 'mes-add1-greedy')", name=op.f('ck_budgets_rule_valid')),
    sa.CheckConstraint('amount > 0', name=op.f('ck_budgets_amount_positive')),
    sa.CheckConstraint('max_projects IS NULL OR max_projects >= 1', name=op.f('ck_budgets_max_projects_range')),
    sa.CheckConstraint('min_projects IS NULL OR max_projects IS NULL OR min_projects <= max_projects', name=op.f('ck_budgets_min_not_above_max')),
    sa.CheckConstraint('min_projects IS NULL OR min_projects >= 0', name=op.f('ck_budgets_min_projects_range')),
    sa.CheckConstraint('min_share IS NULL OR (min_share >= 0 AND min_share <= 1)', name=op.f('ck_budgets_min_share_range')),
    sa.CheckConstraint('points_max IS NULL OR points_max >= 1', name=op.f('ck_budgets_points_max_positive')),
    sa.CheckConstraint('points_total IS NULL OR points_total >= 1', name=op.f('ck_budgets_points_total_positive')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_budgets_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', name=op.f('pk_budgets'))
    )
    op.create_table('participants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=True),
    sa.Column('source', sa.String(length=120), nullable=True),
    sa.Column('external_id', sa.String(length=120), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(source IS NULL) = (external_id IS NULL)', name=op.f('ck_participants_source_with_external_id')),
    sa.CheckConstraint('membership_id IS NULL OR source IS NULL', name=op.f('ck_participants_member_or_imported')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_participants_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_participants_membership_id_memberships'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_participants')),
    sa.UniqueConstraint('city_id', 'source', 'external_id', name=op.f('uq_participants_city_id_source_external_id')),
    sa.UniqueConstraint('membership_id', name=op.f('uq_participants_membership_id'))
    )
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_participants_city_id'), ['city_id'], unique=False)

    op.create_table('polls',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('question_ko', sa.String(length=300), nullable=False),
    sa.Column('question_en', sa.String(length=300), nullable=False),
    sa.Column('description_ko', sa.String(length=2000), nullable=False),
    sa.Column('description_en', sa.String(length=2000), nullable=False),
    sa.Column('method', sa.String(length=9), nullable=False),
    sa.Column('secret', sa.Boolean(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("method IN ('schulze', 'irv', 'borda', 'plurality')", name=op.f('ck_polls_method_valid')),
    sa.CheckConstraint("question_en <> '' OR question_ko <> ''", name=op.f('ck_polls_question_given')),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_polls_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_polls_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_polls'))
    )
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_polls_process_id'), ['process_id'], unique=False)

    op.create_table('process_districts',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_process_districts_district_id_districts'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_districts_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'district_id', name=op.f('pk_process_districts'))
    )
    op.create_table('resident_codes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('code_digest', sa.String(length=64), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('imported_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('imported_by_id', sa.Integer(), nullable=True),
    sa.Column('used_by_id', sa.Integer(), nullable=True),
    sa.Column('used_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)', name=op.f('ck_resident_codes_birth_year_range')),
    sa.CheckConstraint('used_by_id IS NULL OR used_at IS NOT NULL', name=op.f('ck_resident_codes_use_has_time')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_resident_codes_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_resident_codes_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['imported_by_id'], ['users.id'], name=op.f('fk_resident_codes_imported_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['used_by_id'], ['memberships.id'], name=op.f('fk_resident_codes_used_by_id_memberships'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_resident_codes')),
    sa.UniqueConstraint('city_id', 'code_digest', name=op.f('uq_resident_codes_city_id_code_digest')),
    sa.UniqueConstraint('used_by_id', name=op.f('uq_resident_codes_used_by_id'))
    )
    with op.batch_alter_table('resident_codes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_resident_codes_city_id'), ['city_id'], unique=False)

    op.create_table('support_thresholds',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('supports', sa.Integer(), nullable=False),
    sa.Column('label_ko', sa.String(length=120), nullable=False),
    sa.Column('label_en', sa.String(length=120), nullable=False),
    sa.Column('requires_answer', sa.Boolean(), nullable=False),
    sa.CheckConstraint("label_en <> '' OR label_ko <> ''", name=op.f('ck_support_thresholds_label_given')),
    sa.CheckConstraint('supports >= 1', name=op.f('ck_support_thresholds_supports_positive')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_support_thresholds_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_support_thresholds')),
    sa.UniqueConstraint('process_id', 'supports', name=op.f('uq_support_thresholds_process_id_supports'))
    )
    with op.batch_alter_table('support_thresholds', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_support_thresholds_process_id'), ['process_id'], unique=False)

    op.create_table('budget_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(participant_id IS NULL) = (updated_at IS NULL)', name=op.f('ck_budget_ballots_open_ballot_has_time')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_budget_ballots_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_budget_ballots_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_ballots')),
    sa.UniqueConstraint('process_id', 'participant_id', name='uq_budget_ballots_one_per_participant'),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('budget_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_ballots_process_id'), ['process_id'], unique=False)

    op.create_table('budget_roll',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_budget_roll_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_budget_roll_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'participant_id', name=op.f('pk_budget_roll'))
    )
    op.create_table('poll_ballots',
    sa.Column('id', sa.String(length=32), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint('(participant_id IS NULL) = (updated_at IS NULL)', name=op.f('ck_poll_ballots_open_ballot_has_time')),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_poll_ballots_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_ballots_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_ballots')),
    sa.UniqueConstraint('poll_id', 'participant_id', name='uq_poll_ballots_one_per_participant'),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('poll_ballots', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_ballots_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_options',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('label_ko', sa.String(length=200), nullable=False),
    sa.Column('label_en', sa.String(length=200), nullable=False),
    sa.CheckConstraint("label_en <> '' OR label_ko <> ''", name=op.f('ck_poll_options_label_given')),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_options_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_poll_options')),
    sa.UniqueConstraint('poll_id', 'position', name=op.f('uq_poll_options_poll_id_position'))
    )
    with op.batch_alter_table('poll_options', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_options_poll_id'), ['poll_id'], unique=False)

    op.create_table('poll_roll',
    sa.Column('poll_id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('voted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_poll_roll_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['poll_id'], ['polls.id'], name=op.f('fk_poll_roll_poll_id_polls'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('poll_id', 'participant_id', name=op.f('pk_poll_roll'))
    )
    op.create_table('supports',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('participant_id', sa.Integer(), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['participant_id'], ['participants.id'], name=op.f('fk_supports_participant_id_participants'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_supports_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supports')),
    sa.UniqueConstraint('participant_id', 'proposal_id', name='uq_supports_one_per_participant')
    )
    with op.batch_alter_table('supports', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supports_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('budget_ballot_items',
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('points', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=True),
    sa.CheckConstraint('points >= 1', name=op.f('ck_budget_ballot_items_points_positive')),
    sa.CheckConstraint('rank IS NULL OR rank >= 1', name=op.f('ck_budget_ballot_items_rank_positive')),
    sa.ForeignKeyConstraint(['ballot_id'], ['budget_ballots.id'], name=op.f('fk_budget_ballot_items_ballot_id_budget_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_budget_ballot_items_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'proposal_id', name=op.f('pk_budget_ballot_items')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('budget_ballot_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_budget_ballot_items_proposal_id'), ['proposal_id'], unique=False)

    op.create_table('poll_ranks',
    sa.Column('ballot_id', sa.String(length=32), nullable=False),
    sa.Column('option_id', sa.Integer(), nullable=False),
    sa.Column('rank', sa.Integer(), nullable=False),
    sa.CheckConstraint('rank >= 1', name=op.f('ck_poll_ranks_rank_positive')),
    sa.ForeignKeyConstraint(['ballot_id'], ['poll_ballots.id'], name=op.f('fk_poll_ranks_ballot_id_poll_ballots'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['option_id'], ['poll_options.id'], name=op.f('fk_poll_ranks_option_id_poll_options'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('ballot_id', 'option_id', name=op.f('pk_poll_ranks')),
    sa.UniqueConstraint('ballot_id', 'rank', name=op.f('uq_poll_ranks_ballot_id_rank')),
    sqlite_with_rowid=False,
    )
    with op.batch_alter_table('poll_ranks', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_poll_ranks_option_id'), ['option_id'], unique=False)

    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.add_column(sa.Column('slug', sa.String(length=80), nullable=True))
        batch_op.add_column(sa.Column('require_verified', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('min_age', sa.Integer(), nullable=True))
    # Processes made before slugs get one from their id.
    op.execute("UPDATE processes SET slug = 'process-' || CAST(id AS VARCHAR(20))")
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.alter_column('slug', existing_type=sa.String(length=80), nullable=False)
        batch_op.create_unique_constraint(batch_op.f('uq_processes_slug'), ['slug'])
        batch_op.create_check_constraint(op.f('ck_processes_slug_not_empty'), "slug <> ''")
        batch_op.create_check_constraint(op.f('ck_processes_min_age_range'),
                                         'min_age IS NULL OR (min_age >= 0 AND min_age <= 130)')

    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.add_column(sa.Column('support_count', sa.Integer(), server_default='0', nullable=False))
        batch_op.add_column(sa.Column('answer_due_since', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('feasible', sa.Boolean(), nullable=True))
        batch_op.add_column(sa.Column('feasibility_reason', sa.String(length=1000), nullable=True))
        batch_op.add_column(sa.Column('feasibility_reviewed_at', sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column('feasibility_reviewed_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('external_id', sa.String(length=64), nullable=True))
        batch_op.create_index('ix_proposals_process_id_support_count_id', ['process_id', 'support_count', 'id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_proposals_process_id_external_id'), ['process_id', 'external_id'])
        batch_op.create_foreign_key(batch_op.f('fk_proposals_feasibility_reviewed_by_id_users'), 'users', ['feasibility_reviewed_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(op.f('ck_proposals_support_count_not_negative'), 'support_count >= 0')
        batch_op.create_check_constraint(op.f('ck_proposals_feasibility_has_time'),
                                         '(feasible IS NULL) = (feasibility_reviewed_at IS NULL)')
        batch_op.create_check_constraint(op.f('ck_proposals_infeasible_has_reason'),
                                         'feasible IS NULL OR feasible OR feasibility_reason IS NOT NULL')

    # ### end Alembic commands ###


def downgrade():
    op.execute("DELETE FROM audit_events WHERE target_type IN ('budget', 'poll')")
    _audit_targets(AUDIT_TARGETS)
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_proposals_infeasible_has_reason'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposals_feasibility_has_time'), type_='check')
        batch_op.drop_constraint(op.f('ck_proposals_support_count_not_negative'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_proposals_feasibility_reviewed_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('uq_proposals_process_id_external_id'), type_='unique')
        batch_op.drop_index('ix_proposals_process_id_support_count_id')
        batch_op.drop_column('external_id')
        batch_op.drop_column('feasibility_reviewed_by_id')
        batch_op.drop_column('feasibility_reviewed_at')
        batch_op.drop_column('feasibility_reason')
        batch_op.drop_column('feasible')
        batch_op.drop_column('answer_due_since')
        batch_op.drop_column('support_count')

    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_processes_min_age_range'), type_='check')
        batch_op.drop_constraint(op.f('ck_processes_slug_not_empty'), type_='check')
        batch_op.drop_constraint(batch_op.f('uq_processes_slug'), type_='unique')
        batch_op.drop_column('min_age')
        batch_op.drop_column('require_verified')
        batch_op.drop_column('slug')

    with op.batch_alter_table('poll_ranks', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_ranks_option_id'))

    op.drop_table('poll_ranks')
    with op.batch_alter_table('budget_ballot_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_ballot_items_proposal_id'))

    op.drop_table('budget_ballot_items')
    with op.batch_alter_table('supports', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supports_proposal_id'))

    op.drop_table('supports')
    op.drop_table('poll_roll')
    with op.batch_alter_table('poll_options', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_options_poll_id'))

    op.drop_table('poll_options')
    with op.batch_alter_table('poll_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_poll_ballots_poll_id'))

    op.drop_table('poll_ballots')
    op.drop_table('budget_roll')
    with op.batch_alter_table('budget_ballots', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_budget_ballots_process_id'))

    op.drop_table('budget_ballots')
    with op.batch_alter_table('support_thresholds', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_support_thresholds_process_id'))

    op.drop_table('support_thresholds')
    with op.batch_alter_table('resident_codes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_resident_codes_city_id'))

    op.drop_table('resident_codes')
    op.drop_table('process_districts')
    with op.batch_alter_table('polls', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_polls_process_id'))

    op.drop_table('polls')
    with op.batch_alter_table('participants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_participants_city_id'))

    op.drop_table('participants')
    op.drop_table('budgets')
    op.drop_table('budget_outcomes')
    # ### end Alembic commands ###
