"""Open data and the JSON API: personal API tokens (stored as digests, with a scope); each city's open-data
licence and the secret salt of its authors' pseudonyms; a comment vote outlives its voter's account.

Revision ID: 9ab37e25979c
Revises: a607e8ddadc3
Create Date: 2026-11-29 03:29:53.709653

"""
import secrets

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '9ab37e25979c'
down_revision = 'a607e8ddadc3'
branch_labels = None
depends_on = None


AUDIT_TARGETS = ("city", "user", "membership", "role_grant", "organization", "plan", "plan_item", "process",
                 "phase", "proposal", "debate", "comment", "flag", "budget", "poll", "local_target", "indicator",
                 "result", "statement", "vision", "practice", "replication")
LICENCES = ("CC-BY-4.0", "CC-BY-SA-4.0", "CC0-1.0", "ODbL-1.0", "KOGL-Type1")


def _check(table, name, column, values):
    listed = ", ".join(f"'{v}'" for v in values)
    with op.batch_alter_table(table, schema=None) as batch_op:
        batch_op.drop_constraint(op.f(f'ck_{table}_{name}'), type_='check')
        batch_op.create_check_constraint(op.f(f'ck_{table}_{name}'), f"{column} IN ({listed})")


def upgrade():
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS + ("api_token",))
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('prefix', sa.String(length=16), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('scope', sa.String(length=5), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('last_used_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.CheckConstraint("name <> ''", name=op.f('ck_api_tokens_name_not_empty')),
    sa.CheckConstraint("scope IN ('read', 'write')", name=op.f('ck_api_tokens_scope_valid')),
    sa.CheckConstraint('length(token_hash) = 64', name=op.f('ck_api_tokens_token_hash_sha256')),
    sa.ForeignKeyConstraint(['user_id'], ['users.id'], name=op.f('fk_api_tokens_user_id_users'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_user_id'), ['user_id'], unique=False)

    # The salt is each city's own secret: add the column empty, give every existing city a random one, then
    # require it.
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.add_column(sa.Column('open_data_licence', sa.String(length=12), server_default='CC-BY-4.0',
                                      nullable=False))
        batch_op.add_column(sa.Column('pseudonym_salt', sa.String(length=64), nullable=True))
    bind = op.get_bind()
    cities = sa.table('cities', sa.column('id', sa.Integer), sa.column('pseudonym_salt', sa.String))
    for (city_id,) in bind.execute(sa.select(cities.c.id)).all():
        bind.execute(cities.update().where(cities.c.id == city_id).values(pseudonym_salt=secrets.token_hex(32)))
    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.alter_column('pseudonym_salt', existing_type=sa.String(length=64), nullable=False)
        batch_op.create_check_constraint(op.f('ck_cities_open_data_licence_valid'),
                                         "open_data_licence IN (" + ", ".join(f"'{v}'" for v in LICENCES) + ")")
        batch_op.create_check_constraint(op.f('ck_cities_pseudonym_salt_length'), "length(pseudonym_salt) = 64")

    with op.batch_alter_table('comment_votes', schema=None) as batch_op:
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=True)
        batch_op.drop_constraint(batch_op.f('fk_comment_votes_user_id_users'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_comment_votes_user_id_users'), 'users', ['user_id'], ['id'], ondelete='SET NULL')


def downgrade():
    op.execute("DELETE FROM comment_votes WHERE user_id IS NULL")
    with op.batch_alter_table('comment_votes', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_comment_votes_user_id_users'), type_='foreignkey')
        batch_op.create_foreign_key(batch_op.f('fk_comment_votes_user_id_users'), 'users', ['user_id'], ['id'], ondelete='CASCADE')
        batch_op.alter_column('user_id',
               existing_type=sa.INTEGER(),
               nullable=False)

    with op.batch_alter_table('cities', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_cities_pseudonym_salt_length'), type_='check')
        batch_op.drop_constraint(op.f('ck_cities_open_data_licence_valid'), type_='check')
        batch_op.drop_column('pseudonym_salt')
        batch_op.drop_column('open_data_licence')

    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_user_id'))

    op.drop_table('api_tokens')
    _check('audit_events', 'target_type_valid', 'target_type', AUDIT_TARGETS)
