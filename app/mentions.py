"""@mentions in comments: "@김민지" or "@[Kim Min-ji]" names a member of the city. A name that fits exactly one
member becomes a link to their profile (and they are notified); an ambiguous or unknown name stays text."""
from __future__ import annotations

import re

from sqlalchemy import func, select

from app.extensions import db
from app.models import City, Membership, User

MENTION = re.compile(r"(?<![\w@\[(])@(?:\[([^\]\n]{1,80})\]|([\w가-힣][\w가-힣.\-]{0,39}))")


def mentioned_names(text: str) -> set[str]:
    return {(bracketed or bare).strip() for bracketed, bare in MENTION.findall(text)}


def resolve(city: City, names: set[str]) -> dict[str, User]:
    """Names that fit exactly one member of the city."""
    if not names:
        return {}
    folded = {name.casefold(): name for name in names}
    rows = db.session.execute(
        select(User, func.lower(User.name)).join(Membership, Membership.user_id == User.id)
        .where(Membership.city_id == city.id, func.lower(User.name).in_([n.lower() for n in names]))
    ).all()
    matches: dict[str, list[User]] = {}
    for user, _ in rows:
        key = user.name.casefold()
        if key in folded:
            matches.setdefault(folded[key], []).append(user)
    return {name: users[0] for name, users in matches.items() if len(users) == 1}


def link_mentions(text: str, people: dict[str, User], profile_url) -> str:
    """The Markdown source with each resolved mention turned into a link; code spans are left alone."""
    if not people:
        return text
    folded = {name.casefold(): user for name, user in people.items()}

    def replace(match: re.Match) -> str:
        name = (match.group(1) or match.group(2)).strip()
        user = folded.get(name.casefold())
        if user is None:
            return match.group(0)
        label = name.replace("[", "").replace("]", "")
        return f"[@{label}]({profile_url(user)})"

    parts = re.split(r"(`[^`]*`)", text)
    return "".join(part if part.startswith("`") else MENTION.sub(replace, part) for part in parts)
