#!/usr/bin/python3
"""The attacker's audit of the published summaries (issue 19): can a withheld small group be
narrowed down when every published file is read together?

Usage: Tests/Privacy/audit.py BIN_DIR [--seed N] [--shapes a,b,...] [--report-only]

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

With --report-only it prints the figures and exits 0 even when cells are narrowed (to measure an
older build). Runs in about 8 minutes (HiGHS without presolve); every data set is bounded in size.
"""
import argparse
import json
import os
import random
import socket
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


def config_text(units, topics, port):
    lines = [
        f'listen: ["127.0.0.1:{port}"]',
        "time_zone: Asia/Ho_Chi_Minh",
        "publish:",
        "  interval_seconds: 604800",
        "  periods: [week, month, quarter, year]",
        f"  minimum_cell_size: {MINIMUM}",
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


def publish(bin_dir, units, topics, responses):
    """Runs surveyd, submits `responses` [(date, unit, topic, group, sentiment)], publishes with
    surveyctl, and returns the summaries folder (inside a temporary folder kept by the caller)."""
    work = tempfile.mkdtemp(prefix="surveyd-privacy-")
    state = os.path.join(work, "state")
    port = free_port()
    config = os.path.join(work, "surveyd.conf")
    with open(config, "w", encoding="utf-8") as file:
        file.write(config_text(units, topics, port))

    def surveyctl(*arguments):
        result = subprocess.run([os.path.join(bin_dir, "surveyctl"), *arguments, "--config", config, "--state-dir", state],
                                capture_output=True, text=True, timeout=300)
        if result.returncode != 0:
            raise Failure(f"surveyctl {' '.join(arguments)} failed ({result.returncode}): {result.stderr}{result.stdout}")
        return result.stdout

    collaborators = {}
    for unit in units:
        added = json.loads(surveyctl("collaborator", "add", "--unit", unit, "--name", f"Cộng tác viên {unit}", "--json"))
        collaborators[unit] = (added["collaborator"]["id"], added["token"])
    log_path = os.path.join(work, "surveyd.log")
    with open(log_path, "w") as log:
        daemon = subprocess.Popen(DIE_WITH_PARENT + [os.path.join(bin_dir, "surveyd"), "--config", config, "--state-dir", state, "--log-target", "stderr"],
                                  stdout=log, stderr=log, cwd="/")
    try:
        deadline = time.monotonic() + 60
        while True:
            with open(log_path, encoding="utf-8", errors="replace") as file:
                if "] ready" in file.read():
                    break
            if daemon.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"surveyd did not become ready; its log: {log_path}")
            time.sleep(0.05)
        by_unit = defaultdict(list)
        for day, unit, topic, group, sentiment in responses:
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
                    sock.sendall(f"BATCH audit-{unit}-{number} {len(batch)}\r\n".encode())
                    code, reply = read_reply(reader)
                    if code != 354:
                        raise Failure(f"BATCH refused: {reply}")
                    sock.sendall(("\r\n".join(batch + ["COMMIT"]) + "\r\n").encode())
                    code, reply = read_reply(reader)
                    if code != 250:
                        raise Failure(f"batch of {unit} refused: {reply}")
    finally:
        daemon.terminate()
        daemon.wait(timeout=60)
    surveyctl("publish")
    return work, os.path.join(state, "summaries")


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


def audit(name, bin_dir, units, topics, responses, started):
    work, folder = publish(bin_dir, units, topics, responses)
    files = read_summaries(folder)
    if not files:
        raise Failure(f"{name}: nothing published")
    first = min(date.fromisoformat(f["period"]["start"]) for f in files)
    last = max(date.fromisoformat(f["period"]["end"]) for f in files)
    span_of, span_count = spans_of(first, last)
    U, T, G, S = len(units), len(topics), len(GROUPS), len(SENTIMENTS)
    unit_index = {u: i for i, u in enumerate(units)}
    topic_index = {t: i for i, t in enumerate(topics)}
    variables = T * U * G * S * span_count

    def var(t, u, g, s, span):
        return (((t * U + u) * G + g) * S + s) * span_count + span

    truth = np.zeros(variables, dtype=np.int64)
    for day, unit, topic, group, sentiment in responses:
        truth[var(topic_index[topic], unit_index[unit], GROUPS.index(group), SENTIMENTS.index(sentiment), span_of[day])] += 1

    def atoms(t, unit, group, s, period_spans):
        t = topic_index[t]
        us = [unit_index[unit]] if unit else range(U)
        gs = [GROUPS.index(group)] if group else range(G)
        ss = [s] if s is not None else range(S)
        return [var(t, u, g, x, span) for u in us for g in gs for x in ss for span in period_spans]

    # Equations, each with the topic it is about (None: the period's total over all topics).
    equations = []
    targets = []   # (period, topic, unit, group, true counts per sentiment, spans)
    withheld = 0
    coupled = False
    for summary in files:
        start, end = date.fromisoformat(summary["period"]["start"]), date.fromisoformat(summary["period"]["end"])
        period_spans = sorted({span_of[start + timedelta(days=d)] for d in range((end - start).days + 1)})
        every = [var(t, u, g, s, span) for t in range(T) for u in range(U) for g in range(G) for s in range(S) for span in period_spans]
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
            t = topic_index[topic]
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


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin_dir")
    parser.add_argument("--seed", type=int, default=int(os.environ.get("SEED", random.randrange(1 << 30))))
    parser.add_argument("--report-only", action="store_true")
    arguments = parser.parse_args()
    print(f"privacy audit: SEED={arguments.seed}")
    rng = random.Random(arguments.seed)
    started = time.monotonic()
    cases = [("the issue's case", *issue_case())]
    shapes = [(UNITS[:12], TOPICS[:2], 6, 12), (UNITS[:8], TOPICS[:2], 10, 8), (UNITS[:4], TOPICS[:1], 14, 20)]
    for number, (units, topics, weeks, highest) in enumerate(shapes):
        cases.append((f"random {len(units)} units × {len(topics)} topics × {weeks} weeks, 0…{highest}", *random_case(rng, units, topics, weeks, highest)))
    failures = 0
    for name, units, topics, responses in cases:
        found, *_ = audit(name, arguments.bin_dir, units, topics, responses, started)
        failures += found
    if failures and not arguments.report_only:
        print(f"privacy audit: FAILED, {failures} withheld small groups narrowed or pinned (SEED={arguments.seed})")
        return 1
    print(f"privacy audit: {'done' if arguments.report_only else 'passed'} in {time.monotonic() - started:.0f} s")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Failure as error:
        print(f"privacy audit: {error}", file=sys.stderr)
        sys.exit(1)
