"""Matching practices with plans: "practices working on the same SDG targets" for a plan item or a city, and
"cities that could use this" for a practice.

The ranking is a pure function on plain data (`rank`), so it is tested on a hand-made set; the loaders below
it only fetch rows and hand them over.

Score of a candidate practice for a query (a set of SDG target codes and some text), between 0 and 1:

    score = TARGET_WEIGHT * jaccard(target codes) + GOAL_WEIGHT * jaccard(goal numbers)
            + TEXT_WEIGHT * cosine(TF-IDF of the folded texts)

- Target overlap is the main signal: two practices on exactly the same targets score 1 on it.
- Goal overlap is a weaker signal: targets of the same goal (11.2 and 11.6) are related but not the same.
- Text similarity uses character n-grams (2 to 4 characters within words), which work for English and for
  Korean alike (Korean words carry particles and endings, so whole-word tokens would rarely match).

A candidate with no goal in common with the query is left out unless the query has no targets at all (then
text alone decides), and candidates below MIN_SCORE are dropped."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import selectinload

TARGET_WEIGHT = 0.6
GOAL_WEIGHT = 0.15
TEXT_WEIGHT = 0.25
MIN_SCORE = 0.02
DEFAULT_LIMIT = 10


@dataclass(frozen=True)
class Candidate:
    id: int
    targets: frozenset[str]
    text: str = ""


def goal_of(code: str) -> str:
    return code.split(".", 1)[0]


def jaccard(a: set | frozenset, b: set | frozenset) -> float:
    union = len(a | b)
    return len(a & b) / union if union else 0.0


def text_similarities(query: str, texts: list[str]) -> list[float]:
    """Cosine similarity of the query with each text, TF-IDF on character n-grams of the folded texts."""
    from app.proposals.services import search_key

    if not query.strip() or not texts:
        return [0.0] * len(texts)
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.metrics.pairwise import linear_kernel

    documents = [search_key(query)] + [search_key(t) for t in texts]
    if not any(d.strip() for d in documents[1:]):
        return [0.0] * len(texts)
    try:
        matrix = TfidfVectorizer(analyzer="char_wb", ngram_range=(2, 4), sublinear_tf=True).fit_transform(documents)
    except ValueError:  # nothing but whitespace or single characters
        return [0.0] * len(texts)
    return [float(v) for v in linear_kernel(matrix[0:1], matrix[1:]).ravel()]


def rank(query_targets: set[str] | frozenset[str], query_text: str, candidates: list[Candidate],
         limit: int | None = DEFAULT_LIMIT) -> list[tuple[int, float]]:
    """[(candidate id, score)], best first (ties by id), as the module docstring describes."""
    query_targets = frozenset(query_targets)
    query_goals = frozenset(goal_of(c) for c in query_targets)
    similarities = text_similarities(query_text, [c.text for c in candidates])
    scored = []
    for candidate, similarity in zip(candidates, similarities):
        goals = frozenset(goal_of(c) for c in candidate.targets)
        if query_targets and not (goals & query_goals):
            continue
        score = (TARGET_WEIGHT * jaccard(query_targets, candidate.targets)
                 + GOAL_WEIGHT * jaccard(query_goals, goals) + TEXT_WEIGHT * similarity)
        if score >= MIN_SCORE:
            scored.append((candidate.id, round(score, 6)))
    scored.sort(key=lambda pair: (-pair[1], pair[0]))
    return scored[:limit] if limit else scored


# Loaders ---------------------------------------------------------------------------------------------------

def practice_text(practice) -> str:
    return "\n".join([practice.title_ko, practice.title_en, practice.summary_ko, practice.summary_en])


def _item_text(item) -> str:
    return "\n".join([item.title_ko, item.title_en, item.description_ko, item.description_en])


def _item_targets(item) -> set[str]:
    return {t.code for t in item.sdg_targets} | {t.sdg_target_code for t in item.local_targets}


def practices_for_targets(target_codes, exclude_city_id: int | None, text: str = "",
                          limit: int = DEFAULT_LIMIT) -> list[tuple["Practice", float]]:  # noqa: F821
    """Published practices of other cities, ranked for these targets and this text."""
    from app.extensions import db
    from app.models import Practice, PracticeState, SdgTarget, practice_targets

    codes = set(target_codes)
    query = (select(Practice).where(Practice.state == PracticeState.PUBLISHED)
             .options(selectinload(Practice.sdg_targets), selectinload(Practice.city)))
    if exclude_city_id is not None:
        query = query.where(Practice.city_id != exclude_city_id)
    if codes:
        goals = {int(goal_of(c)) for c in codes if goal_of(c).isdigit()}
        query = query.where(Practice.id.in_(
            select(practice_targets.c.practice_id).join(SdgTarget)
            .where(SdgTarget.goal_number.in_(goals))))
    elif not text.strip():
        return []
    practices = {p.id: p for p in db.session.scalars(query)}
    ranked = rank(codes, text, [Candidate(p.id, frozenset(t.code for t in p.sdg_targets), practice_text(p))
                                for p in practices.values()], limit)
    return [(practices[pid], score) for pid, score in ranked]


def practices_for_plan_item(item, limit: int = DEFAULT_LIMIT):
    return practices_for_targets(_item_targets(item), item.plan.city_id, _item_text(item), limit)


def practices_for_city(city, limit: int = DEFAULT_LIMIT):
    """Practices of other cities for the targets of all this city's plan items."""
    from app.extensions import db
    from app.models import Plan, PlanItem

    items = list(db.session.scalars(
        select(PlanItem).join(Plan).where(Plan.city_id == city.id)
        .options(selectinload(PlanItem.sdg_targets), selectinload(PlanItem.local_targets))))
    codes: set[str] = set()
    for item in items:
        codes |= _item_targets(item)
    if not codes:
        return []
    return practices_for_targets(codes, city.id, "\n".join(_item_text(i) for i in items), limit)


def cities_for_practice(practice) -> list[tuple["City", list["PlanItem"]]]:  # noqa: F821
    """Other cities with plan items on the practice's targets, with those items; most items first."""
    from app.extensions import db
    from app.models import City, Plan, PlanItem, plan_item_targets

    codes = [t.code for t in practice.sdg_targets]
    if not codes:
        return []
    items = db.session.scalars(
        select(PlanItem).join(Plan)
        .where(Plan.city_id != practice.city_id,
               PlanItem.id.in_(select(plan_item_targets.c.plan_item_id)
                               .where(plan_item_targets.c.sdg_target_code.in_(codes))))
        .options(selectinload(PlanItem.plan), selectinload(PlanItem.sdg_targets))
        .order_by(Plan.id, PlanItem.position, PlanItem.id))
    by_city: dict[int, list] = defaultdict(list)
    for item in items:
        by_city[item.plan.city_id].append(item)
    if not by_city:
        return []
    cities = {c.id: c for c in db.session.scalars(select(City).where(City.id.in_(by_city)))}
    return sorted(((cities[cid], found) for cid, found in by_city.items()),
                  key=lambda pair: (-len(pair[1]), pair[0].id))
