"""The bench database: created from scratch with the migrations, then filled fast.

One city (Seoul, with its 25 districts from the demo data), about 1,000 residents with memberships, one
process whose propose phase is open now, and N proposals inserted with Core ``insert()`` executemany in
batches, with SDG target links for most of them. Then one long thread: the oldest published proposal gets
5,000 comments (1,000 top-level, 4,000 replies up to depth 3) and 20,000 votes on them from the residents.
Text is generated deterministically (a fixed random seed) from Korean and English phrases; bodies come from
Markdown templates, each rendered once by app.markdown.render_markdown, so ``body_html`` is exactly what the
app would have stored. When complete, the database carries SEED_MARKER as its comment (COMMENT ON
DATABASE); a kept database without the current marker is seeded again."""
from __future__ import annotations

import json
import random
import secrets
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from itertools import accumulate
from pathlib import Path

from sqlalchemy import create_engine, func, insert, select, text
from sqlalchemy.engine import make_url

SEED = 20261128
CITY_SLUG = "seoul"
PROCESS_TITLE = "Seoul 2030 Green Transport (bench)"
BATCH = 5_000

# (Korean title phrases, English title phrases, SDG targets the topic links to)
TOPICS = [
    (["자전거 보호 차선 설치", "자전거길 끊긴 구간 연결", "지하철역 자전거 주차장 확충"],
     ["Protected bike lane", "Covered bike parking", "A missing bike-path link"], ["11.2", "3.6", "13.2"]),
    (["마을버스 배차 간격 단축", "버스 정류장 온열의자 설치", "광역버스 정류장 줄서기 공간 확보"],
     ["More frequent village buses", "Heated seats at bus stops", "Step-free bus stops"], ["11.2", "9.1"]),
    (["보행 신호 연장", "보행자 우선도로 지정", "횡단보도 신설"],
     ["Longer pedestrian signals", "A pedestrian-priority street", "Raised crosswalks"], ["11.2", "3.6"]),
    (["통학로 안전 울타리 설치", "어린이보호구역 과속 단속 카메라", "초등학교 앞 옐로카펫 설치"],
     ["A safe route to school", "A school street at drop-off time", "Speed cushions near schools"],
     ["3.6", "11.2", "4.a"]),
    (["미세먼지 저감 숲 조성", "관광버스 공회전 제한 구역 지정"],
     ["An idle-free zone for tour buses", "A clean-air corridor"], ["11.6", "3.9"]),
    (["공공 전기차 충전소 설치", "태양광 버스 정류장"],
     ["Public EV chargers", "Solar bus shelters"], ["7.2", "13.2", "7.3"]),
    (["공원 가로등 밝기 개선", "하천 산책로 야간 조명 설치"],
     ["Brighter lighting in the park", "Night lighting on the riverside path"], ["11.7", "16.1"]),
    (["가로수 그늘 확대", "빗물 정원 조성"],
     ["More street trees for shade", "Rain gardens on side streets"], ["11.7", "13.1", "15.1"]),
    (["지하철역 엘리베이터 설치", "어르신 무더위 쉼터 확충"],
     ["Step-free station access", "Cooling shelters for older residents"], ["11.2", "10.2", "3.8"]),
    (["거주자우선주차장 낮 시간 공유", "공유 킥보드 주차 구역 지정"],
     ["Shared resident parking by day", "E-scooter parking bays"], ["11.2", "11.6"]),
    (["분리수거 거점 설치", "음식물 쓰레기 감량 사업"],
     ["Neighbourhood recycling points", "Less food waste from markets"], ["12.5", "11.6"]),
    (["청년 공공임대 주택 확대", "반지하 주택 침수 대책"],
     ["Affordable homes for young people", "Flood safety for semi-basement homes"], ["11.1", "1.4", "11.5"]),
    (["작은 도서관 운영 시간 연장", "마을 공유 공간 조성"],
     ["Longer library hours", "A neighbourhood makerspace"], ["11.4", "4.7", "11.7"]),
]

PLACES = [
    "망원동", "연남동", "성수동", "상도동", "면목동", "화곡동", "불광동", "신림동", "목동", "잠실동", "창동",
    "중계동", "문정동", "독산동", "신정동", "흑석동", "미아동", "고덕동", "개봉동", "방배동", "수유동", "우이동",
    "을지로", "회기동", "이태원동", "고척동", "마곡동", "여의도동", "신촌동", "천호동",
]
KO_SUFFIXES = ["", "", " 요청", "해 주세요", " 제안", " 시범 사업"]
EN_LINKS = ["in", "near", "for", "around"]

# Markdown bodies, mixed Korean and English; only the first one mentions 자전거 (bicycle).
BODIES = [
    "동네에서 한강까지는 자전거로 5분 거리지만, 그 5분이 제일 위험합니다. 주말마다 차량과 배달 오토바이, "
    "장 보러 나온 주민들이 뒤섞여 자전거가 설 자리가 없습니다.\n\n제안 내용:\n\n- 연석이나 볼라드로 분리된 "
    "보호 차선\n- 교차로마다 정지선과 노면 표시\n- 대여소 거치대 확충\n\nFamilies ride to the river every "
    "weekend; a **safe, continuous** route matters more than its length.",
    "The crossing is wide and the signal is short. Older residents and parents with prams are only halfway "
    "across when the green man starts to flash.\n\n- Add at least **10 seconds** to the pedestrian phase\n"
    "- Countdown display and audio guidance\n- Pilot a smart signal that extends when someone is still "
    "crossing\n\n많은 주민이 오가는 곳이라 효과가 클 것입니다.",
    "출퇴근 시간마다 정류장 앞 인도가 줄 선 사람들로 막힙니다. 줄 서는 공간을 바닥에 표시하고, 비와 눈을 "
    "피할 수 있는 지붕을 넓혀 주세요.\n\nQueues block the pavement every morning; people in wheelchairs "
    "have to go into the road. A marked queuing area and a longer shelter would fix it cheaply.",
    "## Why\n\nThe street is the only way to the market and the school, yet it has no pavement on one side. "
    "Cars park on the corner and children walk between them.\n\n## What\n\n1. A continuous pavement on the "
    "east side\n2. Bollards at the corner\n3. A 30 km/h limit with raised crossings\n\n통학 시간만이라도 "
    "차량 통행을 제한해 주세요.",
    "여름이면 그늘이 하나도 없는 길입니다. 가로수를 심고 빗물 정원을 만들면 더위도 줄고 비가 많이 올 때 "
    "물 빠짐도 좋아집니다.\n\n> 작은 나무 한 그루가 여름 한낮 기온을 몇 도 낮춘다고 합니다.\n\nStreet trees "
    "and rain gardens: cooler in summer, fewer flooded basements in the monsoon.",
    "Tour buses idle for hours outside the palace with their engines running for air conditioning. The fumes "
    "drift into the neighbouring alleys and the school playground.\n\n- Idle-free signs and enforcement\n- "
    "Shore power at the coach park\n- A drop-off-only rule on the narrow streets\n\n공회전만 줄여도 공기가 "
    "훨씬 깨끗해집니다.",
    "빌라 골목에는 전기차 충전기가 하나도 없습니다. 공영주차장과 주민센터 주차장에 완속 충전기를 설치하고, "
    "밤에는 주민이 함께 쓸 수 있게 해 주세요.\n\nMost of us park on the street; without **public chargers** "
    "nobody here can switch to an electric car.",
    "The riverside path is dark after 7 pm in winter. Cyclists and runners use it in the dark and people "
    "avoid it altogether.\n\n- Low-glare lights every 30 m\n- Emergency bells at the underpasses\n- Flood "
    "warnings on the signs\n\n밤에도 안심하고 다닐 수 있는 산책로가 필요합니다.",
    "지하철역에 엘리베이터가 한쪽 출구에만 있어서 휠체어 이용자와 어르신은 큰길을 두 번 건너야 합니다. "
    "반대쪽 출구에도 엘리베이터를 설치해 주세요.\n\nStep-free access at **both** exits, please: the detour is "
    "400 m and two crossings.",
    "Resident parking bays stand empty from 9 to 6 while visitors circle the block. Let shops and visitors "
    "use them by day, booked through the district app.\n\n낮 시간 공유 주차로 불법 주차도 줄고 골목도 "
    "조용해질 것입니다.",
    "시장 주변 음식물 쓰레기가 너무 많습니다. 상인회와 함께 감량 사업을 하고, 분리수거 거점을 만들어 "
    "주세요.\n\n- 거점마다 관리인 배치\n- 퇴비화 시범 사업\n\nThe market could halve its food waste with a "
    "shared composting point.",
    "The small library closes at 6 pm, just when students and working parents could use it. Open until 10 "
    "pm on weekdays and add a **makerspace** corner.\n\n작은 도서관이 마을의 공유 공간이 되었으면 "
    "합니다. [서울시 작은도서관](https://example.org/libraries) 사례를 참고해 주세요.",
]

WITHDRAW_REASONS = ["같은 내용의 제안이 이미 있어 철회합니다.", "Merged with a similar proposal."]
ANSWERS = ["검토 결과 내년도 예산에 반영하기로 했습니다.", "The district will pilot this in the spring."]

# The long thread: one proposal with THREAD_COMMENTS comments (THREAD_TOP of them top-level, the rest replies
# nested up to depth THREAD_MAX_DEPTH, the deepest a city allows by default) and THREAD_VOTES votes on them.
THREAD_COMMENTS = 5_000
THREAD_TOP = 1_000
THREAD_MAX_DEPTH = 3  # comment_levels defaults to 4: depths 0..3
THREAD_VOTES = 20_000
# Stances of the thread's comments: about 35% for, 35% against, 15% neutral, the rest none.
STANCES = [("for", 0.35), ("against", 0.35), ("neutral", 0.15), (None, 0.15)]

# What the database must say (COMMENT ON DATABASE) for a kept database to count as seeded by this file.
# Bump it whenever the seed changes, so databases seeded by an older bench/seed.py are seeded again.
SEED_MARKER = f"madang-bench seed 4: proposals, a {THREAD_COMMENTS}-comment thread, {THREAD_VOTES} comment votes"

COMMENT_BODIES = [
    "좋은 제안입니다. 저도 매일 이 길로 출퇴근하는데 **아침마다** 위험한 순간이 있습니다.",
    "I walk my kids to school along this street every morning. Anything that slows the cars down gets my "
    "support.",
    "예산이 너무 많이 드는 것 같습니다. 같은 돈이면 다른 동네의 더 급한 문제부터 해결하는 게 맞지 않을까요?",
    "Has anyone asked the shop owners? Losing the parking in front of their doors could hurt them a lot:\n\n"
    "- deliveries need somewhere to stop\n- older customers come by car\n\nA loading bay at the corner would "
    "help.",
    "반대합니다. 이미 비슷한 시설이 근처에 있고, 관리가 제대로 안 되고 있습니다.\n\n> 새로 만드는 것보다 "
    "있는 것부터 제대로 관리해 주세요.",
    "The numbers in the proposal look right to me. The district did the same on the other side of the river "
    "in 2024 and [the evaluation](https://example.org/evaluation) found 30% fewer accidents.",
    "공사 기간 동안 소음과 통행 불편은 어떻게 하나요? 주민 설명회를 먼저 열어 주세요.",
    "Agree with the aim, not with the design. A *raised* crossing would do more than another traffic light.",
    "저는 이 근처 주민인데요, 밤에는 정말 어둡습니다. 꼭 필요합니다!",
    "Neutral for now: I would like to see the cost per year, not only the cost of building it.",
    "1. 안전\n2. 접근성\n3. 비용\n\n세 가지 모두 고려하면 찬성할 만합니다. 다만 유지 관리 주체를 분명히 해야 "
    "합니다.",
    "This would push the traffic into the side streets where there are no pavements at all. Please model the "
    "diversion first.",
    "어르신들이 많이 사는 동네라 엘리베이터와 쉼터가 꼭 있었으면 좋겠습니다. `교통약자` 관점에서 다시 "
    "검토해 주세요.",
    "Thanks for writing this up. Count me in if there is a volunteer day for planting.",
    "찬성하지만 시범 사업으로 먼저 해 보고 결과를 공개했으면 합니다.",
    "Same problem in our block. +1",
]


@dataclass
class BenchTarget:
    """What the load generator needs to know about the seeded database."""

    city_slug: str
    process_id: int
    proposals: int
    detail_ids: list[int]
    thread_id: int  # the proposal with the long thread
    thread_comments: int


def _columns(model, **values) -> dict:
    """The values whose names are columns of the model's table (old and new column names can both be given)."""
    columns = model.__table__.c
    return {key: value for key, value in values.items() if key in columns}


def migration_heads() -> set[str]:
    from alembic.script import ScriptDirectory

    return set(ScriptDirectory(str(Path(__file__).resolve().parent.parent / "migrations")).get_heads())


def admin_url(url: str) -> str:
    return make_url(url).set(database="postgres").render_as_string(hide_password=False)


def database_name(url: str) -> str:
    return make_url(url).database


def existing_target(url: str, n: int) -> BenchTarget | None:
    """The seeded bench database, if it exists, was seeded by this version of the file (SEED_MARKER) and
    holds exactly n proposals in the bench process and the long thread."""
    admin = create_engine(admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            marker = conn.execute(text(
                "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = :n"
            ), {"n": database_name(url)}).first()
    finally:
        admin.dispose()
    if marker is None or marker[0] != SEED_MARKER:
        return None  # no database, or one seeded by an older bench/seed.py (or half-seeded: no marker yet)
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            revisions = {r[0] for r in conn.execute(text("SELECT version_num FROM alembic_version"))}
            if revisions != migration_heads():
                return None  # built by older migrations: the app would not run on it
            row = conn.execute(text(
                "SELECT p.id, (SELECT count(*) FROM proposals WHERE process_id = p.id) "
                "FROM processes p JOIN cities c ON c.id = p.city_id WHERE c.slug = :slug ORDER BY p.id LIMIT 1"
            ), {"slug": CITY_SLUG}).first()
            total = conn.scalar(text("SELECT count(*) FROM proposals"))
            if row is None or row[1] != n or total != n:
                return None
            threads = conn.execute(text("SELECT proposal_id, count(*) FROM comments GROUP BY proposal_id")).all()
            votes = conn.scalar(text("SELECT count(*) FROM comment_votes"))
            if len(threads) != 1 or threads[0][1] != THREAD_COMMENTS or votes != THREAD_VOTES:
                return None
            thread_id = threads[0][0]
            if thread_id != thread_proposal_id(conn, row[0]):
                return None
            return BenchTarget(CITY_SLUG, row[0], n, detail_ids(conn, row[0]), thread_id, THREAD_COMMENTS)
    except Exception:  # no schema, half-seeded, …: start again
        return None
    finally:
        engine.dispose()


def thread_proposal_id(conn, process_id: int) -> int:
    """The proposal that gets the long thread: the oldest published one (open to comments, 90 days old)."""
    return conn.scalar(text("SELECT id FROM proposals WHERE process_id = :p AND state = 'published' "
                            "ORDER BY id LIMIT 1"), {"p": process_id})


def detail_ids(conn, process_id: int, count: int = 200) -> list[int]:
    """A fixed list of proposal ids spread over the whole table (same list on every run), without the
    long thread's proposal, which has a page of its own."""
    ids = [r[0] for r in conn.execute(text("SELECT id FROM proposals WHERE process_id = :p ORDER BY id"),
                                      {"p": process_id})]
    thread_id = thread_proposal_id(conn, process_id)
    return sorted(i for i in random.Random(SEED).sample(ids, min(count, len(ids))) if i != thread_id)


def seed_thread(session, proposal_id: int, opened: datetime, user_ids: list[int], now: datetime) -> dict:
    """The long thread on one proposal, inserted with Core executemany: THREAD_TOP top-level comments and
    replies up to THREAD_MAX_DEPTH deep (parent_id, root_id and depth consistent, a reply always later than
    its parent, ids in order of time), then THREAD_VOTES votes on them, unique per person and comment and
    never on one's own comment. Its own random generator, so the proposals stay what they were."""
    from app.markdown import render_markdown
    from app.methods.language import detect_language
    from app.models import Comment, CommentVote

    rng = random.Random(SEED + 1)
    rendered = [render_markdown(body) for body in COMMENT_BODIES]
    languages = [detect_language(body) for body in COMMENT_BODIES]
    stances, stance_weights = zip(*STANCES)
    span = (now - opened).total_seconds()

    # The tree, in memory first. Each node: [created_at, parent index or None, root index or None, depth].
    nodes: list[list] = []
    for _ in range(THREAD_TOP):
        # More talk in the first weeks than later: a Beta(1.3, 2.2) over the proposal's life so far.
        nodes.append([opened + timedelta(seconds=span * rng.betavariate(1.3, 2.2)), None, None, 0])
    # Some top-level comments draw long discussions, most a few replies, a third none.
    pull = [0.0 if rng.random() < 0.3 else rng.paretovariate(1.3) for _ in range(THREAD_TOP)]
    pull_total = list(accumulate(pull))
    trees: list[list[int]] = [[i] for i in range(THREAD_TOP)]  # per top-level comment: its nodes
    for _ in range(THREAD_COMMENTS - THREAD_TOP):
        root = rng.choices(range(THREAD_TOP), cum_weights=pull_total)[0]
        candidates = [i for i in trees[root] if nodes[i][3] < THREAD_MAX_DEPTH]
        parent = root if rng.random() < 0.45 else rng.choice(candidates)
        after = nodes[parent][0]
        delay = rng.expovariate(1 / (8 * 3600))  # replies come hours after, mostly
        room = (now - after).total_seconds()
        if delay >= room:
            delay = room * rng.random()
        nodes.append([after + timedelta(seconds=delay, microseconds=1), parent, root, nodes[parent][3] + 1])
        trees[root].append(len(nodes) - 1)

    # Ids in order of time, as the app would have given them; parents always come first.
    order = sorted(range(len(nodes)), key=lambda i: nodes[i][0])
    first_id = session.scalar(text("SELECT nextval(pg_get_serial_sequence('comments', 'id'))"))
    session.execute(text("SELECT setval(pg_get_serial_sequence('comments', 'id'), :v)"),
                    {"v": first_id + len(nodes) - 1})
    ids = {index: first_id + rank for rank, index in enumerate(order)}
    rows, authors = [], {}
    for index in order:
        created, parent, root, depth = nodes[index]
        body = rng.randrange(len(COMMENT_BODIES))
        author = rng.choice(user_ids)
        authors[ids[index]] = author
        rows.append({
            "id": ids[index], "proposal_id": proposal_id, "debate_id": None,
            "parent_id": None if parent is None else ids[parent], "root_id": None if root is None else ids[root],
            "depth": depth, "author_id": author, "stance": rng.choices(stances, weights=stance_weights)[0],
            "body": COMMENT_BODIES[body], "body_html": rendered[body], "language": languages[body],
            "created_at": created, "edited_at": created + timedelta(minutes=20) if rng.random() < 0.05 else None,
        })
    for start in range(0, len(rows), BATCH):
        session.execute(insert(Comment.__table__), rows[start:start + BATCH])

    # Votes: popular comments get many (top-level ones more), most a few; each comment leans up or down.
    comment_ids = [row["id"] for row in rows]
    created_of = {row["id"]: row["created_at"] for row in rows}
    appeal = [rng.paretovariate(1.4) * (2.5 if row["depth"] == 0 else 1.0) for row in rows]
    appeal_total = list(accumulate(appeal))
    lean = {cid: rng.betavariate(3, 1.5) for cid in comment_ids}  # the chance a vote is up
    seen: set[tuple[int, int]] = set()
    votes = []
    while len(votes) < THREAD_VOTES:
        for cid in rng.choices(comment_ids, cum_weights=appeal_total, k=THREAD_VOTES - len(votes)):
            user = rng.choice(user_ids)
            if user == authors[cid] or (user, cid) in seen:
                continue  # one vote per person and comment, and none on one's own comment
            seen.add((user, cid))
            after = created_of[cid]
            votes.append({"user_id": user, "comment_id": cid, "value": 1 if rng.random() < lean[cid] else -1,
                          "created_at": after + (now - after) * rng.random() ** 3})
    for start in range(0, len(votes), BATCH):
        session.execute(insert(CommentVote.__table__), votes[start:start + BATCH])
    # The comments' stored tallies, as the app keeps them when votes arrive one by one.
    session.execute(text(
        "UPDATE comments SET up_votes = t.up, down_votes = t.down, score = t.up - t.down FROM ("
        " SELECT comment_id, count(*) FILTER (WHERE value = 1) AS up, count(*) FILTER (WHERE value = -1) AS down"
        " FROM comment_votes GROUP BY comment_id) AS t WHERE comments.id = t.comment_id"))
    depths = [0] * (THREAD_MAX_DEPTH + 1)
    for row in rows:
        depths[row["depth"]] += 1
    return {"comments": len(rows), "by_depth": depths, "comment_votes": len(votes),
            "largest_tree": max(len(t) for t in trees)}


def recreate_database(url: str) -> None:
    name = database_name(url)
    admin = create_engine(admin_url(url), isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    finally:
        admin.dispose()


def _title(rng: random.Random, topic: int) -> str:
    ko, en, _targets = TOPICS[topic]
    place = rng.choice(PLACES)
    if rng.random() < 0.6:
        return f"{place} {rng.choice(ko)}{rng.choice(KO_SUFFIXES)}"
    return f"{rng.choice(en)} {rng.choice(EN_LINKS)} {place}"


def seed(url: str, n: int, log=print) -> tuple[BenchTarget, dict]:
    """Drop and recreate the database at ``url``, build the schema and fill it. Returns the target and timings."""
    from flask_migrate import upgrade

    from app import create_app
    from app.auth.passwords import hash_password
    from app.extensions import db
    from app.markdown import render_markdown
    from app.models import City, District, Membership, Phase, Process, Proposal, User, proposal_targets
    from app.proposals.services import search_key
    from app.slugs import unique_process_slug
    from app.seed import DATA_FILE as DEMO_DATA
    from app.sdg import load_sdg_reference, read_reference

    timings: dict[str, float] = {}
    started = time.perf_counter()
    recreate_database(url)
    app = create_app({"SQLALCHEMY_DATABASE_URI": url, "SECRET_KEY": "bench-seed-only"})
    rng = random.Random(SEED)
    now = datetime.now(timezone.utc).replace(microsecond=0)
    with app.app_context():
        upgrade()
        load_sdg_reference()
        db.session.commit()
        timings["schema"] = time.perf_counter() - started

        t = time.perf_counter()
        demo = json.loads(DEMO_DATA.read_text(encoding="utf-8"))
        spec = demo["city"]
        city = City(slug=CITY_SLUG, name_en=spec["name_en"], name_ko=spec["name_ko"],
                    default_locale=spec["default_locale"], time_zone=spec["time_zone"])
        db.session.add(city)
        db.session.flush()
        districts = [District(city_id=city.id, code=d["code"], name_en=d["name_en"], name_ko=d["name_ko"],
                              population_share=Decimal(d["population_share"])) for d in demo["districts"]]
        db.session.add_all(districts)
        db.session.flush()
        district_ids = [d.id for d in districts]

        password_hash = hash_password("bench-password-not-for-login")
        users = [{
            "email": f"resident{i:04d}@bench.madang.example", "name": f"주민 {i:04d} Resident",
            "password_hash": password_hash, "session_token": secrets.token_urlsafe(32),
            "email_confirmed_at": now, "terms_version": "2026-11", "terms_accepted_at": now,
            "locale": rng.choice([None, "ko", "en"]), "is_platform_admin": False,
            "created_at": now - timedelta(days=rng.randint(70, 700)), "last_login_at": None,
        } for i in range(1000)]
        user_ids = list(db.session.scalars(insert(User).returning(User.id, sort_by_parameter_order=True), users))
        db.session.execute(insert(Membership), [{
            "user_id": uid, "city_id": city.id, "district_id": rng.choice(district_ids),
            "birth_year": rng.randint(1940, 2010), "verified_at": now, "joined_at": now - timedelta(days=60),
        } for uid in user_ids])

        # Only columns the current models have: the schema is young and still changing (bilingual fields).
        ko, en = "서울 2030 녹색 교통 (벤치마크)", PROCESS_TITLE
        about_ko, about_en = "2030년의 서울은 어떻게 이동해야 할까요?", "How should Seoul get around by 2030?"
        process = Process(city_id=city.id, slug=unique_process_slug(en), **_columns(
            Process, title=en, title_ko=ko, title_en=en, description=about_en, description_ko=about_ko,
            description_en=about_en, description_html=render_markdown(about_en),
            description_html_ko=render_markdown(about_ko), description_html_en=render_markdown(about_en),
            eligibility_note="Anyone 14 or over.", eligibility_note_ko="만 14세 이상 누구나.",
            eligibility_note_en="Anyone 14 or over."))
        db.session.add(process)
        db.session.flush()
        phase = Phase(process_id=process.id, starts_at=now - timedelta(days=90), ends_at=now + timedelta(days=30),
                      **_columns(Phase, name="Collect ideas", name_en="Collect ideas", name_ko="아이디어 모으기"))
        phase.set_actions(["propose", "comment", "support"])
        db.session.add(phase)
        db.session.commit()
        process_id = process.id
        timings["city_users_process"] = time.perf_counter() - t

        t = time.perf_counter()
        rendered = [render_markdown(body) for body in BODIES]
        target_codes = {row["code"] for row in read_reference()["targets"]}
        other_targets = sorted(target_codes)
        span = timedelta(days=90).total_seconds()
        first = now - timedelta(days=90)
        proposals = Proposal.__table__
        has_language = "language" in proposals.c  # newer schema: the detected language of the text
        if has_language:
            from app.methods.language import detect_language
        links = 0
        # Bulk-load trick: the trigram index is dropped for the load and rebuilt after it from its own
        # definition (pg_get_indexdef), so the schema stays exactly what the migration made.
        trigram_index = db.session.scalar(text(
            "SELECT pg_get_indexdef(indexrelid) FROM pg_index WHERE indexrelid = 'ix_proposals_search_text_trgm'::regclass"
        ))
        db.session.execute(text("DROP INDEX ix_proposals_search_text_trgm"))
        db.session.commit()
        for start in range(0, n, BATCH):
            rows, topics = [], []
            for i in range(start, min(start + BATCH, n)):
                topic = rng.randrange(len(TOPICS))
                body_index = rng.randrange(len(BODIES))
                title = _title(rng, topic)
                body = BODIES[body_index]
                created = first + timedelta(seconds=span * (i + rng.random()) / n)
                roll = rng.random()
                state, withdrawn_at, reason, answer, answered_at = "published", None, None, None, None
                if roll < 0.05:
                    state, withdrawn_at = "withdrawn", created + timedelta(hours=5)
                    reason = rng.choice(WITHDRAW_REASONS)
                elif roll < 0.09:
                    state = "evaluating"
                elif roll < 0.15:
                    state = rng.choice(["accepted", "rejected", "implemented"])
                    answer, answered_at = rng.choice(ANSWERS), created + timedelta(days=3)
                row = {
                    "process_id": process_id, "author_id": rng.choice(user_ids), "organization_id": None,
                    "title": title, "body": body, "body_html": rendered[body_index],
                    "cost": Decimal(rng.randrange(1, 2000) * 1_000_000) if rng.random() < 0.6 else None,
                    "district_id": rng.choice(district_ids) if rng.random() < 0.9 else None,
                    "state": state, "answer": answer, "answered_at": answered_at, "withdrawn_at": withdrawn_at,
                    "withdraw_reason": reason, "search_text": search_key(title + "\n" + body),
                    "created_at": created, "edited_at": created + timedelta(hours=2) if rng.random() < 0.1 else None,
                }
                if has_language:
                    row["language"] = detect_language(title + "\n" + body)
                rows.append(row)
                topics.append(topic)
            ids = list(db.session.scalars(insert(proposals).returning(proposals.c.id, sort_by_parameter_order=True),
                                          rows))
            link_rows = []
            for proposal_id, topic in zip(ids, topics):
                if rng.random() < 0.1:
                    continue  # about one in ten proposals names no target
                codes = set(rng.sample(TOPICS[topic][2], rng.randint(1, len(TOPICS[topic][2]))))
                if rng.random() < 0.2:
                    codes.add(rng.choice(other_targets))
                link_rows += [{"proposal_id": proposal_id, "sdg_target_code": code} for code in sorted(codes)]
            db.session.execute(insert(proposal_targets), link_rows)
            links += len(link_rows)
            db.session.commit()
            if (start // BATCH) % 5 == 4 or start + BATCH >= n:
                log(f"  … {min(start + BATCH, n):,} proposals ({time.perf_counter() - t:.1f} s)")
        timings["proposals"] = time.perf_counter() - t
        t = time.perf_counter()
        db.session.execute(text("SET LOCAL maintenance_work_mem = '256MB'"))
        db.session.execute(text(trigram_index))
        db.session.commit()
        timings["trigram_index"] = time.perf_counter() - t

        t = time.perf_counter()
        thread_id = thread_proposal_id(db.session, process_id)
        opened = db.session.scalar(select(Proposal.created_at).where(Proposal.id == thread_id))
        thread = seed_thread(db.session, thread_id, opened, user_ids, now)
        db.session.commit()
        timings["thread"] = time.perf_counter() - t
        log(f"  … proposal {thread_id}: {thread['comments']:,} comments (by depth {thread['by_depth']}, "
            f"largest tree {thread['largest_tree']}), {thread['comment_votes']:,} comment votes "
            f"({timings['thread']:.1f} s)")
        db.session.remove()
        db.engine.dispose()

    t = time.perf_counter()
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as conn:
            conn.execute(text("VACUUM (ANALYZE)"))
            target = BenchTarget(CITY_SLUG, process_id, n, detail_ids(conn, process_id), thread_id,
                                 thread["comments"])
            counts = {
                "users": conn.scalar(select(func.count()).select_from(text("users"))),
                "proposals": conn.scalar(select(func.count()).select_from(text("proposals"))),
                "proposal_targets": links,
                "comments": conn.scalar(select(func.count()).select_from(text("comments"))),
                "comment_votes": conn.scalar(select(func.count()).select_from(text("comment_votes"))),
            }
            # Last: the mark that the database is complete and seeded by this version of the file.
            conn.execute(text(f'COMMENT ON DATABASE "{database_name(url)}" IS ' + "'" + SEED_MARKER + "'"))
    finally:
        engine.dispose()
    timings["vacuum_analyze"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - started
    return target, {"timings": timings, "counts": counts, "thread": {"proposal_id": thread_id, **thread}}
