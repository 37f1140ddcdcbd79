"""Pages of a query without counting every matching row: the count stops at a cap (a long list says
"more than 1,000"), and one extra row tells whether a next page exists."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Select, func, select

from app.extensions import db

COUNT_CAP = 1000


@dataclass(frozen=True)
class Page:
    items: list
    page: int
    per_page: int
    total: int  # exact up to COUNT_CAP
    total_is_capped: bool
    has_next: bool

    @property
    def has_prev(self) -> bool:
        return self.page > 1

    @property
    def prev_num(self) -> int:
        return self.page - 1

    @property
    def next_num(self) -> int:
        return self.page + 1

    @property
    def pages(self) -> int | None:
        """The number of pages, when the total is known."""
        if self.total_is_capped:
            return None
        return max(1, -(-self.total // self.per_page))

    @property
    def is_multi_page(self) -> bool:
        return self.has_prev or self.has_next


def paginate(query: Select, page: int, per_page: int, count_cap: int = COUNT_CAP) -> Page:
    """A page past the end shows the last page."""
    capped_ids = query.order_by(None).limit(count_cap + 1).subquery()
    total = db.session.scalar(select(func.count()).select_from(capped_ids)) or 0
    if total <= count_cap:
        page = min(page, max(1, -(-total // per_page)))
    rows = list(db.session.scalars(query.limit(per_page + 1).offset((page - 1) * per_page)))
    return Page(items=rows[:per_page], page=page, per_page=per_page, total=min(total, count_cap),
                total_is_capped=total > count_cap, has_next=len(rows) > per_page)
