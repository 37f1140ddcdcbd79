"""The foundation: cities, people and roles, partners, SDG reference data, plans, processes with phases,
proposals, and the audit log.

Revision ID: 4f5925d6b0a2
Revises: 
Create Date: 2026-11-28 18:52:40.713460

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '4f5925d6b0a2'
down_revision = None
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('cities',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('slug', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ko', sa.String(length=120), nullable=False),
    sa.Column('default_locale', sa.String(length=5), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("default_locale IN ('en', 'ko')", name=op.f('ck_cities_default_locale_valid')),
    sa.CheckConstraint("slug <> ''", name=op.f('ck_cities_slug_not_empty')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_cities')),
    sa.UniqueConstraint('slug', name=op.f('uq_cities_slug'))
    )
    op.create_table('sdg_goals',
    sa.Column('number', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('short_en', sa.String(length=80), nullable=False),
    sa.Column('short_ko', sa.String(length=80), nullable=False),
    sa.Column('title_en', sa.String(length=300), nullable=False),
    sa.Column('colour', sa.String(length=7), nullable=False),
    sa.CheckConstraint('length(colour) = 7', name=op.f('ck_sdg_goals_colour_hex')),
    sa.CheckConstraint('number BETWEEN 1 AND 17', name=op.f('ck_sdg_goals_number_range')),
    sa.PrimaryKeyConstraint('number', name=op.f('pk_sdg_goals'))
    )
    op.create_table('users',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('email', sa.String(length=254), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('password_hash', sa.String(length=255), nullable=False),
    sa.Column('session_token', sa.String(length=64), nullable=False),
    sa.Column('email_confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('terms_version', sa.String(length=20), nullable=False),
    sa.Column('terms_accepted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('locale', sa.String(length=5), nullable=True),
    sa.Column('is_platform_admin', sa.Boolean(), server_default='0', nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_login_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("locale IS NULL OR locale IN ('en', 'ko')", name=op.f('ck_users_locale_valid')),
    sa.CheckConstraint('email = lower(email)', name=op.f('ck_users_email_lowercase')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_users')),
    sa.UniqueConstraint('email', name=op.f('uq_users_email')),
    sa.UniqueConstraint('session_token', name=op.f('uq_users_session_token'))
    )
    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('action', sa.String(length=64), nullable=False),
    sa.Column('target_type', sa.String(length=12), nullable=False),
    sa.Column('target_id', sa.Integer(), nullable=False),
    sa.Column('changes', sa.JSON(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("target_type IN ('city', 'user', 'membership', 'role_grant', 'organization', 'plan', 'plan_item', 'process', 'phase', 'proposal')", name=op.f('ck_audit_events_target_type_valid')),
    sa.ForeignKeyConstraint(['actor_id'], ['users.id'], name=op.f('fk_audit_events_actor_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_audit_events_city_id_cities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_audit_events_actor_id'), ['actor_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_at'), ['at'], unique=False)
        batch_op.create_index(batch_op.f('ix_audit_events_city_id'), ['city_id'], unique=False)
        batch_op.create_index('ix_audit_events_target', ['target_type', 'target_id'], unique=False)

    op.create_table('census_age_bands',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('min_age', sa.Integer(), nullable=False),
    sa.Column('max_age', sa.Integer(), nullable=True),
    sa.Column('share', sa.Numeric(precision=6, scale=5), nullable=False),
    sa.CheckConstraint('min_age >= 0 AND (max_age IS NULL OR max_age >= min_age)', name=op.f('ck_census_age_bands_age_range')),
    sa.CheckConstraint('share >= 0 AND share <= 1', name=op.f('ck_census_age_bands_share_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_census_age_bands_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_census_age_bands')),
    sa.UniqueConstraint('city_id', 'min_age', name=op.f('uq_census_age_bands_city_id_min_age'))
    )
    with op.batch_alter_table('census_age_bands', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_census_age_bands_city_id'), ['city_id'], unique=False)

    op.create_table('districts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('name_ko', sa.String(length=120), nullable=False),
    sa.Column('population_share', sa.Numeric(precision=6, scale=5), nullable=False),
    sa.CheckConstraint('population_share >= 0 AND population_share <= 1', name=op.f('ck_districts_population_share_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_districts_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_districts')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_districts_city_id_code'))
    )
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_districts_city_id'), ['city_id'], unique=False)

    op.create_table('organizations',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('kind', sa.String(length=17), nullable=False),
    sa.Column('level', sa.String(length=13), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('website', sa.String(length=300), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('community_group', 'civil_society', 'private_sector', 'academia', 'government_agency')", name=op.f('ck_organizations_kind_valid')),
    sa.CheckConstraint("level IN ('neighbourhood', 'city', 'regional', 'national', 'international')", name=op.f('ck_organizations_level_valid')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_organizations_city_id_cities'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_organizations'))
    )
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organizations_city_id'), ['city_id'], unique=False)

    op.create_table('plans',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('start_year', sa.Integer(), nullable=True),
    sa.Column('end_year', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_plans_title_given')),
    sa.CheckConstraint('end_year IS NULL OR start_year IS NULL OR end_year >= start_year', name=op.f('ck_plans_years_ordered')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_plans_city_id_cities'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plans'))
    )
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plans_city_id'), ['city_id'], unique=False)

    op.create_table('sdg_targets',
    sa.Column('code', sa.String(length=8), nullable=False),
    sa.Column('goal_number', sa.Integer(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['goal_number'], ['sdg_goals.number'], name=op.f('fk_sdg_targets_goal_number_sdg_goals'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sdg_targets'))
    )
    with op.batch_alter_table('sdg_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sdg_targets_goal_number'), ['goal_number'], unique=False)

    op.create_table('local_targets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('sdg_target_code', sa.String(length=8), nullable=False),
    sa.Column('code', sa.String(length=40), nullable=False),
    sa.Column('title', sa.String(length=300), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.CheckConstraint("code LIKE sdg_target_code || '.%'", name=op.f('ck_local_targets_code_extends_global')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_local_targets_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_target_code'], ['sdg_targets.code'], name=op.f('fk_local_targets_sdg_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_local_targets')),
    sa.UniqueConstraint('city_id', 'code', name=op.f('uq_local_targets_city_id_code'))
    )
    with op.batch_alter_table('local_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_local_targets_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_local_targets_sdg_target_code'), ['sdg_target_code'], unique=False)

    op.create_table('memberships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('birth_year', sa.Integer(), nullable=True),
    sa.Column('verified_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('birth_year IS NULL OR (birth_year >= 1900 AND birth_year <= 2100)', name=op.f('ck_memberships_birth_year_range')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_memberships_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_memberships_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_memberships_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_memberships')),
    sa.UniqueConstraint('user_id', 'city_id', name=op.f('uq_memberships_user_id_city_id'))
    )
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_memberships_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_district_id'), ['district_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_memberships_user_id'), ['user_id'], unique=False)

    op.create_table('organization_members',
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=14), nullable=False),
    sa.Column('joined_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('member', 'representative')", name=op.f('ck_organization_members_role_valid')),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_organization_members_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_organization_members_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('organization_id', 'user_id', name=op.f('pk_organization_members'))
    )
    with op.batch_alter_table('organization_members', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_organization_members_user_id'), ['user_id'], unique=False)

    op.create_table('plan_items',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_plan_items_title_given')),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_plan_items_plan_id_plans'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_items')),
    sa.UniqueConstraint('plan_id', 'code', name=op.f('uq_plan_items_plan_id_code'))
    )
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_items_plan_id'), ['plan_id'], unique=False)

    op.create_table('processes',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('plan_id', sa.Integer(), nullable=True),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('description_ko', sa.Text(), nullable=False),
    sa.Column('description_en', sa.Text(), nullable=False),
    sa.Column('description_html_ko', sa.Text(), nullable=False),
    sa.Column('description_html_en', sa.Text(), nullable=False),
    sa.Column('eligibility_note_ko', sa.String(length=500), nullable=False),
    sa.Column('eligibility_note_en', sa.String(length=500), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_processes_title_given')),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_processes_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_processes_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['plan_id'], ['plans.id'], name=op.f('fk_processes_plan_id_plans'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_processes'))
    )
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_processes_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_processes_plan_id'), ['plan_id'], unique=False)

    op.create_table('sdg_indicators',
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('target_code', sa.String(length=8), nullable=False),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.Column('title_en', sa.Text(), nullable=False),
    sa.ForeignKeyConstraint(['target_code'], ['sdg_targets.code'], name=op.f('fk_sdg_indicators_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_sdg_indicators'))
    )
    with op.batch_alter_table('sdg_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_sdg_indicators_target_code'), ['target_code'], unique=False)

    op.create_table('phases',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('name_ko', sa.String(length=120), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('description_ko', sa.String(length=2000), nullable=False),
    sa.Column('description_en', sa.String(length=2000), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("name_en <> '' OR name_ko <> ''", name=op.f('ck_phases_name_given')),
    sa.CheckConstraint('starts_at < ends_at', name=op.f('ck_phases_interval_ordered')),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_phases_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_phases'))
    )
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_phases_process_id'), ['process_id'], unique=False)

    op.create_table('plan_item_targets',
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.Column('sdg_target_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_plan_item_targets_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_target_code'], ['sdg_targets.code'], name=op.f('fk_plan_item_targets_sdg_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('plan_item_id', 'sdg_target_code', name=op.f('pk_plan_item_targets'))
    )
    with op.batch_alter_table('plan_item_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_plan_item_targets_sdg_target_code'), ['sdg_target_code'], unique=False)

    op.create_table('proposals',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('organization_id', sa.Integer(), nullable=True),
    sa.Column('title', sa.String(length=150), nullable=False),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('body_html', sa.Text(), nullable=False),
    sa.Column('language', sa.String(length=5), nullable=False),
    sa.Column('cost', sa.Numeric(precision=14, scale=2), nullable=True),
    sa.Column('district_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=11), nullable=False),
    sa.Column('answer', sa.Text(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdraw_reason', sa.String(length=500), nullable=True),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('edited_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("(state = 'withdrawn') = (withdrawn_at IS NOT NULL)", name=op.f('ck_proposals_withdrawn_state_has_time')),
    sa.CheckConstraint("language IN ('en', 'ko')", name=op.f('ck_proposals_language_valid')),
    sa.CheckConstraint("state IN ('published', 'withdrawn', 'evaluating', 'accepted', 'rejected', 'implemented')", name=op.f('ck_proposals_state_valid')),
    sa.CheckConstraint('cost IS NULL OR cost >= 0', name=op.f('ck_proposals_cost_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_proposals_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['district_id'], ['districts.id'], name=op.f('fk_proposals_district_id_districts'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_proposals_organization_id_organizations'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_proposals_process_id_processes'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_proposals'))
    )
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposals_author_id'), ['author_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_proposals_district_id'), ['district_id'], unique=False)
        batch_op.create_index('ix_proposals_process_id_created_at_id', ['process_id', 'created_at', 'id'], unique=False)

    op.create_table('role_grants',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('membership_id', sa.Integer(), nullable=False),
    sa.Column('role', sa.String(length=11), nullable=False),
    sa.Column('granted_by_id', sa.Integer(), nullable=True),
    sa.Column('granted_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('facilitator', 'planner', 'moderator', 'admin')", name=op.f('ck_role_grants_role_valid')),
    sa.ForeignKeyConstraint(['granted_by_id'], ['users.id'], name=op.f('fk_role_grants_granted_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['membership_id'], ['memberships.id'], name=op.f('fk_role_grants_membership_id_memberships'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_role_grants')),
    sa.UniqueConstraint('membership_id', 'role', name=op.f('uq_role_grants_membership_id_role'))
    )
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_role_grants_membership_id'), ['membership_id'], unique=False)

    op.create_table('phase_actions',
    sa.Column('phase_id', sa.Integer(), nullable=False),
    sa.Column('action', sa.String(length=14), nullable=False),
    sa.CheckConstraint("action IN ('propose', 'comment', 'support', 'budget_vote', 'poll_vote', 'statement_vote')", name=op.f('ck_phase_actions_action_valid')),
    sa.ForeignKeyConstraint(['phase_id'], ['phases.id'], name=op.f('fk_phase_actions_phase_id_phases'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('phase_id', 'action', name=op.f('pk_phase_actions'))
    )
    op.create_table('proposal_plan_items',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('plan_item_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['plan_item_id'], ['plan_items.id'], name=op.f('fk_proposal_plan_items_plan_item_id_plan_items'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_plan_items_proposal_id_proposals'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('proposal_id', 'plan_item_id', name=op.f('pk_proposal_plan_items'))
    )
    with op.batch_alter_table('proposal_plan_items', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_plan_items_plan_item_id'), ['plan_item_id'], unique=False)

    op.create_table('proposal_targets',
    sa.Column('proposal_id', sa.Integer(), nullable=False),
    sa.Column('sdg_target_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['proposal_id'], ['proposals.id'], name=op.f('fk_proposal_targets_proposal_id_proposals'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_target_code'], ['sdg_targets.code'], name=op.f('fk_proposal_targets_sdg_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('proposal_id', 'sdg_target_code', name=op.f('pk_proposal_targets'))
    )
    with op.batch_alter_table('proposal_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_proposal_targets_sdg_target_code'), ['sdg_target_code'], unique=False)
    _create_database_guards()


def _create_database_guards():
    """What the models cannot say portably: a trigram index for substring search and an exclusion constraint
    against overlapping phases on PostgreSQL; triggers with the same overlap rule on SQLite."""
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        op.execute("CREATE EXTENSION IF NOT EXISTS btree_gist")
        op.execute("CREATE INDEX ix_proposals_search_text_trgm ON proposals USING gin (search_text gin_trgm_ops)")
        op.execute(
            "ALTER TABLE phases ADD CONSTRAINT ex_phases_no_overlap "
            "EXCLUDE USING gist (process_id WITH =, tstzrange(starts_at, ends_at, '[)') WITH &&)"
        )
    elif dialect == "sqlite":
        for event, same_row in (("insert", ""), ("update", " AND id <> NEW.id")):
            op.execute(
                f"CREATE TRIGGER tr_phases_no_overlap_{event} BEFORE {event.upper()} ON phases "
                f"WHEN EXISTS (SELECT 1 FROM phases WHERE process_id = NEW.process_id{same_row} "
                "AND starts_at < NEW.ends_at AND NEW.starts_at < ends_at) "
                "BEGIN SELECT RAISE(ABORT, 'phases overlap'); END"
            )


def _drop_database_guards():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS ix_proposals_search_text_trgm")
        op.execute("ALTER TABLE phases DROP CONSTRAINT IF EXISTS ex_phases_no_overlap")
    elif dialect == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS tr_phases_no_overlap_insert")
        op.execute("DROP TRIGGER IF EXISTS tr_phases_no_overlap_update")


def downgrade():
    _drop_database_guards()
    with op.batch_alter_table('proposal_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_targets_sdg_target_code'))

    op.drop_table('proposal_targets')
    with op.batch_alter_table('proposal_plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_proposal_plan_items_plan_item_id'))

    op.drop_table('proposal_plan_items')
    op.drop_table('phase_actions')
    with op.batch_alter_table('role_grants', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_role_grants_membership_id'))

    op.drop_table('role_grants')
    with op.batch_alter_table('proposals', schema=None) as batch_op:
        batch_op.drop_index('ix_proposals_process_id_created_at_id')
        batch_op.drop_index(batch_op.f('ix_proposals_district_id'))
        batch_op.drop_index(batch_op.f('ix_proposals_author_id'))

    op.drop_table('proposals')
    with op.batch_alter_table('plan_item_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_item_targets_sdg_target_code'))

    op.drop_table('plan_item_targets')
    with op.batch_alter_table('phases', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_phases_process_id'))

    op.drop_table('phases')
    with op.batch_alter_table('sdg_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sdg_indicators_target_code'))

    op.drop_table('sdg_indicators')
    with op.batch_alter_table('processes', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_processes_plan_id'))
        batch_op.drop_index(batch_op.f('ix_processes_city_id'))

    op.drop_table('processes')
    with op.batch_alter_table('plan_items', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plan_items_plan_id'))

    op.drop_table('plan_items')
    with op.batch_alter_table('organization_members', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organization_members_user_id'))

    op.drop_table('organization_members')
    with op.batch_alter_table('memberships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_memberships_user_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_district_id'))
        batch_op.drop_index(batch_op.f('ix_memberships_city_id'))

    op.drop_table('memberships')
    with op.batch_alter_table('local_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_local_targets_sdg_target_code'))
        batch_op.drop_index(batch_op.f('ix_local_targets_city_id'))

    op.drop_table('local_targets')
    with op.batch_alter_table('sdg_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_sdg_targets_goal_number'))

    op.drop_table('sdg_targets')
    with op.batch_alter_table('plans', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_plans_city_id'))

    op.drop_table('plans')
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_organizations_city_id'))

    op.drop_table('organizations')
    with op.batch_alter_table('districts', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_districts_city_id'))

    op.drop_table('districts')
    with op.batch_alter_table('census_age_bands', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_census_age_bands_city_id'))

    op.drop_table('census_age_bands')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_target')
        batch_op.drop_index(batch_op.f('ix_audit_events_city_id'))
        batch_op.drop_index(batch_op.f('ix_audit_events_at'))
        batch_op.drop_index(batch_op.f('ix_audit_events_actor_id'))

    op.drop_table('audit_events')
    op.drop_table('users')
    op.drop_table('sdg_goals')
    op.drop_table('cities')
