"""Cities learning from cities: practices with SDG targets, outcome indicators and partner organizations,
replications into other cities' processes, questions between cities; process partners; where a city is,
how big it is and its colour; who created and verified an organization; notifications about practices.

Revision ID: a607e8ddadc3
Revises: 7e4fa132e97a
Create Date: 2026-11-29 01:46:27.597534

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a607e8ddadc3'
down_revision = '7e4fa132e97a'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment", "flag", "budget", "poll", "local_target", "indicator",
                 "result", "statement", "vision")
NOTIFICATION_KINDS = ("reply", "mention", "comment_on_proposal", "followed_comment", "followed_change",
                      "content_hidden", "proposal_answered", "rounds_changed", "vision_published",
                      "statement_moderated")
FOLLOWED_TYPES = ("proposal", "debate", "process")


def _check(table, name, column, values):
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS + ("practice", "replication"))
    _check('notifications', 'kind_valid', 'kind',
           NOTIFICATION_KINDS + ("practice_question", "practice_answered", "practice_replicated"))
    _check('notifications', 'target_type_valid', 'target_type', FOLLOWED_TYPES + ("practice",))
    _check('follows', 'target_type_valid', 'target_type', FOLLOWED_TYPES + ("practice",))
    op.create_table('process_partners',
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_process_partners_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_process_partners_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_id', 'organization_id', name=op.f('pk_process_partners'))
    )
    with op.batch_alter_table('process_partners', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_process_partners_organization_id'), ['organization_id'], unique=False)

    op.create_table('practices',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('source_process_id', sa.Integer(), nullable=True),
    sa.Column('source_result_id', sa.Integer(), nullable=True),
    sa.Column('state', sa.String(length=9), nullable=False),
    sa.Column('theme', sa.String(length=12), nullable=False),
    sa.Column('title_ko', sa.String(length=200), nullable=False),
    sa.Column('title_en', sa.String(length=200), nullable=False),
    sa.Column('summary_ko', sa.Text(), nullable=False),
    sa.Column('summary_en', sa.Text(), nullable=False),
    sa.Column('summary_html_ko', sa.Text(), nullable=False),
    sa.Column('summary_html_en', sa.Text(), nullable=False),
    sa.Column('obstacles_ko', sa.Text(), nullable=False),
    sa.Column('obstacles_en', sa.Text(), nullable=False),
    sa.Column('obstacles_html_ko', sa.Text(), nullable=False),
    sa.Column('obstacles_html_en', sa.Text(), nullable=False),
    sa.Column('success_factors_ko', sa.Text(), nullable=False),
    sa.Column('success_factors_en', sa.Text(), nullable=False),
    sa.Column('success_factors_html_ko', sa.Text(), nullable=False),
    sa.Column('success_factors_html_en', sa.Text(), nullable=False),
    sa.Column('budget', sa.Numeric(precision=18, scale=2), nullable=True),
    sa.Column('currency', sa.String(length=3), nullable=True),
    sa.Column('staff', sa.Integer(), nullable=True),
    sa.Column('starts_on', sa.Date(), nullable=True),
    sa.Column('ends_on', sa.Date(), nullable=True),
    sa.Column('partners_text', sa.String(length=1000), nullable=False),
    sa.Column('contact_user_id', sa.Integer(), nullable=True),
    sa.Column('contact_name', sa.String(length=200), nullable=False),
    sa.Column('contact_email', sa.String(length=254), nullable=False),
    sa.Column('search_text', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('published_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("state <> 'published' OR published_at IS NOT NULL", name=op.f('ck_practices_published_has_time')),
    sa.CheckConstraint("state IN ('draft', 'published', 'withdrawn')", name=op.f('ck_practices_state_valid')),
    sa.CheckConstraint("theme IN ('mobility', 'environment', 'climate', 'housing', 'public_space', 'safety', 'education', 'health', 'economy', 'inclusion', 'governance', 'culture')", name=op.f('ck_practices_theme_valid')),
    sa.CheckConstraint("title_en <> '' OR title_ko <> ''", name=op.f('ck_practices_title_given')),
    sa.CheckConstraint('budget IS NULL OR budget >= 0', name=op.f('ck_practices_budget_not_negative')),
    sa.CheckConstraint('budget IS NULL OR currency IS NOT NULL', name=op.f('ck_practices_budget_has_currency')),
    sa.CheckConstraint('ends_on IS NULL OR starts_on IS NULL OR ends_on >= starts_on', name=op.f('ck_practices_dates_ordered')),
    sa.CheckConstraint('staff IS NULL OR staff >= 0', name=op.f('ck_practices_staff_not_negative')),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_practices_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_practices_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['contact_user_id'], ['users.id'], name=op.f('fk_practices_contact_user_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_process_id'], ['processes.id'], name=op.f('fk_practices_source_process_id_processes'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['source_result_id'], ['results.id'], name=op.f('fk_practices_source_result_id_results'), ondelete='SET NULL'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practices'))
    )
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practices_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practices_source_process_id'), ['source_process_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_practices_source_result_id'), ['source_result_id'], unique=False)

    op.create_table('practice_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('indicator_id', sa.Integer(), nullable=True),
    sa.Column('name_ko', sa.String(length=200), nullable=False),
    sa.Column('name_en', sa.String(length=200), nullable=False),
    sa.Column('unit', sa.String(length=40), nullable=False),
    sa.Column('baseline', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('value', sa.Numeric(precision=18, scale=4), nullable=True),
    sa.Column('year', sa.Integer(), nullable=True),
    sa.Column('position', sa.Integer(), nullable=False),
    sa.CheckConstraint("name_en <> '' OR name_ko <> ''", name=op.f('ck_practice_indicators_name_given')),
    sa.CheckConstraint('year IS NULL OR (year BETWEEN 1900 AND 2100)', name=op.f('ck_practice_indicators_year_range')),
    sa.ForeignKeyConstraint(['indicator_id'], ['indicators.id'], name=op.f('fk_practice_indicators_indicator_id_indicators'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_indicators_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_indicators'))
    )
    with op.batch_alter_table('practice_indicators', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_indicators_practice_id'), ['practice_id'], unique=False)

    op.create_table('practice_organizations',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['organization_id'], ['organizations.id'], name=op.f('fk_practice_organizations_organization_id_organizations'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_organizations_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('practice_id', 'organization_id', name=op.f('pk_practice_organizations'))
    )
    with op.batch_alter_table('practice_organizations', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_organizations_organization_id'), ['organization_id'], unique=False)

    op.create_table('practice_questions',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('author_id', sa.Integer(), nullable=True),
    sa.Column('city_id', sa.Integer(), nullable=True),
    sa.Column('body', sa.Text(), nullable=False),
    sa.Column('answer', sa.Text(), server_default='', nullable=False),
    sa.Column('answered_by_id', sa.Integer(), nullable=True),
    sa.Column('answered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("(answer = '') = (answered_at IS NULL)", name=op.f('ck_practice_questions_answer_has_time')),
    sa.ForeignKeyConstraint(['answered_by_id'], ['users.id'], name=op.f('fk_practice_questions_answered_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['author_id'], ['users.id'], name=op.f('fk_practice_questions_author_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_practice_questions_city_id_cities'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_questions_practice_id_practices'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_practice_questions'))
    )
    with op.batch_alter_table('practice_questions', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_questions_practice_id'), ['practice_id'], unique=False)

    op.create_table('practice_targets',
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('sdg_target_code', sa.String(length=8), nullable=False),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_practice_targets_practice_id_practices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['sdg_target_code'], ['sdg_targets.code'], name=op.f('fk_practice_targets_sdg_target_code_sdg_targets'), ondelete='RESTRICT'),
    sa.PrimaryKeyConstraint('practice_id', 'sdg_target_code', name=op.f('pk_practice_targets'))
    )
    with op.batch_alter_table('practice_targets', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_practice_targets_sdg_target_code'), ['sdg_target_code'], unique=False)

    op.create_table('replications',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('practice_id', sa.Integer(), nullable=False),
    sa.Column('process_id', sa.Integer(), nullable=False),
    sa.Column('city_id', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['city_id'], ['cities.id'], name=op.f('fk_replications_city_id_cities'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['created_by_id'], ['users.id'], name=op.f('fk_replications_created_by_id_users'), ondelete='SET NULL'),
    sa.ForeignKeyConstraint(['practice_id'], ['practices.id'], name=op.f('fk_replications_practice_id_practices'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['process_id'], ['processes.id'], name=op.f('fk_replications_process_id_processes'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_replications')),
    sa.UniqueConstraint('process_id', name=op.f('uq_replications_process_id'))
    )
    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_replications_city_id'), ['city_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_replications_practice_id'), ['practice_id'], unique=False)

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('country_code', sa.String(length=2), server_default='', nullable=False))
        batch_op.add_column(sa.Column('region', sa.String(length=40), server_default='', nullable=False))
        batch_op.add_column(sa.Column('population', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('colour', sa.String(length=7), server_default='#0b5563', nullable=False))
        batch_op.create_check_constraint(op.f('ck_cities_population_not_negative'),
                                         "population IS NULL OR population >= 0")
        batch_op.create_check_constraint(op.f('ck_cities_colour_hex'),
                                         "length(colour) = 7 AND substr(colour, 1, 1) = '#'")

    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.add_column(sa.Column('verified_by_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('created_by_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_organizations_verified_by_id_users'), 'users', ['verified_by_id'], ['id'], ondelete='SET NULL')
        batch_op.create_foreign_key(batch_op.f('fk_organizations_created_by_id_users'), 'users', ['created_by_id'], ['id'], ondelete='SET NULL')



def downgrade():
    op.execute("DELETE FROM audit_events WHERE target_type IN ('practice', 'replication')")
    op.execute("DELETE FROM notifications WHERE target_type = 'practice'")
    op.execute("DELETE FROM follows WHERE target_type = 'practice'")
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS)
    _check('notifications', 'kind_valid', 'kind', NOTIFICATION_KINDS)
    _check('notifications', 'target_type_valid', 'target_type', FOLLOWED_TYPES)
    _check('follows', 'target_type_valid', 'target_type', FOLLOWED_TYPES)
    with op.batch_alter_table('organizations', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_organizations_created_by_id_users'), type_='foreignkey')
        batch_op.drop_constraint(batch_op.f('fk_organizations_verified_by_id_users'), type_='foreignkey')
        batch_op.drop_column('created_by_id')
        batch_op.drop_column('verified_by_id')

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cities_colour_hex'), type_='check')
        batch_op.drop_constraint(op.f('ck_cities_population_not_negative'), type_='check')
        batch_op.drop_column('colour')
        batch_op.drop_column('population')
        batch_op.drop_column('region')
        batch_op.drop_column('country_code')

    with op.batch_alter_table('replications', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_replications_practice_id'))
        batch_op.drop_index(batch_op.f('ix_replications_city_id'))

    op.drop_table('replications')
    with op.batch_alter_table('practice_targets', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_targets_sdg_target_code'))

    op.drop_table('practice_targets')
    with op.batch_alter_table('practice_questions', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_questions_practice_id'))

    op.drop_table('practice_questions')
    with op.batch_alter_table('practice_organizations', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_organizations_organization_id'))

    op.drop_table('practice_organizations')
    with op.batch_alter_table('practice_indicators', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practice_indicators_practice_id'))

    op.drop_table('practice_indicators')
    with op.batch_alter_table('practices', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_practices_source_result_id'))
        batch_op.drop_index(batch_op.f('ix_practices_source_process_id'))
        batch_op.drop_index(batch_op.f('ix_practices_city_id'))

    op.drop_table('practices')
    with op.batch_alter_table('process_partners', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_process_partners_organization_id'))

    op.drop_table('process_partners')
