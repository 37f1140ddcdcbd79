"""Password rules and hashing. Rules follow NIST SP 800-63B: a minimum length, a generous maximum, no
composition rules, and common passwords refused (the 30,000-entry list the zxcvbn package ships)."""
from __future__ import annotations

from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context
from flask_babel import lazy_gettext as _l


@cache
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    """Argon2id with the library's defaults (RFC 9106's second recommended option), unless the config lowers
    them: only the test suite does, where thousands of logins would otherwise dominate the run time."""
    defaults = PasswordHasher()
    if has_app_context():
        config = current_app.config
        return _hasher_for(config.get("ARGON2_TIME_COST", defaults.time_cost),
                           config.get("ARGON2_MEMORY_COST", defaults.memory_cost))
    return _hasher_for(defaults.time_cost, defaults.memory_cost)


@cache
def common_passwords() -> frozenset[str]:
    from zxcvbn.frequency_lists import FREQUENCY_LISTS

    return frozenset(FREQUENCY_LISTS["passwords"])


def password_problem(password: str, *, email: str = "", min_length: int = 8, max_length: int = 128) -> str | None:
    """Why this password is refused, or None."""
    if len(password) < min_length:
        return str(_l("Use at least %(n)d characters.", n=min_length))
    if len(password) > max_length:
        return str(_l("Use at most %(n)d characters.", n=max_length))
    lowered = password.lower()
    if lowered in common_passwords() or (email and lowered == email.lower()):
        return str(_l("This password is too common. Choose one that is harder to guess."))
    if len(set(password)) < 3:
        return str(_l("This password is too easy to guess. Choose one that is harder to guess."))
    return None


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


# A hash of nothing anyone knows: verifying against it when an account does not exist keeps the time of a
# failed login the same either way.
DUMMY_HASH = PasswordHasher().hash("madang-no-such-account")
