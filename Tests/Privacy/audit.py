#!/usr/bin/python3
"""The attacker's audit of the published summaries (issue 19): can a withheld small group be
narrowed down when every published file is read together?

Usage: Tests/Privacy/audit.py BIN_DIR [--seed N] [--report-only] [--only single|revisions]
       [--skip-revisions] [--revisions-release closed|open]

For each data set (the case of the issue, then random data sets of several shapes with many small
cells), the real surveyd is started on a free port with a temporary folder, one collaborator per unit
submits the responses over the protocol, `surveyctl publish` writes the summaries, and the audit
reads every summary.json (weeks, months, quarters, years) as a reader would: every published count,
count per sentiment and period total is a linear equation on the atoms (unit × topic × group ×
sentiment × tally span, a span being the days inside one week and one month), which are
non-negative integers. For every withheld position whose true count is below the minimum, SciPy's
`milp` (HiGHS; an implementation no one here wrote) finds the smallest and largest count
consistent with all of it, and for every sentiment the position holds, the smallest and largest
count of that sentiment. The audit fails when a count can take fewer than minimum + 1 values or a
sentiment's count is pinned to one value.

These single publications run with `release: open` (every period published as it fills, unfinished
ones included).

Then the revisions audit (`release: closed`, `grace_days: 0`): one surveyd runs throughout; step k
submits the responses arriving at k and publishes with `surveyctl publish --as-of` the Monday after
week k; every step's files are one version, and its truth is read from the database
(released_spans). Late responses go into released weeks: the issue's case (a published cell of
10, then 3 late ones that must be held back, then 2 more that must be released as revision 2 with
15), a small group that later grows to ≥ 5, and small groups that must stay held. The audit checks
that every version publishes exactly its released truth, that nothing is released incompletely or
shrinks, that released masks never change, and `held_back` in index.json; then the attacker's joint
system (atoms R_k of every version, R_k ≥ R_{k−1}, every published figure of every version) must
leave every small withheld position ≥ minimum + 1 values and no sentiment pinned, and every small
change (1…4) of a position between consecutive versions must be withheld and as uncertain.
`--revisions-release open` runs the same steps with `release: open` to check the audit itself (it
must find narrowed cells and small differences there).

With --report-only it prints the figures and exits 0 even when cells are narrowed (to measure an
older build). Runs in about 8 minutes (HiGHS without presolve); every data set is bounded in size,
the revisions audit's solving to 3 minutes (what is left unaudited then is reported).
"""
import argparse
import json
import os
import random
import shutil
import socket
import struct
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone

import numpy as np
from scipy.optimize import Bounds, LinearConstraint, milp
from scipy.sparse import csr_matrix

MINIMUM = 5
UNITS = ["TPTN", "TPSC", "TXPY", "DH", "PL", "DHY", "VN", "DT", "PB", "KCQ", "KDN", "QS", "CA", "DHTN", "BVTW", "BDBP"]
TOPICS = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "TREEM", "KTXH", "CDS"]
GROUPS = ["CB", "DV", "ND"]
SENTIMENTS = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]
PROVINCE = timezone(timedelta(hours=7))
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]


class Failure(Exception):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def config_text(units, topics, port, release="open", grace_days=None):
    """`release: open` publishes every period as it fills (one publication audited on its own);
    `release: closed` with `grace_days` publishes a period once it has ended (the revisions audit)."""
    lines = [
        f'listen: ["127.0.0.1:{port}"]',
        "time_zone: Asia/Ho_Chi_Minh",
        "publish:",
        "  interval_seconds: 604800",
        "  periods: [week, month, quarter, year]",
        f"  minimum_cell_size: {MINIMUM}",
        f"  release: {release}",
        *([f"  grace_days: {grace_days}"] if grace_days is not None else []),
        "units:",
        *[f'  - {{ code: {u}, name: "Đơn vị {u}" }}' for u in units],
        "topics:",
        *[f'  - {{ code: {t}, title: "Chủ đề {t}" }}' for t in topics],
        "groups:",
        *[f'  - {{ code: {g}, name: "Nhóm {g}" }}' for g in GROUPS],
        "sentiments:",
        '  - { code: DONGTINH, label: "Đồng tình", polarity: 1 }',
        '  - { code: PHANVAN, label: "Phân vân", polarity: 0 }',
        '  - { code: KHONGDONGTINH, label: "Không đồng tình", polarity: -1 }',
    ]
    return "\n".join(lines) + "\n"


def read_reply(reader):
    lines = []
    while True:
        raw = reader.readline()
        if not raw:
            raise Failure("surveyd closed the connection")
        lines.append(raw.decode("utf-8").rstrip("\r\n"))
        if len(lines[-1]) < 4 or lines[-1][3] == " ":
            return int(lines[-1][:3]), lines


def submit(port, collaborators, responses, tag):
    """Submits `responses` [(date, unit, topic, group, sentiment, ...)] over the protocol, one
    connection per unit, in batches named `tag`-UNIT-N."""
    by_unit = defaultdict(list)
    for day, unit, topic, group, sentiment, *_ in responses:
        by_unit[unit].append(f"R {day.isoformat()} {topic} {group} {sentiment}")
    for unit, lines in by_unit.items():
        identity, token = collaborators[unit]
        with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
            reader = sock.makefile("rb")
            read_reply(reader)
            sock.sendall(f"AUTH {identity} {token}\r\n".encode())
            if read_reply(reader)[0] != 235:
                raise Failure(f"AUTH refused for {unit}")
            for number, start in enumerate(range(0, len(lines), 4000)):
                batch = lines[start:start + 4000]
                sock.sendall(f"BATCH {tag}-{unit}-{number} {len(batch)}\r\n".encode())
                code, reply = read_reply(reader)
                if code != 354:
                    raise Failure(f"BATCH refused: {reply}")
                sock.sendall(("\r\n".join(batch + ["COMMIT"]) + "\r\n").encode())
                code, reply = read_reply(reader)
                if code != 250:
                    raise Failure(f"batch of {unit} refused: {reply}")


class Instance:
    """A surveyd on a free port with a temporary folder and one collaborator per unit; stopped by
    `stop()`. `surveyctl(...)` runs surveyctl on its configuration and state."""

    def __init__(self, bin_dir, units, topics, prefix, release, grace_days=None):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.state = os.path.join(self.work, "state")
        self.port = free_port()
        self.config = os.path.join(self.work, "surveyd.conf")
        with open(self.config, "w", encoding="utf-8") as file:
            file.write(config_text(units, topics, self.port, release=release, grace_days=grace_days))
        self.collaborators = {}
        for unit in units:
            added = json.loads(self.surveyctl("collaborator", "add", "--unit", unit, "--name", f"Cộng tác viên {unit}", "--json"))
            self.collaborators[unit] = (added["collaborator"]["id"], added["token"])
        self.log_path = os.path.join(self.work, "surveyd.log")
        with open(self.log_path, "w") as log:
            self.daemon = subprocess.Popen(DIE_WITH_PARENT + [os.path.join(bin_dir, "surveyd"), "--config", self.config, "--state-dir", self.state,
                                                              "--log-target", "stderr"], stdout=log, stderr=log, cwd="/")
        deadline = time.monotonic() + 60
        while True:
            with open(self.log_path, encoding="utf-8", errors="replace") as file:
                if "] ready" in file.read():
                    break
            if self.daemon.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise Failure(f"surveyd did not become ready; its log: {self.log_path}")
            time.sleep(0.05)

    def surveyctl(self, *arguments):
        result = subprocess.run([os.path.join(self.bin_dir, "surveyctl"), *arguments, "--config", self.config, "--state-dir", self.state],
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise Failure(f"surveyctl {' '.join(arguments)} failed ({result.returncode}): {result.stderr}{result.stdout}")
        return result.stdout

    def stop(self):
        if self.daemon.poll() is None:
            self.daemon.terminate()
        self.daemon.wait(timeout=60)


def publish(bin_dir, units, topics, responses):
    """Runs surveyd, submits `responses` [(date, unit, topic, group, sentiment)], publishes with
    surveyctl, and returns the summaries folder (inside a temporary folder kept by the caller)."""
    instance = Instance(bin_dir, units, topics, "surveyd-privacy-", release="open")
    try:
        submit(instance.port, instance.collaborators, responses, "audit")
    finally:
        instance.stop()
    instance.surveyctl("publish")
    return instance.work, os.path.join(instance.state, "summaries")


def read_summaries(folder):
    files = []
    for kind in ("week", "month", "quarter", "year"):
        base = os.path.join(folder, kind)
        if not os.path.isdir(base):
            continue
        for name in sorted(os.listdir(base)):
            with open(os.path.join(base, name, "summary.json"), encoding="utf-8") as file:
                files.append(json.load(file))
    return files


def spans_of(first, last):
    """Tally spans: runs of days inside one ISO week and one month. Returns {day: span index}."""
    index, key, result, day = -1, None, {}, first
    while day <= last:
        k = (day.isocalendar()[:2], day.month, day.year)
        if k != key:
            index, key = index + 1, k
        result[day] = index
        day += timedelta(days=1)
    return result, index + 1


def positions(summary):
    """Every position of a summary: (topic, unit or None, group or None, cell)."""
    for topic in summary["topics"]:
        yield topic["code"], None, None, topic["province"]
        for group in topic["province_groups"]:
            yield topic["code"], None, group["group"], group["cell"]
        for row in topic["units"]:
            yield topic["code"], row["unit"], None, row["total"]
            for group in row["groups"]:
                yield topic["code"], row["unit"], group["group"], group["cell"]


class AtomSpace:
    """The attacker's unknowns: one count per unit × topic × group × sentiment × tally span, from
    the span of `first` to that of `last`, numbered topic-major (each topic's atoms contiguous)."""

    def __init__(self, units, topics, first, last):
        self.span_of, self.span_count = spans_of(first, last)
        self.U, self.T, self.G, self.S = len(units), len(topics), len(GROUPS), len(SENTIMENTS)
        self.unit_index = {u: i for i, u in enumerate(units)}
        self.topic_index = {t: i for i, t in enumerate(topics)}
        self.size = self.T * self.U * self.G * self.S * self.span_count

    def var(self, t, u, g, s, span):
        return (((t * self.U + u) * self.G + g) * self.S + s) * self.span_count + span

    def atom(self, day, unit, topic, group, sentiment):
        """The atom of one response (codes)."""
        return self.var(self.topic_index[topic], self.unit_index[unit], GROUPS.index(group), SENTIMENTS.index(sentiment), self.span_of[day])

    def atoms(self, topic, unit, group, s, period_spans):
        """The atoms of a position (unit, group None: all) and sentiment (None: all) over spans."""
        t = self.topic_index[topic]
        us = [self.unit_index[unit]] if unit else range(self.U)
        gs = [GROUPS.index(group)] if group else range(self.G)
        ss = [s] if s is not None else range(self.S)
        return [self.var(t, u, g, x, span) for u in us for g in gs for x in ss for span in period_spans]

    def every(self, period_spans):
        """Every atom of the spans (a period's total of responses)."""
        return [self.var(t, u, g, s, span) for t in range(self.T) for u in range(self.U) for g in range(self.G)
                for s in range(self.S) for span in period_spans]

    def spans_in(self, summary):
        a, b = date.fromisoformat(summary["period"]["start"]), date.fromisoformat(summary["period"]["end"])
        return sorted({self.span_of[a + timedelta(days=d)] for d in range((b - a).days + 1)})


def audit(name, bin_dir, units, topics, responses, started):
    work, folder = publish(bin_dir, units, topics, responses)
    files = read_summaries(folder)
    if not files:
        raise Failure(f"{name}: nothing published")
    first = min(date.fromisoformat(f["period"]["start"]) for f in files)
    last = max(date.fromisoformat(f["period"]["end"]) for f in files)
    space = AtomSpace(units, topics, first, last)
    U, T, G, S, span_count, var, atoms = space.U, space.T, space.G, space.S, space.span_count, space.var, space.atoms
    variables = space.size

    truth = np.zeros(variables, dtype=np.int64)
    for day, unit, topic, group, sentiment in responses:
        truth[space.atom(day, unit, topic, group, sentiment)] += 1

    # Equations, each with the topic it is about (None: the period's total over all topics).
    equations = []
    targets = []   # (period, topic, unit, group, true counts per sentiment, spans)
    withheld = 0
    coupled = False
    for summary in files:
        period_spans = space.spans_in(summary)
        every = space.every(period_spans)
        equations.append((None, every, summary["responses"]))
        for topic, unit, group, cell in positions(summary):
            if cell["suppressed"]:
                withheld += 1
                coupled |= unit is None and group is None
                counts = [int(truth[atoms(topic, unit, group, s, period_spans)].sum()) for s in range(S)]
                if 0 < sum(counts) < MINIMUM:
                    targets.append((summary["period"]["id"], topic, unit, group, counts, period_spans))
                continue
            for s, count in enumerate(cell["counts"]):
                equations.append((topic, atoms(topic, unit, group, s, period_spans), count))
    # Every published equation must hold for the truth (the files say what was submitted).
    for _, row, value in equations:
        if truth[row].sum() != value:
            raise Failure(f"{name}: the published figures do not match the submitted responses")
    # With every topic's province total published, a period's total says nothing more, and the
    # topics are separate problems (much faster); else one problem for all.
    problems = {}
    for topic in ([None] if coupled else topics):
        rows = [(row, value) for about, row, value in equations if coupled or about == topic]
        data, indices, pointers = [], [], [0]
        for row, _ in rows:
            indices += row
            data += [1.0] * len(row)
            pointers.append(len(indices))
        matrix = csr_matrix((np.array(data), np.array(indices, dtype=np.int64), np.array(pointers)), shape=(len(rows), variables))
        rhs = np.array([value for _, value in rows], dtype=float)
        upper = np.full(variables, np.inf)
        if not coupled:
            upper[:] = 0
            t = space.topic_index[topic]
            upper[t * U * G * S * span_count:(t + 1) * U * G * S * span_count] = np.inf
        for row, value in rows:
            if value == 0:
                upper[row] = 0  # atoms inside a published zero are zero
        problems[topic] = (LinearConstraint(matrix, rhs, rhs), Bounds(np.zeros(variables), upper))

    def extreme(topic, objective, sign):
        constraints, bounds = problems[None if coupled else topic]
        c = np.zeros(variables)
        c[objective] = sign
        # HiGHS 1.2 (SciPy 1.10, Debian 12) with its MIP presolve calls some of these feasible
        # problems (the truth satisfies them) infeasible, and returns wrong optima for others (a
        # minimum above a value a feasible change reaches): solved without it.
        result = milp(c, constraints=constraints, integrality=np.ones(variables), bounds=bounds,
                      options={"time_limit": 60, "presolve": False})
        if result.status == 0 and result.x is not None:
            return int(round(sign * result.fun))
        raise Failure(f"{name}: milp did not solve ({result.message})")

    narrowed, pinned, narrowest = [], [], None
    for period, topic, unit, group, counts, period_spans in targets:
        cells = atoms(topic, unit, group, None, period_spans)
        true = sum(counts)
        high = extreme(topic, cells, -1)
        low = true - MINIMUM if high - true >= MINIMUM else extreme(topic, cells, 1)
        values = high - max(low, 0) + 1 if high - true < MINIMUM else None
        if values is not None:
            narrowest = values if narrowest is None else min(narrowest, values)
        where = f"{period} {topic} {unit or 'province'} {group or 'all groups'} (true {true})"
        if values is not None and values < MINIMUM + 1:
            narrowed.append(f"{where}: {low}…{high}")
        for s, count in enumerate(counts):
            if count == 0:
                continue
            layer = atoms(topic, unit, group, s, period_spans)
            if extreme(topic, layer, -1) == count and extreme(topic, layer, 1) == count:
                pinned.append(f"{where}: {SENTIMENTS[s]} pinned to {count}")
    print(f"{name}: {len(responses)} responses, {len(files)} files, {withheld} positions withheld, "
          f"{len(targets)} small withheld positions audited, {len(narrowed)} narrowed below {MINIMUM + 1} values, "
          f"{len(pinned)} sentiment counts pinned, narrowest count range {narrowest or f'≥ {MINIMUM + 1}'} values "
          f"({variables} atoms, {len(equations)} equations, {time.monotonic() - started:.0f} s so far)")
    for line in (narrowed + pinned)[:10]:
        print(f"  {line}")
    subprocess.run(["rm", "-rf", work])
    return len(narrowed) + len(pinned), len(targets), withheld, narrowest


def monday_weeks_ago(weeks):
    today = datetime.now(PROVINCE).date()
    return today - timedelta(days=today.weekday() + 7 * weeks)


def issue_case():
    """One unit, one topic, one group: 10 responses last week (published), 3 this week; the month
    holds both. Other units and groups carry enough responses to publish their cells."""
    rng = random.Random(19)
    start = monday_weeks_ago(3)
    if start.month != (start + timedelta(days=13)).month:
        start -= timedelta(days=7)
    responses = []
    for week in range(2):
        for u in UNITS[:6]:
            for g in GROUPS:
                if (u, g) == ("TPTN", "ND"):
                    n = 10 if week == 0 else 3
                else:
                    n = rng.randint(6, 14)
                for _ in range(n):
                    responses.append((start + timedelta(days=7 * week + rng.randrange(5)), u, "CANBO", g, rng.choice(SENTIMENTS)))
    return UNITS[:6], ["CANBO"], responses


def random_case(rng, units, topics, weeks, highest):
    """Counts per unit × topic × group × week drawn from 0…highest, each response on a random day
    of its week with a random sentiment: many small cells, weeks straddling months."""
    start = monday_weeks_ago(weeks + 1)
    responses = []
    for w in range(weeks):
        for u in units:
            for t in topics:
                for g in GROUPS:
                    for _ in range(rng.randint(0, highest)):
                        day = start + timedelta(days=7 * w + rng.randrange(7))
                        responses.append((day, u, t, g, rng.choices(SENTIMENTS, weights=(5, 3, 2))[0]))
    return units, topics, responses


# ---------------------------------------------------------------------------------------------
# The revisions audit (publish.release: closed): several publications read together.

REVISION_UNITS = UNITS[:5]
REVISION_TOPIC = "CANBO"
REVISION_WEEKS = 6
ISSUE_WEEK = 1                 # week W of the issue's case: a cell of 10 in TPTN × ND
ISSUE_LATE = ((3, 3), (5, 2))  # (arrival step, responses) late to that same cell


def revisions_case(rng):
    """Responses (day, unit, topic, group, sentiment, arrival step) over REVISION_WEEKS weeks
    ending more than a week ago; step k publishes as of the Monday after week k. Most responses
    arrive at the step of their week (0…8 per unit × group × week); late groups: the issue's case
    (3 then 2 more into the cell of 10 of week 1), a group growing from 1…4 to ≥ 5 (week 2), and
    small groups that stay held (weeks 0, 3 and the last)."""
    start = monday_weeks_ago(REVISION_WEEKS + 2)
    steps = REVISION_WEEKS + 2
    units = REVISION_UNITS

    def weighted():
        return rng.choices(SENTIMENTS, weights=(5, 3, 2))[0]

    def same_span_days(week):
        monday = start + timedelta(days=7 * week)
        return [monday + timedelta(days=d) for d in range(7) if (monday + timedelta(days=d)).month == monday.month]

    responses = []
    for w in range(REVISION_WEEKS):
        for u in units:
            for g in GROUPS:
                if (w, u, g) == (ISSUE_WEEK, "TPTN", "ND"):
                    for _ in range(10):
                        responses.append((rng.choice(same_span_days(w)), u, REVISION_TOPIC, g, weighted(), w))
                    continue
                # The issue's week: the row of TPTN and the column of ND large enough to publish the cell.
                large = w == ISSUE_WEEK and (u == "TPTN" or g == "ND")
                for _ in range(rng.randint(6, 12) if large else rng.randint(0, 8)):
                    responses.append((start + timedelta(days=7 * w + rng.randrange(7)), u, REVISION_TOPIC, g, weighted(), w))
    late = []  # (description, week, unit, group, [(step, n)])
    issue_day = rng.choice(same_span_days(ISSUE_WEEK))
    for step, n in ISSUE_LATE:
        for _ in range(n):
            responses.append((issue_day, "TPTN", REVISION_TOPIC, "ND", weighted(), step))
    late.append(("issue: 3 then 2 late into TPTN ND", ISSUE_WEEK, "TPTN", "ND", list(ISSUE_LATE)))
    grow_unit, grow_group = rng.choice([(u, g) for u in units for g in GROUPS if (u, g) != ("TPTN", "ND")])
    first = rng.randint(1, 4)
    second = MINIMUM - first + rng.randint(0, 2)
    grow_day = rng.choice(same_span_days(2))
    for step, n in ((3, first), (4, second)):
        for _ in range(n):
            responses.append((grow_day, grow_unit, REVISION_TOPIC, grow_group, weighted(), step))
    late.append((f"grows to {first + second}", 2, grow_unit, grow_group, [(3, first), (4, second)]))
    for week, step in ((0, 2), (3, rng.choice((5, 6))), (REVISION_WEEKS - 1, steps - 1)):
        unit, group = rng.choice(units), rng.choice(GROUPS)
        n = rng.randint(1, 4)
        day = start + timedelta(days=7 * week + rng.randrange(7))
        for _ in range(n):
            responses.append((day, unit, REVISION_TOPIC, group, weighted(), step))
        late.append((f"stays held ({n})", week, unit, group, [(step, n)]))
    return units, [REVISION_TOPIC], responses, start, steps, late


def read_version(state):
    """Every summary.json (kind, id) → summary, index.json, and the released truth from the
    database: {(span_start day, unit, topic, group, sentiment): count} and the released periods."""
    folder = os.path.join(state, "summaries")
    files = {}
    for summary in read_summaries(folder):
        files[(summary["period"]["kind"], summary["period"]["id"])] = summary
    index = {}
    if os.path.exists(os.path.join(folder, "index.json")):
        with open(os.path.join(folder, "index.json"), encoding="utf-8") as file:
            index = json.load(file)
    database = sqlite3.connect(f"file:{os.path.join(state, 'surveyd.sqlite')}?mode=ro", uri=True, timeout=30)
    try:
        # released_spans.counts packs (unit_id, topic_id, group_id, sentiment_id, count, floor) as
        # six little-endian 32-bit integers per atom.
        codes = {table: dict(database.execute(f"SELECT id, code FROM {table}").fetchall())
                 for table in ("units", "topics", "respondent_groups", "sentiments")}
        rows = []
        for span, blob in database.execute("SELECT span_start, counts FROM released_spans").fetchall():
            if len(blob) % 24:
                raise Failure(f"released span {span} has {len(blob)} bytes, not a multiple of 24")
            for unit, topic, group, sentiment, count, floor in struct.iter_unpack("<6i", blob):
                if not 0 <= floor <= count:
                    raise Failure(f"released span {span}: floor {floor} outside 0…{count}")
                rows.append((span, codes["units"][unit], codes["topics"][topic], codes["respondent_groups"][group],
                             codes["sentiments"][sentiment], count))
        released = set(database.execute("SELECT kind, period FROM released_periods").fetchall())
    finally:
        database.close()
    epoch = date(1970, 1, 1)
    truth = {(epoch + timedelta(days=span), u, t, g, s): count for span, u, t, g, s, count in rows}
    return files, index, truth, released


def held_back(index):
    return index.get("held_back") or index.get("heldBack") or {}


def revisions_audit(bin_dir, seed, started, budget, release="closed", held_model=True):
    """release "open" is a check of the audit itself: every publication revises every period, so
    small differences must be found (the truth is then everything submitted)."""
    closed = release == "closed"
    revisions_started = time.monotonic()
    rng = random.Random(f"revisions-{seed}")
    units, topics, responses, start, steps, late = revisions_case(rng)
    versions = []  # (as_of, files, index, truth dict, released periods)
    instance = Instance(bin_dir, units, topics, "surveyd-revisions-", release=release, grace_days=0 if closed else None)
    work, state, log_path, daemon, surveyctl = instance.work, instance.state, instance.log_path, instance.daemon, instance.surveyctl
    try:
        for step in range(steps):
            arriving = [r for r in responses if r[5] == step]
            if arriving:
                submit(instance.port, instance.collaborators, arriving, f"step{step}")
            as_of = start + timedelta(days=7 * (step + 1))
            surveyctl("publish", "--as-of", as_of.isoformat(), "--allow-future")
            if daemon.poll() is not None:
                raise Failure(f"revisions: surveyd stopped; its log: {log_path}")
            shutil.copytree(os.path.join(state, "summaries"), os.path.join(work, "versions", str(step)))
            versions.append((as_of, *read_version(state)))
    finally:
        instance.stop()

    # The atoms: unit × topic × group × sentiment × span, for every version.
    K = len(versions)
    first = min([date.fromisoformat(f["period"]["start"]) for v in versions for f in v[1].values()] + [r[0] for r in responses])
    last = max([date.fromisoformat(f["period"]["end"]) for v in versions for f in v[1].values()] + [r[0] for r in responses])
    space = AtomSpace(units, topics, first, last)
    U, T, G, S, span_of, span_count = space.U, space.T, space.G, space.S, space.span_of, space.span_count
    var, atoms, spans_in = space.var, space.atoms, space.spans_in
    n = space.size

    problems_found = []
    truths, submitted = [], []
    for k, (as_of, files, index, truth, released) in enumerate(versions):
        vector = np.zeros(n, dtype=np.int64)
        for (day, u, t, g, s), count in truth.items():
            if day not in span_of or span_of.get(day - timedelta(days=1)) == span_of[day]:
                raise Failure(f"revisions: version {k}: released_spans span_start {day} is not the first day of a tally span")
            vector[space.atom(day, u, t, g, s)] += count
        sent = np.zeros(n, dtype=np.int64)
        for day, u, t, g, s, arrival in responses:
            if arrival <= k:
                sent[space.atom(day, u, t, g, s)] += 1
        if not closed:
            vector = sent.copy()
        truths.append(vector)
        submitted.append(sent)
        if (vector > sent).any():
            raise Failure(f"revisions: version {k}: released spans hold more than was submitted")
        if k and (vector < truths[k - 1]).any():
            raise Failure(f"revisions: version {k}: a released count decreased (nothing was retracted)")
        for key, summary in files.items():
            if not closed:
                break
            if key not in released:
                problems_found.append(f"version {k}: {key[0]} {key[1]} published but not in released_periods")
            if date.fromisoformat(summary["period"]["end"]) >= as_of:
                problems_found.append(f"version {k}: {key[0]} {key[1]} published before it ended (as of {as_of})")
        # A span released for the first time holds everything submitted for it by then.
        for span_start in {day for day, *_ in truth}:
            span = span_of[span_start]
            mask = np.zeros(n, dtype=bool)
            for t in range(T):
                for u in range(U):
                    for g in range(G):
                        for s in range(S):
                            mask[var(t, u, g, s, span)] = True
            if closed and (k == 0 or not truths[k - 1][mask].any()) and (vector[mask] != sent[mask]).any():
                problems_found.append(f"version {k}: span from {span_start} first released without all its responses")

    # Equations of every version on its own atoms (offset k·n); the truth must satisfy them.
    rows, rhs = [], []
    zero = np.zeros((K, n), dtype=bool)
    withheld_count = [0] * K
    targets = []  # (version, period key, topic, unit, group, true counts per sentiment, spans)
    for k, (as_of, files, index, truth, released) in enumerate(versions):
        for key, summary in files.items():
            period_spans = spans_in(summary)
            every = space.every(period_spans)
            equations = [(every, summary["responses"])]
            for topic, unit, group, cell in positions(summary):
                if cell["suppressed"]:
                    withheld_count[k] += 1
                    counts = [int(truths[k][atoms(topic, unit, group, s, period_spans)].sum()) for s in range(S)]
                    if 0 < sum(counts) < MINIMUM:
                        targets.append((k, key, topic, unit, group, counts, period_spans))
                    continue
                for s, count in enumerate(cell["counts"]):
                    equations.append((atoms(topic, unit, group, s, period_spans), count))
            for row, value in equations:
                if truths[k][row].sum() != value:
                    raise Failure(f"revisions: version {k}: {key[0]} {key[1]} does not match the released counts in the database "
                                  f"(published {value}, released {truths[k][row].sum()})")
                if value == 0:
                    zero[k][row] = True
                rows.append(([k * n + i for i in row], [1.0] * len(row)))
                rhs.append((value, value))
    # Released masks never change; a period unchanged in revision keeps its figures.
    for k in range(1, K):
        for key, summary in versions[k][1].items():
            before = versions[k - 1][1].get(key)
            if before is None:
                continue
            mask_now = [(t, u, g) for t, u, g, cell in positions(summary) if cell["suppressed"]]
            mask_before = [(t, u, g) for t, u, g, cell in positions(before) if cell["suppressed"]]
            if closed and mask_now != mask_before:
                problems_found.append(f"version {k}: {key[0]} {key[1]} changed its withheld positions")
            if summary["revision"] == before["revision"] and summary["topics"] != before["topics"]:
                problems_found.append(f"version {k}: {key[0]} {key[1]} changed figures without a new revision")
    # The attacker knows the data only grows: R_k − R_{k−1} ≥ 0, so a zero later is a zero before.
    for k in range(K - 2, -1, -1):
        zero[k] |= zero[k + 1]
    for k in range(1, K):
        for i in range(n):
            if not zero[k][i]:
                rows.append(([k * n + i, (k - 1) * n + i], [1.0, -1.0]))
                rhs.append((0, np.inf))
    variables = K * n
    if held_model and closed:
        # What index.json says of held-back responses: atoms L_k of everything submitted by version
        # k (L_k ≥ R_k, L_k ≥ L_{k−1}); on the released spans of periods not listed in
        # held_back.periods L_k = R_k, and over all released spans Σ (L_k − R_k) = held_back.added.
        base = K * n
        variables = 2 * K * n
        for k, (as_of, files, index, truth, released) in enumerate(versions):
            held = held_back(index)
            listed = set(held.get("periods", []))
            released_spans, held_spans = set(), set()
            for key, summary in files.items():
                spans = spans_in(summary)
                released_spans.update(spans)
                if f"{key[0]}/{key[1]}" in listed:
                    held_spans.update(spans)
            span_of_atom = np.arange(n) % span_count
            for i in range(n):
                same = span_of_atom[i] in released_spans and span_of_atom[i] not in held_spans
                rows.append(([base + k * n + i, k * n + i], [1.0, -1.0]))
                rhs.append((0, 0) if same else (0, np.inf))
                if k:
                    rows.append(([base + k * n + i, base + (k - 1) * n + i], [1.0, -1.0]))
                    rhs.append((0, np.inf))
            if held.get("removed", 0) == 0:
                row = [i for i in range(n) if span_of_atom[i] in released_spans]
                rows.append(([base + k * n + i for i in row] + [k * n + i for i in row], [1.0] * len(row) + [-1.0] * len(row)))
                rhs.append((held.get("added", 0), held.get("added", 0)))
    data, indices, pointers = [], [], [0]
    for row, coefficients in rows:
        indices += row
        data += coefficients
        pointers.append(len(indices))
    matrix = csr_matrix((np.array(data), np.array(indices, dtype=np.int64), np.array(pointers)), shape=(len(rows), variables))
    constraints = LinearConstraint(matrix, np.array([a for a, _ in rhs], dtype=float), np.array([b for _, b in rhs], dtype=float))
    upper = np.where(zero.reshape(-1), 0.0, np.inf)
    joint_truth = np.concatenate(truths)
    if variables > K * n:
        upper = np.concatenate([upper, np.full(K * n, np.inf)])
        joint_truth = np.concatenate([joint_truth, *submitted])
    bounds = Bounds(np.zeros(variables), upper)
    if (matrix @ joint_truth < np.array([a for a, _ in rhs]) - 0.5).any() or (matrix @ joint_truth > np.array([b for _, b in rhs]) + 0.5).any():
        raise Failure("revisions: the joint system does not hold for the released truth (and what was submitted)")
    solves = [0]

    def extreme(objective, sign):
        """objective: {variable: coefficient}."""
        c = np.zeros(variables)
        for i, coefficient in objective.items():
            c[i] += sign * coefficient
        solves[0] += 1
        result = milp(c, constraints=constraints, integrality=np.ones(variables), bounds=bounds,
                      options={"time_limit": 60, "presolve": False})
        if result.status == 0 and result.x is not None:
            return int(round(sign * result.fun))
        raise Failure(f"revisions: milp did not solve ({result.message})")

    def of(k, cells, coefficient=1.0):
        return {k * n + i: coefficient for i in cells}

    per_version = [dict(targets=0, narrowed=[], pinned=[], narrowest=None, differencing=0, diff_failed=[]) for _ in range(K)]
    audit_deadline = revisions_started + budget
    truncated = [0]
    # Differencing: the change of a position between consecutive versions of one period.
    for k in range(1, K):
        figures = per_version[k]
        for key, summary in versions[k][1].items():
            before = versions[k - 1][1].get(key)
            if before is None:
                continue
            period_spans = spans_in(summary)
            published_before = {(t, u, g): not cell["suppressed"] for t, u, g, cell in positions(before)}
            for topic, unit, group, cell in positions(summary):
                changes = [int(truths[k][atoms(topic, unit, group, s, period_spans)].sum()
                               - truths[k - 1][atoms(topic, unit, group, s, period_spans)].sum()) for s in range(S)]
                change = sum(changes)
                if not 0 < change < MINIMUM:
                    continue
                if time.monotonic() > audit_deadline:
                    truncated[0] += 1
                    continue
                figures["differencing"] += 1
                where = (f"versions {k - 1}→{k} {key[1]} {topic} {unit or 'province'} {group or 'all groups'} "
                         f"(true change {change}, {dict(zip(SENTIMENTS, changes))})")
                if not cell["suppressed"] and published_before.get((topic, unit, group), False):
                    figures["diff_failed"].append(f"{where}: published in both versions")
                    continue
                cells = atoms(topic, unit, group, None, period_spans)
                objective = {**of(k - 1, cells, -1.0), **of(k, cells)}
                high = extreme(objective, -1)
                if high - change < MINIMUM:
                    low = max(extreme(objective, 1), 0)
                    if high - low + 1 < MINIMUM + 1:
                        figures["diff_failed"].append(f"{where}: change {low}…{high}")
                for s, delta in enumerate(changes):
                    if delta == 0:
                        continue
                    layer = atoms(topic, unit, group, s, period_spans)
                    objective = {**of(k - 1, layer, -1.0), **of(k, layer)}
                    if extreme(objective, -1) == delta and extreme(objective, 1) == delta:
                        figures["diff_failed"].append(f"{where}: change of {SENTIMENTS[s]} pinned to {delta}")
    for k, key, topic, unit, group, counts, period_spans in targets:
        if time.monotonic() > audit_deadline:
            truncated[0] += 1
            continue
        figures = per_version[k]
        figures["targets"] += 1
        cells = atoms(topic, unit, group, None, period_spans)
        true = sum(counts)
        high = extreme(of(k, cells), -1)
        low = true - MINIMUM if high - true >= MINIMUM else extreme(of(k, cells), 1)
        values = high - max(low, 0) + 1 if high - true < MINIMUM else None
        if values is not None:
            figures["narrowest"] = values if figures["narrowest"] is None else min(figures["narrowest"], values)
        where = f"version {k} {key[1]} {topic} {unit or 'province'} {group or 'all groups'} (true {true}, {dict(zip(SENTIMENTS, counts))})"
        if values is not None and values < MINIMUM + 1:
            figures["narrowed"].append(f"{where}: {max(low, 0)}…{high}")
        for s, count in enumerate(counts):
            if count == 0:
                continue
            layer = atoms(topic, unit, group, s, period_spans)
            if extreme(of(k, layer), -1) == count and extreme(of(k, layer), 1) == count:
                figures["pinned"].append(f"{where}: {SENTIMENTS[s]} pinned to {count}")

    for k, (as_of, files, index, truth, released) in enumerate(versions):
        figures = per_version[k]
        held = held_back(index)
        print(f"revisions version {k} (as of {as_of}): {len(files)} files, {withheld_count[k]} positions withheld, "
              f"{figures['targets']} small withheld positions audited, {len(figures['narrowed'])} narrowed below {MINIMUM + 1} values, "
              f"{len(figures['pinned'])} sentiment counts pinned, narrowest count range {figures['narrowest'] or f'≥ {MINIMUM + 1}'} values, "
              f"{figures['differencing']} small changes audited, {len(figures['diff_failed'])} revealed; "
              f"held back {held.get('added', 0)} added / {held.get('removed', 0)} removed")
        for line in (figures["narrowed"] + figures["pinned"] + figures["diff_failed"])[:10]:
            print(f"  {line}")
    # Held back: a late group (one cell, one span) stays held while it numbers 1…4.
    for k, (as_of, files, index, truth, released) in enumerate(versions if closed else []):
        expected = 0
        for _, _, _, _, arrivals in late:
            arrived = sum(count for step, count in arrivals if step <= k)
            expected += arrived if arrived < MINIMUM else 0
        if held_back(index).get("added", 0) != expected:
            problems_found.append(f"version {k}: held_back.added is {held_back(index).get('added', 0)}, expected {expected}")
    failures = len(problems_found)
    for k in range(K):
        figures = per_version[k]
        failures += len(figures["narrowed"]) + len(figures["pinned"]) + len(figures["diff_failed"])
    if truncated[0]:
        print(f"revisions: the time budget of {budget} s ran out: {truncated[0]} targets left unaudited")
    if problems_found:
        print(f"revisions: {len(problems_found)} consistency problems:")
    for line in problems_found[:10]:
        print(f"  {line}")

    # The issue's case: week W publishes 10 in TPTN × ND; 3 late ones are held, 2 more release 15.
    week = start + timedelta(days=7 * ISSUE_WEEK)
    issue_key = next((key for key, summary in versions[ISSUE_WEEK][1].items()
                      if key[0] == "week" and summary["period"]["start"] == week.isoformat()), None)
    outcome = []

    def cell_of(summary):
        for topic, unit, group, cell in positions(summary):
            if (topic, unit, group) == (REVISION_TOPIC, "TPTN", "ND"):
                return cell

    if not closed:
        pass
    elif issue_key is None:
        outcome.append(f"week of {week} not published at version {ISSUE_WEEK}")
    else:
        (s3, n3), (s5, n5) = ISSUE_LATE
        base = versions[ISSUE_WEEK][1][issue_key]
        first_cell = cell_of(base)
        if first_cell["suppressed"]:
            print(f"revisions: note: the issue's cell of 10 is withheld in {issue_key[1]} (a complement); its totals are checked")
        elif sum(first_cell["counts"]) != 10:
            outcome.append(f"version {ISSUE_WEEK}: the cell of 10 is published as {sum(first_cell['counts'])}")
        for k in range(ISSUE_WEEK + 1, s5):
            summary = versions[k][1].get(issue_key)
            if summary is None or summary["revision"] != base["revision"] or summary["topics"] != base["topics"] or summary["responses"] != base["responses"]:
                outcome.append(f"version {k}: {issue_key[1]} changed while only {n3} late responses were in")
            if k >= s3 and held_back(versions[k][2]).get("added", 0) < n3:
                outcome.append(f"version {k}: held_back.added is {held_back(versions[k][2]).get('added', 0)}, expected ≥ {n3}")
        summary = versions[s5][1].get(issue_key)
        if summary is None or summary["revision"] != base["revision"] + 1 or summary["revision"] != 2:
            outcome.append(f"version {s5}: {issue_key[1]} not republished as revision 2 (revision {summary and summary['revision']})")
        else:
            cell = cell_of(summary)
            released_cell = int(truths[s5][atoms(REVISION_TOPIC, "TPTN", "ND", None, spans_in(summary))].sum())
            if released_cell != 10 + n3 + n5:
                outcome.append(f"version {s5}: the released cell is {released_cell}, expected {10 + n3 + n5}")
            if not cell["suppressed"] and sum(cell["counts"]) != 10 + n3 + n5:
                outcome.append(f"version {s5}: the cell is published as {sum(cell['counts'])}, expected {10 + n3 + n5}")
    if not closed:
        print(f"revisions: release {release}: the issue's case not checked")
    elif outcome:
        print("revisions: the issue's case FAILED:")
        for line in outcome:
            print(f"  {line}")
    else:
        print(f"revisions: the issue's case: {issue_key[1]} kept at revision 1 (cell 10{', withheld' if first_cell['suppressed'] else ''}) while {ISSUE_LATE[0][1]} late responses "
              f"were held, republished as revision 2 (cell {10 + ISSUE_LATE[0][1] + ISSUE_LATE[1][1]}) at version {ISSUE_LATE[1][0]}")
    failures += len(outcome)
    print(f"revisions: {len(responses)} responses over {K} versions, late groups: "
          + "; ".join(f"{d} week {w} {u} {g} at {a}" for d, w, u, g, a in late)
          + f" ({variables} variables, {len(rows)} rows, {solves[0]} milp solves, {time.monotonic() - started:.0f} s so far)")
    if failures:
        print(f"revisions: versions kept in {work}")
    else:
        subprocess.run(["rm", "-rf", work])
    return failures


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", random.randrange(1 << 30))))
    parser.add_argument("--report-only", action="store_true")
    parser.add_argument("--only", choices=["single", "revisions"], help="run only the single-publication cases or the revisions audit")
    parser.add_argument("--skip-revisions", action="store_true")
    parser.add_argument("--without-held-back", action="store_true",
                        help="revisions: leave index.json's held_back out of the attacker's equations")
    parser.add_argument("--revisions-release", choices=["closed", "open"], default="closed",
                        help="open: check the audit itself (every publication revises every period: must find small differences)")
    arguments = parser.parse_args()
    print(f"privacy audit: SEED={arguments.seed}")
    rng = random.Random(arguments.seed)
    started = time.monotonic()
    cases = [("the issue's case", *issue_case())]
    shapes = [(UNITS[:12], TOPICS[:2], 6, 12), (UNITS[:8], TOPICS[:2], 10, 8), (UNITS[:4], TOPICS[:1], 14, 20)]
    for number, (units, topics, weeks, highest) in enumerate(shapes):
        cases.append((f"random {len(units)} units × {len(topics)} topics × {weeks} weeks, 0…{highest}", *random_case(rng, units, topics, weeks, highest)))
    failures = 0
    if arguments.only != "revisions":
        for name, units, topics, responses in cases:
            found, *_ = audit(name, arguments.bin_dir, units, topics, responses, started)
            failures += found
    if arguments.only != "single" and not arguments.skip_revisions:
        failures += revisions_audit(arguments.bin_dir, arguments.seed, started, 180, arguments.revisions_release,
                                    not arguments.without_held_back)
    if failures and not arguments.report_only:
        print(f"privacy audit: FAILED, {failures} withheld small groups narrowed or pinned, small changes revealed "
              f"or revisions wrong (SEED={arguments.seed})")
        return 1
    print(f"privacy audit: {'done' if arguments.report_only else 'passed'} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as error:
        print(f"privacy audit: {error}", file=sys.stderr)
        sys.exit(1)
