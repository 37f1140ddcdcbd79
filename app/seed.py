"""The demo city: Seoul with its 25 districts and census, the plan "Seoul 2030", three processes (one open now,
one coming up, one finished), about 40 proposals from 100 residents, and one account per role. Content comes
from app/data/demo_seoul.json. Running it again changes nothing that exists."""
from __future__ import annotations

import json
from datetime import datetime, time, timedelta, timezone
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.auth.passwords import hash_password
from app.extensions import db
from app.markdown import render_markdown
from app.slugs import unique_process_slug
from app.models import (
    CensusAgeBand,
    City,
    District,
    Membership,
    Phase,
    Plan,
    PlanItem,
    Process,
    Proposal,
    ProposalState,
    Role,
    RoleGrant,
    SdgTarget,
    User,
)
from app.proposals.services import search_key
from app.sdg import load_sdg_reference

DATA_FILE = Path(__file__).resolve().parent / "data" / "demo_seoul.json"
CITIZEN_LOGIN = "citizen@madang.example"
PLATFORM_ADMIN_LOGIN = "platform@madang.example"


def _citizen_email(index: int) -> str:
    return CITIZEN_LOGIN if index == 0 else f"resident{index:03d}@madang.example"


def _local_midnight(zone: ZoneInfo, days: int) -> datetime:
    """Midnight in the city, `days` from today, as UTC."""
    today = datetime.now(zone).date()
    return datetime.combine(today + timedelta(days=days), time(0, 0), tzinfo=zone).astimezone(timezone.utc)


def _ensure_city(data: dict) -> tuple[City, dict[str, District]]:
    """The city of a demo data file with its districts and census age bands: created once, then left as it is."""
    spec = data["city"]
    city = db.session.scalar(select(City).where(City.slug == spec["slug"]))
    if city is None:
        city = City(**spec)
        db.session.add(city)
        db.session.flush()
    districts = {d.code: d for d in db.session.scalars(select(District).where(District.city_id == city.id))}
    for row in data["districts"]:
        if row["code"] not in districts:
            districts[row["code"]] = District(city_id=city.id, code=row["code"], name_en=row["name_en"],
                                              name_ko=row["name_ko"], population_share=Decimal(row["population_share"]))
            db.session.add(districts[row["code"]])
    bands = {b.min_age for b in db.session.scalars(select(CensusAgeBand).where(CensusAgeBand.city_id == city.id))}
    for row in data["age_bands"]:
        if row["min_age"] not in bands:
            db.session.add(CensusAgeBand(city_id=city.id, min_age=row["min_age"], max_age=row["max_age"],
                                         share=Decimal(row["share"])))
    db.session.flush()
    return city, districts


def _ensure_plan(city: City, spec: dict) -> tuple[Plan, dict[str, PlanItem]]:
    """The city's plan of a demo data file with its items (by code) and their SDG targets: created once."""
    plan = db.session.scalar(select(Plan).where(Plan.city_id == city.id, Plan.title_en == spec["title_en"]))
    if plan is None:
        plan = Plan(city_id=city.id, title_ko=spec["title_ko"], title_en=spec["title_en"],
                    description_ko=spec["description_ko"], description_en=spec["description_en"],
                    start_year=spec["start_year"], end_year=spec["end_year"])
        db.session.add(plan)
        db.session.flush()
    items = {item.code: item for item in plan.items}
    for position, row in enumerate(spec["items"]):
        if row["code"] not in items:
            linked = list(db.session.scalars(select(SdgTarget).where(SdgTarget.code.in_(row["sdg_targets"]))))
            items[row["code"]] = PlanItem(plan_id=plan.id, code=row["code"], position=position, sdg_targets=linked,
                                          **{f"{field}_{lang}": row[f"{field}_{lang}"]
                                             for field in ("title", "description") for lang in ("ko", "en")})
            db.session.add(items[row["code"]])
    db.session.flush()
    db.session.refresh(plan)
    return plan, items


def _get_or_create_user(email: str, name: str, password_hash: str, now: datetime) -> User:
    user = db.session.scalar(select(User).where(User.email == email))
    if user is None:
        user = User(email=email, name=name, password_hash=password_hash, email_confirmed_at=now,
                    terms_version="2026-11", terms_accepted_at=now)
        db.session.add(user)
        db.session.flush()
    return user


def _ensure_membership(user: User, city: City, district: District | None, birth_year: int | None,
                       now: datetime) -> Membership:
    membership = db.session.scalar(
        select(Membership).where(Membership.user_id == user.id, Membership.city_id == city.id)
    )
    if membership is None:
        membership = Membership(user_id=user.id, city_id=city.id, district_id=district.id if district else None,
                                birth_year=birth_year, verified_at=now)
        db.session.add(membership)
        db.session.flush()
    return membership


def seed_demo_city(password: str) -> list[tuple[str, str]]:
    """Create what is missing; return the demo logins as (role, e-mail)."""
    data = json.loads(DATA_FILE.read_text(encoding="utf-8"))
    load_sdg_reference()
    now = datetime.now(timezone.utc)
    password_hash = hash_password(password)

    city, districts = _ensure_city(data)
    zone = ZoneInfo(city.time_zone)

    logins: list[tuple[str, str]] = []
    citizens: list[User] = []
    for index, row in enumerate(data["citizens"]):
        user = _get_or_create_user(_citizen_email(index), row["name"], password_hash, now)
        _ensure_membership(user, city, districts[row["district"]], row["birth_year"], now)
        citizens.append(user)
    logins.append(("citizen", CITIZEN_LOGIN))

    staff_users: dict[str, User] = {}
    for row in data["staff"]:
        user = _get_or_create_user(row["email"], row["name"], password_hash, now)
        membership = _ensure_membership(user, city, districts["jung"], 1985, now)
        if not membership.has_role(Role(row["role"])):
            db.session.add(RoleGrant(membership_id=membership.id, role=row["role"]))
        staff_users[row["role"]] = user
        logins.append((row["role"], row["email"]))
    platform_admin = _get_or_create_user(PLATFORM_ADMIN_LOGIN, "Madang platform admin", password_hash, now)
    platform_admin.is_platform_admin = True
    logins.append(("platform admin", PLATFORM_ADMIN_LOGIN))
    db.session.flush()

    plan, items = _ensure_plan(city, data["plan"])

    processes: dict[str, Process] = {}
    facilitator = staff_users.get("facilitator")
    for row in data["processes"]:
        process = db.session.scalar(
            select(Process).where(Process.city_id == city.id, Process.title_en == row["title_en"])
        )
        if process is None:
            process = Process(
                slug=unique_process_slug(row["title_en"]), city_id=city.id, plan_id=plan.id if row.get("uses_plan") else None,
                created_by_id=facilitator.id if facilitator else None,
                title_ko=row["title_ko"], title_en=row["title_en"],
                description_ko=row["description_ko"], description_en=row["description_en"],
                description_html_ko=render_markdown(row["description_ko"]),
                description_html_en=render_markdown(row["description_en"]),
                eligibility_note_ko=row["eligibility_note_ko"][:500], eligibility_note_en=row["eligibility_note_en"][:500],
            )
            db.session.add(process)
            db.session.flush()
            for phase_row in row["phases"]:
                phase = Phase(process=process, name_ko=phase_row["name_ko"], name_en=phase_row["name_en"],
                              starts_at=_local_midnight(zone, phase_row["start_day"]),
                              ends_at=_local_midnight(zone, phase_row["end_day"]))
                phase.set_actions(phase_row["actions"])
                db.session.add(phase)
            db.session.flush()
        processes[row["key"]] = process

    targets = {t.code: t for t in db.session.scalars(select(SdgTarget))}
    for row in data["proposals"]:
        process = processes[row["process"]]
        exists = db.session.scalar(
            select(Proposal.id).where(Proposal.process_id == process.id, Proposal.title == row["title"])
        )
        if exists:
            continue
        created = now - timedelta(days=row["days_ago"], hours=(row["author"] * 7) % 11)
        proposal = Proposal(
            process_id=process.id, author_id=citizens[row["author"]].id, title=row["title"], body=row["body"],
            body_html=render_markdown(row["body"]), search_text=search_key(row["title"] + "\n" + row["body"]),
            cost=Decimal(row["cost"]) if row["cost"] is not None else None,
            district_id=districts[row["district"]].id, state=ProposalState.PUBLISHED, created_at=created,
            language=row["lang"],
        )
        proposal.sdg_targets = [targets[code] for code in row["sdg_targets"]]
        proposal.plan_items = [items[code] for code in row["plan_items"]]
        db.session.add(proposal)
    db.session.flush()
    _seed_deliberation(processes["green-transport"], citizens, staff_users.get("facilitator"))
    _seed_supports(processes["green-transport"], citizens, staff_users.get("facilitator"))
    _seed_budget(processes["safer-school-routes"], citizens, staff_users.get("facilitator"),
                 staff_users.get("planner"))
    _seed_results(city, processes["safer-school-routes"], staff_users.get("planner"), zone)
    _seed_plans(city, items, staff_users.get("planner"))
    _seed_statements(processes["safer-school-routes"], data["statements"]["safer-school-routes"], citizens,
                     facilitator, seed=2027, voters=citizens[1:])
    _seed_statements(processes["green-transport"], data["statements"]["green-transport"], citizens,
                     facilitator, seed=2028, voters=citizens[1:70])
    _seed_vision(processes["safer-school-routes"], facilitator)
    logins += _seed_second_city(city, processes, staff_users.get("planner"), password_hash, now)
    return logins


RESULT_UPDATES = [  # (days ago, status, progress, Korean, English) for the winners in the order they won
    [(120, "in_progress", 10, "설계를 마쳤습니다.", "Design finished."),
     (45, "in_progress", 55, "공사가 절반을 넘었습니다.", "Works are more than half done."),
     (7, "completed", 100, "개통했습니다.", "Open to the public.")],
    [(90, "in_progress", 20, "주민 설명회를 열었습니다.", "Residents' meeting held."),
     (20, "in_progress", 40, "첫 구간 공사를 시작했습니다.", "Works started on the first section.")],
    [(60, "planned", 0, "예산을 배정했습니다.", "Budget allocated.")],
]


def _seed_results(city: City, process: Process, planner: User | None, zone: ZoneInfo) -> None:
    """Results for the certified school-routes budget: one per winning project (as a planner creates them from
    the budget page), a few dated updates, and one parent result that gathers them, its progress derived from
    theirs. Once."""
    from app.models import BudgetOutcome, Result
    from app.planning import results

    if planner is None or db.session.get(BudgetOutcome, process.id) is None:
        return
    if db.session.scalar(select(Result.id).where(Result.process_id == process.id).limit(1)) is not None:
        return
    created, _skipped = results.results_from_budget(planner, process)
    now = datetime.now(timezone.utc)
    for result, steps in zip(created, RESULT_UPDATES):
        for days, status, progress, text_ko, text_en in steps:
            on = (now - timedelta(days=days)).astimezone(zone).date()
            results.add_update(planner, result, results.UpdateData(
                on=on, status=status, progress=Decimal(progress), text_ko=text_ko, text_en=text_en), city.time_zone)
    parent = results.create_result(planner, city, results.ResultData(
        title_ko="안전한 통학로 2027", title_en="Safer school routes 2027",
        description_ko="주민참여예산으로 선정된 통학로 사업을 하나로 묶어 추적합니다.",
        description_en="The school-route projects residents chose in the participatory budget, tracked together.",
        starts_on=(now - timedelta(days=150)).date(), ends_on=(now + timedelta(days=200)).date(), parent_id=None,
        target_codes=frozenset({"11.2", "3.6"})), process=process)
    for result in created:
        result.parent_id = parent.id
    db.session.flush()
    results.add_update(planner, parent, results.UpdateData(
        on=(now - timedelta(days=30)).astimezone(zone).date(), status="in_progress", progress=None,
        text_ko="세부 사업이 차례로 진행 중입니다.", text_en="The projects are under way one after another."),
        city.time_zone)


def _seed_supports(process: Process, citizens: list[User], facilitator: User | None) -> None:
    """Support tiers on the green-transport process (as Democracy Seoul runs them, scaled to a hundred demo
    residents: 10 → a public forum, 30 → the city must answer) and supports from the residents, most on the
    first proposals. Once."""
    from app.models import Membership
    from app.voting import supports

    if process.thresholds or facilitator is None:
        return
    supports.add_tier(facilitator, process, supports.TierData(supports=10, label_ko="공개 토론회",
                                                             label_en="Public forum", requires_answer=False))
    supports.add_tier(facilitator, process, supports.TierData(supports=30, label_ko="서울시 답변",
                                                             label_en="The city answers", requires_answer=True))
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.process_id == process.id)
                                        .order_by(Proposal.created_at)))
    memberships = {m.user_id: m for m in db.session.scalars(
        select(Membership).where(Membership.city_id == process.city_id))}
    for rank, proposal in enumerate(proposals):
        wanted = max(0, 34 - rank * 6)  # 34, 28, 22, … supports: the first crosses both tiers
        for citizen in citizens[rank: rank + wanted]:
            supports.support(memberships[citizen.id], proposal)


def _seed_budget(process: Process, citizens: list[User], facilitator: User | None, planner: User | None) -> None:
    """The finished school-routes process as a participatory budget of ₩500,000,000: its proposals reviewed
    feasible, a knapsack ballot from each demo resident (leaning to their own district's projects), and the
    outcome certified by equal shares. Once."""
    import random

    from app.models import Membership
    from app.voting import budget_services as budget

    if process.budget is not None or facilitator is None or planner is None:
        return
    budget.configure_budget(facilitator, process, budget.BudgetSettings(
        amount=Decimal(500_000_000), currency="KRW", ballot_style="knapsack", min_projects=1, max_projects=None,
        min_share=None, points_total=None, points_max=None, rule="mes-add1-greedy", secret=False))
    proposals = list(db.session.scalars(select(Proposal).where(Proposal.process_id == process.id)
                                        .order_by(Proposal.id)))
    for proposal in proposals:
        budget.review_feasibility(planner, proposal, True, "", None)
    rng = random.Random(2026)
    for citizen in citizens:
        membership = db.session.scalar(select(Membership).where(Membership.user_id == citizen.id,
                                                                Membership.city_id == process.city_id))
        ranked = sorted(proposals, key=lambda p: (p.district_id != membership.district_id, rng.random()))
        chosen, spent = {}, Decimal(0)
        for proposal in ranked[:rng.randint(2, 6)]:
            if spent + proposal.cost <= Decimal(500_000_000):
                chosen[proposal.id] = 1
                spent += proposal.cost
        if chosen:
            budget.cast_ballot(membership, process, chosen)
    db.session.refresh(process)
    budget.certify(facilitator, process)
    _seed_poll(process, citizens, facilitator, rng)


POLL_OPTIONS = [
    ("등하교 시간 차 없는 거리", "Car-free streets at school times"),
    ("어린이보호구역 확대", "Larger school zones"),
    ("보행 안전 도우미", "School-route guardians"),
    ("통학로 조명 개선", "Better lighting on school routes"),
]


def _seed_poll(process: Process, citizens: list[User], facilitator: User, rng) -> None:
    """A finished ranked poll on the school-routes process: which measure should come first next year."""
    from app.models import Membership
    from app.models import PollMethod
    from app.voting import poll_services as polls
    from app.voting.services import participant_for

    poll = polls.create_poll(facilitator, process, polls.PollData(
        question_ko="내년에 가장 먼저 추진할 통학로 안전 대책은 무엇인가요?",
        question_en="Which school-route measure should come first next year?",
        description_ko="원하는 만큼 순위를 매겨 주세요.", description_en="Rank as many as you like.",
        method=PollMethod.SCHULZE, secret=False,
        options=tuple(polls.OptionData(label_ko=ko, label_en=en) for ko, en in POLL_OPTIONS)))
    option_ids = [option.id for option in poll.options]
    leaning = [0, 0, 1, 2, 0, 3, 1, 0]  # most residents put car-free streets first
    for n, citizen in enumerate(citizens[:80]):
        membership = db.session.scalar(select(Membership).where(Membership.user_id == citizen.id,
                                                                Membership.city_id == process.city_id))
        first = leaning[n % len(leaning)]
        rest = [i for i in range(len(option_ids)) if i != first]
        rng.shuffle(rest)
        ranking = [option_ids[first]] + [option_ids[i] for i in rest[:rng.randint(0, 3)]]
        polls.cast_ballot(poll, participant_for(membership), ranking)


DEMO_THREAD = [
    # (commenter index, stance, text, reply to the n-th comment of this list or None)
    (12, "for", "찬성합니다. 망원시장 앞은 주말마다 자전거가 차와 뒤섞여 정말 위험해요.", None),
    (31, "against", "The lane would take 40 parking spaces the market's delivery trucks depend on. "
                    "Where would they stop?", None),
    (45, "neutral", "Could the lane run on the river side of Worldcup-ro instead?", 1),
    (0, None, "강변 쪽은 폭이 좁아서 어렵다고 들었어요. 대신 하역 시간대를 정하면 어떨까요?", 2),
    (58, "for", "Loading zones with fixed hours work well in Mapo already (see Yeonnam-dong).", 1),
    (77, "against", "버스 정류장 두 곳의 위치도 바꿔야 해서 비용이 더 들 것 같습니다.", None),
]


def _seed_deliberation(process: Process, citizens: list[User], facilitator: User | None) -> None:
    """A thread with stances and replies on the first proposal, and a debate question: once."""
    from app.deliberation import services as deliberation
    from app.models import Comment, Debate

    if db.session.scalar(select(Debate.id).where(Debate.process_id == process.id)) is not None:
        return
    proposal = db.session.scalar(select(Proposal).where(Proposal.process_id == process.id)
                                 .order_by(Proposal.created_at))
    posted: list[Comment] = []
    for author, stance, text, reply_to in DEMO_THREAD:
        parent = posted[reply_to] if reply_to is not None else None
        posted.append(deliberation.post_comment(citizens[author], proposal, text, stance, parent=parent))
    for voter in citizens[20:32]:
        deliberation.vote_on_comment(voter, posted[0], 1)
    for voter in citizens[40:46]:
        deliberation.vote_on_comment(voter, posted[1], 1)
    if facilitator is not None:
        deliberation.create_debate(facilitator, process, deliberation.DebateData(
            title_ko="월드컵로의 차로 하나를 자전거 도로로 바꿔야 할까요?",
            title_en="Should Worldcup-ro give one car lane to bicycles?",
            description_ko="망원동과 합정역 사이 월드컵로 구간에 대해 의견을 나눠 주세요.",
            description_en="Share your view on the stretch of Worldcup-ro between Mangwon-dong and Hapjeong.",
            side_for_ko="자전거 도로로", side_for_en="Give it to bicycles",
            side_against_ko="차로 유지", side_against_en="Keep the car lane",
            closes_at=None))


# Illustrative figures for the demo, not official statistics.
DEMO_LOCAL_TARGETS = [
    ("cycling-network", "11.2", "11.2.SEL1", "따릉이 대여소, 모든 지하철역 출구 300m 이내 · A Ttareungyi bike-share "
     "station within 300 m of every subway exit"),
    ("parks-green-space", "11.7", "11.7.SEL1", "집에서 걸어서 5분 안에 공원 · A park within a five-minute walk of "
     "every home"),
]
DEMO_INDICATORS = [
    ("cycling-network", "보호 자전거도로 길이", "Length of protected bike lanes", "km", "11.2.1",
     ("92", 2022), ("300", 2030), [("2023-12-31", "118"), ("2024-12-31", "141"), ("2025-06-30", "163")]),
    ("parks-green-space", "공원 5분 거리 내 가구 비율", "Homes within a five-minute walk of a park", "%", "11.7.1",
     ("68", 2022), ("90", 2030), [("2023-12-31", "71"), ("2024-12-31", "74")]),
]


def _seed_plans(city: City, items: dict, planner: User | None) -> None:
    """Local targets under the global ones, and indicators with a baseline, a target and dated readings on two
    Seoul 2030 items, written by the demo planner through the planners' own services (so audited). Once."""
    from datetime import date

    from app.models import LocalTarget
    from app.planning import plans

    if planner is None or db.session.scalar(select(LocalTarget.id).where(LocalTarget.city_id == city.id).limit(1)):
        return
    for item_code, global_code, code, title in DEMO_LOCAL_TARGETS:
        local = plans.create_local_target(planner, city, plans.LocalTargetData(global_code, code, title, ""))
        items[item_code].local_targets.append(local)
    db.session.flush()
    for item_code, name_ko, name_en, unit, official, baseline, target, readings in DEMO_INDICATORS:
        item = items[item_code]
        if item.indicators:
            continue
        indicator = plans.create_indicator(planner, item, plans.IndicatorData(
            name_ko=name_ko, name_en=name_en, unit=unit, baseline_value=Decimal(baseline[0]),
            baseline_year=baseline[1], target_value=Decimal(target[0]), target_year=target[1],
            sdg_indicator_code=official, position=0))
        for measured_on, value in readings:
            plans.add_reading(planner, indicator, plans.ReadingData(date.fromisoformat(measured_on), Decimal(value)))


def _seed_statements(process: Process, specs: list[dict], citizens: list[User], facilitator: User | None, *,
                     seed: int, voters: list[User]) -> None:
    """Statements on a process (seeded by the facilitator or written by residents) and the residents' votes,
    drawn from three latent outlooks so the opinion map has groups to find; then the map itself. Min-ji
    (the citizen login) never votes here, so she can try it. Once."""
    import random

    from sqlalchemy import func, insert

    from app.methods.language import detect_language
    from app.models import Membership, Statement, StatementState, StatementVote
    from app.voting.services import participant_for

    if facilitator is None or db.session.scalar(
            select(func.count(Statement.id)).where(Statement.process_id == process.id)):
        return
    rng = random.Random(seed)
    when = process.phases[0].starts_at
    statements = []
    for n, spec in enumerate(specs):
        author = facilitator if spec["seeded"] else citizens[(n * 13 + 5) % len(citizens)]
        statement = Statement(process_id=process.id, author_id=author.id, body=spec["body"],
                              language=detect_language(spec["body"]) or "", seeded=spec["seeded"],
                              state=StatementState.PUBLISHED, created_at=when + timedelta(hours=n),
                              moderated_at=None if spec["seeded"] else when + timedelta(hours=n + 1),
                              moderated_by_id=None if spec["seeded"] else facilitator.id)
        db.session.add(statement)
        statements.append((statement, spec["agree"]))
    db.session.flush()
    memberships = {m.user_id: m for m in db.session.scalars(
        select(Membership).where(Membership.city_id == process.city_id))}
    rows = []
    for index, citizen in enumerate(voters):
        outlook = (0, 0, 0, 1, 1, 2, 0, 1, 2, 1)[index % 10]  # three outlooks: 4 : 4 : 2
        participant = participant_for(memberships[citizen.id])
        chosen = rng.sample(statements, rng.randint(min(8, len(statements)), len(statements)))
        for statement, agree in chosen:
            roll = rng.random()
            value = 0 if roll < 0.08 else (1 if rng.random() < agree[outlook] else -1)
            rows.append({"participant_id": participant.id, "statement_id": statement.id,
                         "process_id": process.id, "value": value,
                         "created_at": when + timedelta(days=1, minutes=len(rows)),
                         "updated_at": when + timedelta(days=1, minutes=len(rows))})
    db.session.execute(insert(StatementVote), rows)
    for statement, _agree in statements:
        values = [row["value"] for row in rows if row["statement_id"] == statement.id]
        statement.agree_count = values.count(1)
        statement.disagree_count = values.count(-1)
        statement.pass_count = values.count(0)
    db.session.flush()
    from app.vision.opinion import refresh

    refresh(process)


VISION_INTRODUCTION = (
    "2026년 봄, 서울 시민 백 명이 통학로 안전을 함께 고민했습니다. 제안을 내고, 토론하고, 스무 개의 짧은 "
    "의견에 동의하거나 반대했고, 5억 원의 예산을 나누었습니다. 아래는 그 과정에서 시민들이 함께 그린 비전입니다. "
    "모든 문장은 그 근거로 이어집니다.\n\n"
    "In spring 2026 a hundred Seoul residents worked on safer routes to school: they proposed, deliberated, "
    "agreed or disagreed with twenty short statements, and shared a budget of ₩500 million. This is the vision "
    "they drew together; every line links to its evidence."
)
VISION_NOTES = {
    "consensus": "아이들이 혼자 걸어서 학교에 갈 수 있는 동네 — 모든 의견 그룹이 이 목표에 동의했습니다.\n\n"
                 "Every opinion group agreed: a good neighbourhood is one where children can walk to school alone.",
    "groups": "차로를 줄이는 문제에서는 의견이 갈렸습니다. 상권과 주차를 걱정하는 그룹의 목소리도 함께 담았습니다.\n\n"
              "Opinions split on taking space from cars; the outlook of the group worried about shops and parking "
              "is kept here too.",
}


def _seed_vision(process: Process, facilitator: User | None) -> None:
    """The finished school-routes process's shared vision, version 1, endorsed by some residents. Once."""
    from app.models import Endorsement, Membership, VisionSummary
    from app.vision import summaries

    if facilitator is None or db.session.scalar(select(VisionSummary.id).where(
            VisionSummary.process_id == process.id).limit(1)) is not None:
        return
    summaries.generate_draft(facilitator, process)
    summaries.edit_draft(facilitator, process, summaries.VisionText(
        title="아이들이 혼자 걸을 수 있는 통학로 · School routes children can walk alone",
        introduction=VISION_INTRODUCTION, notes=VISION_NOTES))
    published = summaries.publish(facilitator, process)
    memberships = list(db.session.scalars(select(Membership).where(Membership.city_id == process.city_id)
                                          .order_by(Membership.id).limit(60)))
    answers = (Endorsement.YES, Endorsement.YES, Endorsement.PARTLY, Endorsement.YES, Endorsement.NO)
    for n, membership in enumerate(memberships[1:]):  # Min-ji (the first) can endorse it herself
        summaries.endorse(membership, published, answers[n % len(answers)], "")


BUSAN_FILE = Path(__file__).resolve().parent / "data" / "demo_busan.json"


def _seed_second_city(seoul: City, seoul_processes: dict, seoul_planner: User | None, password_hash: str,
                      now: datetime) -> list[tuple[str, str]]:
    """Busan, the demo's second city (app/data/demo_busan.json): its districts and census, staff, the plan
    "Busan 2030" on SDG targets that overlap Seoul's, an open process with a few proposals; practices published
    by both cities (written and published through the practices' own services, so audited) and one Seoul
    practice replicated into a Busan draft process. Seoul gets its country, region and population. Once."""
    from app.models import Practice, Result
    from app.practices import practice_services, replication_services

    data = json.loads(BUSAN_FILE.read_text(encoding="utf-8"))
    if not seoul.country_code:
        for field, value in data["seoul"].items():
            setattr(seoul, field, value)

    city, districts = _ensure_city(data)
    zone = ZoneInfo(city.time_zone)

    logins: list[tuple[str, str]] = []
    staff: dict[str, User] = {}
    for row in data["staff"]:
        user = _get_or_create_user(row["email"], row["name"], password_hash, now)
        membership = _ensure_membership(user, city, districts["busanjin"], 1984, now)
        if not membership.has_role(Role(row["role"])):
            db.session.add(RoleGrant(membership_id=membership.id, role=row["role"]))
        staff[row["role"]] = user
        logins.append((f"Busan {row['role']}", row["email"]))
    citizens = []
    for index, row in enumerate(data["citizens"], start=1):
        user = _get_or_create_user(f"busan-resident{index:02d}@madang.example", row["name"], password_hash, now)
        _ensure_membership(user, city, districts[row["district"]], row["birth_year"], now)
        citizens.append(user)
    db.session.flush()

    plan, items = _ensure_plan(city, data["plan"])

    row = data["process"]
    process = db.session.scalar(select(Process).where(Process.city_id == city.id, Process.title_en == row["title_en"]))
    if process is None:
        process = Process(
            slug=unique_process_slug(row["title_en"]), city_id=city.id, plan_id=plan.id,
            created_by_id=staff["facilitator"].id, title_ko=row["title_ko"], title_en=row["title_en"],
            description_ko=row["description_ko"], description_en=row["description_en"],
            description_html_ko=render_markdown(row["description_ko"]),
            description_html_en=render_markdown(row["description_en"]),
            eligibility_note_ko=row["eligibility_note_ko"], eligibility_note_en=row["eligibility_note_en"])
        db.session.add(process)
        db.session.flush()
        for phase_row in row["phases"]:
            phase = Phase(process=process, name_ko=phase_row["name_ko"], name_en=phase_row["name_en"],
                          starts_at=_local_midnight(zone, phase_row["start_day"]),
                          ends_at=_local_midnight(zone, phase_row["end_day"]))
            phase.set_actions(phase_row["actions"])
            db.session.add(phase)
        db.session.flush()
    targets = {t.code: t for t in db.session.scalars(select(SdgTarget))}
    for age, proposal_row in enumerate(row["proposals"]):
        if db.session.scalar(select(Proposal.id).where(Proposal.process_id == process.id,
                                                       Proposal.title == proposal_row["title"])):
            continue
        body = proposal_row["body"]
        proposal = Proposal(
            process_id=process.id, author_id=citizens[proposal_row["author"]].id, title=proposal_row["title"],
            body=body, body_html=render_markdown(body), search_text=search_key(proposal_row["title"] + "\n" + body),
            cost=Decimal(proposal_row["cost"]), district_id=districts[proposal_row["district"]].id,
            state=ProposalState.PUBLISHED, created_at=now - timedelta(days=8 - age),
            language=proposal_row.get("lang", "ko"))
        proposal.sdg_targets = [targets[code] for code in proposal_row["sdg_targets"]]
        proposal.plan_items = [items[code] for code in proposal_row["plan_items"]]
        db.session.add(proposal)
    db.session.flush()

    # Practices, each way, published through the practices' services; one of Seoul's replicated into Busan.
    practices: dict[str, Practice] = {}
    authors = {"seoul": (seoul, seoul_planner), "busan": (city, staff["planner"])}
    for city_key, rows in data["practices"].items():
        if city_key not in authors:
            continue
        owner, author = authors[city_key]
        if author is None:
            continue
        for spec in rows:
            practice = db.session.scalar(select(Practice).where(Practice.city_id == owner.id,
                                                                Practice.title_en == spec["title_en"]))
            if practice is None:
                source_process = seoul_processes.get(spec.get("from_process")) if city_key == "seoul" else None
                source_result = None
                if source_process is not None:
                    source_result = db.session.scalar(select(Result).where(
                        Result.process_id == source_process.id, Result.parent_id.is_(None),
                        Result.title_en == "Safer school routes 2027"))
                practice = practice_services.create_practice(author, owner, practice_services.PracticeData(
                    theme=spec["theme"], title_ko=spec["title_ko"], title_en=spec["title_en"],
                    summary_ko=spec["summary_ko"], summary_en=spec["summary_en"],
                    obstacles_ko=spec.get("obstacles_ko", ""), obstacles_en=spec.get("obstacles_en", ""),
                    success_factors_ko=spec.get("success_factors_ko", ""),
                    success_factors_en=spec.get("success_factors_en", ""),
                    budget=Decimal(spec["budget"]) if spec.get("budget") else None, currency=spec.get("currency"),
                    staff=spec.get("staff"), target_codes=frozenset(spec["targets"]),
                    indicators=tuple(practice_services.IndicatorRow(
                        name_ko=i["name_ko"], name_en=i["name_en"], unit=i["unit"], baseline=Decimal(i["baseline"]),
                        value=Decimal(i["value"]), year=i["year"]) for i in spec["indicators"])),
                    source_result=source_result, source_process=source_process)
                practice_services.publish_practice(author, practice)
            practices[spec["key"]] = practice
    replicate = data["practices"]["replicate"]
    practice = practices.get(replicate["practice"])
    if practice is not None and not replication_services.replications_by_city(practice, city):
        starts_on = (datetime.now(zone) + timedelta(days=replicate["start_in_days"])).date()
        replication_services.replicate(staff["planner"], practice, city, replication_services.ReplicationData(
            title_ko=replicate["title_ko"], title_en=replicate["title_en"], starts_on=starts_on,
            rounds="source",
            plan_id=next((p.id for p in replication_services.matching_plans(practice, city)), None)))
    db.session.flush()
    return logins
