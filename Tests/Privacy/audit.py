#!/usr/bin/python3
"""The attacker's audit of the published summaries (issue 19): can a withheld small group be
narrowed down when every published file is read together?

Usage: Tests/Privacy/audit.py BIN_DIR [--seed N] [--report-only] [--only single|revisions]
       [--skip-revisions] [--revisions-release closed|open] [--without-held-back] [--without-look-bounds]

For each data set (the case of the issue, then random data sets of several shapes with many small
cells), the real surveyd is started on a free port with a temporary folder, one collaborator per unit
submits the responses over the protocol, `surveyctl publish` writes the summaries, and the audit
reads every summary.json (weeks, months, quarters, years) as a reader would: every published count,
count per sentiment and period total is a linear equation on the atoms (unit × topic × group ×
sentiment × tally span, a span being the days inside one week and one month), which are
non-negative integers. For every withheld position whose true count is below the minimum, SciPy's
`milp` (HiGHS; an implementation no one here wrote) finds the smallest and largest count
consistent with all of it, and for every sentiment the position holds, the smallest and largest
count of that sentiment (a sentiment whose count differs from the truth in an exact integer
solution found before, for another bound, is not pinned without solving again: the truth is a
solution too). The audit fails when a count can take fewer than minimum + 1 values or a
sentiment's count is pinned to one value.

These single publications run with `release: open` (every period published as it fills, unfinished
ones included).

Survey rounds (issue 29) are read too: each data set configures rounds (the issue's case the
issue's round, 10 days from a Thursday cutting two weeks; the random shapes two rounds one after
the other on a topic, the later one on two topics and compared with the earlier; a round
straddling a month's end; a long one over a month's end; one with its own report_by), all closed
and releasable at the publication. Tally spans are then cut at each round's first day and the day
after its last (the database's span_cuts, which must be exactly the cuts the rounds need), so a
round's window is a union of whole spans, and every shown figure of each rounds/CODE/results.json
`summary` (cells per sentiment, unit totals, province group and province totals of the round's
topics) is one more equation on the atoms of the spans of its window, of its topics only (its
`responses`, the sum of the province totals it shows, is checked and adds nothing; the coverage is
left out, a known gap; the previous round's figures it repeats are that round's own file). Every
withheld small position of a round is bounded like a period's, the results' window, topics and
`summary` are checked, their shown figures are compared with a recount from the database (the
responses of accepted, not held batches of its topics in its window), and the units' views of
the results (units/CODE/rounds/ROUND/, binaries after issue 29) must be the province's cut to the
unit's rows.

Then the revisions audit (`release: closed`, `grace_days: 0`): one surveyd runs throughout; step k
submits the responses arriving at k, makes its retractions (`surveyctl batch retract`, which
republishes as of today: a publication of its own, at the last step only), and publishes with
`surveyctl publish --as-of` the Monday after week k; after every publication the files are one
saved version. What each version released is read from the database (migration 8: `releases`,
`span_versions`, `period_versions`, `period_version_withheld`; migration 7's `released_spans` of an
older binary is still read, so that it can be measured with --report-only). Late responses: the
issue-19 case (a published cell of 10, then 3 late ones, then 2 more: the week's version then
holds 15), a small group that later grows to ≥ 5, small groups; case a: a unit's whole week sent
after the week was published but before its month is (the month's first version holds it, and so
does the week's next version); case b: 2 late responses to that week, which count for the month;
case c: 7 late responses to a shown cell (shown in a new version) while another unit sends 2 late
ones to another topic and a third unit's 2-response batch is retracted (those may be held); case d:
two rounds (no grace days), R-EARLY (Wednesday of week 0 to Sunday of week 1, released at step 2,
then revised by the issue-19 late responses) and R-LATE (both topics, Monday of week 4 to Tuesday
of week 5, compared with R-EARLY, released at step 5, then revised by case c's late responses and
retraction): each has versions 1 and 2 or more (`round_versions`, `round_version_withheld`), and
shows the 5 and the 7 late responses in a later version; case e, the provisional look (issue 27,
`alerts.provisional_days` 2, the default): a third topic, LOOK_TOPIC, answered steadily every
week (10% negative) by four units, and a publication on the Wednesday of weeks 3 and 5 (step
week − 0.5, as of that Wednesday) after that week's Monday–Tuesday responses were submitted and
before the rest of the week's (in week 3 every topic's, in week 5 LOOK_TOPIC's only: LATE_ROUND's
progress files would count the other topics' before any version holds their span): in week 3
LOOK_UNIT answers mostly negative on Monday–Tuesday (and steadily later in the week) while
LOOK_SMALL has 1…3 responses in one group, whose partners (the other units) answer in every group;
week 5 is the adversarial case: ADVERSARY_UNIT answers mostly negative, all of its responses of
the week on Monday–Tuesday and stored by the Wednesday (its alarm's bound is its true count of the
week), ADVERSARY_SMALL has 1…2 responses in one group from Wednesday on, and ADVERSARY_PARTNER
exactly the minimum on Monday–Tuesday: the fewest responses of units without an alarm with which
surveyd shows one (without them it shows none, since the small unit's only partner would be the
bounded unit; a build without that rule, and the build without the bounds, narrow the small unit).
Each Wednesday must show a provisional alarm of its unit and topic (else the case bounds nothing).

The checks: every file shows its period's latest version (`revision` counts the versions), with the
stored figures and withheld positions; stored versions never change; a period's first version
holds every response stored before its publication (only a small change of one tally span × unit
× topic, listed in index.json's `held_back`, may stay out); at every publication, what stays out is
small changes only (a change where every cell and unit total moves by 0 or ≥ minimum is shown);
`held_back` agrees with the database. A round's results show its last stored version by then (at
release seq, every span of its window as of seq, its topics only), with the stored window, topics
and withheld positions; a round's first version holds what was stored (but small changes of spans
of periods `held_back` lists); its shown figures equal the database's recount unless changes are
held back. Then the attacker holds every figure of every version (the rounds' among them):
unknowns x_s (unit × topic × group × sentiment × span) of every release s, x_s = x_{s−1} + a_s − r_s
with a_s, r_s ≥ 0 and r_s = 0 but on the atoms (unit × spans) of a retraction published by then;
each period version's figures are equations on the x of the release it came with; index.json's
held_back is an equation on what was stored. The provisional alarms (alerts.json's `provisional`:
week W, unit or the province, topic, sentiment, direction, crossed_on and through, no figure): an
alarm says that a linear threshold on the counts of W's Monday…`through` as stored at that
publication was crossed (the chart continued day by day from its score after W − 1, which the
attacker can compute from the published weeks); projected onto the atoms, it tells lower bounds on
sums of the unit's (every unit's) sentiments in the topic over the spans of W holding those days.
The attacker is given the strongest such knowledge, the truth from below: for every sentiment, the
sum over groups of those atoms, in the x of the first release holding W's spans after that
publication (the Monday after: what was stored at the Wednesday is all there, no retraction
touching these weeks), is at least the number of the unit's (province's) responses of the topic
and sentiment collected on Monday…`through` and stored at the publication (counted from what the
audit submitted, and checked against the database's count of accepted, not held batches); one
alarm per (publication whose alerts.json was written, week, unit, topic), up and down telling the
same; a bound that the first release holding the week does not meet (responses stored at the look
held out of it) is reported as a problem instead. The alarms' entries must hold only codes and
dates, say through ≤ the week's Monday + provisional days − 1, and the database's
provisional_looks must hold exactly the (week, unit or 0, topic) of every alarm shown so far.
`--without-look-bounds` reads and checks the alarms but leaves their bounds out of the attacker
(to see what they add). Variables an equation makes equal to another (a publication's stored
counts L on the spans of periods held_back does not list are those released, and a publication
that changed nothing of what L models, as a Wednesday's, has the L of the one before) are solved
as that one, which keeps the system about the size it had before case e. SciPy bounds every withheld small position of every
version (≥ minimum + 1 values, no sentiment pinned), every change of a position between two
versions of a period that is 1…minimum−1 added or removed, and the same for the change between a
month, quarter or year version and the versions of the shorter periods released before it, span by
span, and between a round's version and the versions of the periods released before it on the
spans of its window they hold (≥ minimum + 1 values, no sentiment's change pinned).
`--revisions-release open` runs the same
steps with `release: open` to check the audit itself (it must find narrowed cells and small
differences there).

A second attacker, "sizes known", reads the rounds' progress files too: each round's
rounds/CODE/progress.json, rewritten at every publication whether the round is released or not,
shows exact counts per unit of the responses of the round's topics collected in its window
(`received`, `by_topic` {TOPIC: n}, `by_group` {GROUP: n} over the round's topics; batches held for
review apart as `held`, retracted ones nowhere, late ones inside `received`): sizes without
sentiments. This attacker holds everything the first one holds and also the size (the sum over
sentiments) of every unit × topic × group × tally span where the span holds a day of a configured
round's window (released or not) and the topic is one of that round's topics: in a single data set,
of the atoms; in the revisions audit, of every release's x_s (the version released) and, with the
held-back model, of every publication's L_p (what was stored then, which is what progress.json
counts: it differs from the x of that publication by the changes held back). That is more than the
files say (window sums per unit × topic and per unit × group), on purpose. So that this knowledge
holds the files', every progress.json of every publication is compared with it: each unit's
by_topic[T] and by_group[G] (over the round's topics) equal those sizes of what was stored at that
publication summed over the window, `received` is their sum and `held` 0 (no batch is held for
review here), and the window must be whole spans; in the revisions audit a size that progress.json
counts but the released version does not hold (a change held back) must lie on a span that a
version published by then holds, or L would not model it (a difference is a failure; with
--without-held-back there is no L, and such sizes are only listed). The criterion against this
reader is the sentiments' part only: (b) for every withheld small position the first attacker
enumerates (periods and rounds, every version): no sentiment the position holds (count > 0) is
pinned (its smallest and largest count equal); and, in the revisions audit, for every small change
the first attacker enumerates (1…minimum−1 added or removed: between two versions of a period; a
month, quarter or year version against the shorter periods' earlier versions, span by span; a
round's version against the periods' earlier versions on its window; audited by the first attacker
in its time or not): no sentiment whose change is not zero in truth (the ones the first attacker
checks) has its change, Σ x_new − x_old over the position's atoms, pinned. The count ranges, of
positions (a) and of changes, are not claimed against it. A sentiment or sentiment's change the
first attacker pinned is pinned with the sizes too (the truth among the solutions): counted
without solving and not failed a second time, like every change of a position published in both
versions (a failure of the first attacker's); one whose value in any exact integer solution found
for the same sized system (one pool of them for positions and changes) differs from the true value
is not pinned (the truth is a solution too); the others are maximised, then minimised. One line
per data set and one for the revisions audit say how many positions (and, in the revisions audit,
small changes) were checked, sentiments bounded and pinned, the milp solves and seconds (the
revisions' sizes-known pass has its own time budget, positions first, then changes; what is left
unaudited is reported, not failed).

The revisions audit prints the provisional alarms seen, the lower bounds they add (" (tight)"
where the bound is the release's true count) and the rows of provisional_looks, then, for case e's
two weeks, what each version of the week withholds of LOOK_TOPIC and the range the attacker gets
for each withheld small position of the small unit there (NARROWED below minimum + 1 values).
A withheld small position's (or small change's) maximum is not solved when an exact solution found
before already gives it at least its true value + minimum (all that is asked then).

With --report-only it prints the figures and exits 0 even when cells are narrowed (to measure an
older build). Runs in about 2 to 3 minutes on 2 cores (before case e: 111 s with seed 7, 101 s with
seed 11, rounds and both attackers included, the sizes-known one about 20 s of it, its small changes
mostly shown not pinned by the pool of exact solutions without a solve; HiGHS without presolve; with
case e: 162 s with seed 7, the revisions audit 77–82 s of it and 45 s with seeds 11 and 12, on a
machine where another job used a core much of the time); every data
set is bounded in size, the revisions audit to 3 minutes with its publishing and its sizes-known
pass to 2 minutes more (1 with `--revisions-release open`; what is left unaudited then is reported).
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
from scipy.sparse import csr_matrix, vstack

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


def config_text(units, topics, port, release="open", grace_days=None, rounds=()):
    """`release: open` publishes every period as it fills (one publication audited on its own);
    `release: closed` with `grace_days` publishes a period once it has ended (the revisions audit).
    `rounds`: survey rounds {code, topics, from, to, report_by?} (dates), whose results are
    published the day after report_by (and the week's grace days under `release: closed`)."""
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
    if rounds:
        lines.append("rounds:")
        for r in rounds:
            lines += [f"  - code: {r['code']}", f'    title: "Đợt {r["code"]}"', f"    topics: [{', '.join(r['topics'])}]",
                      f"    from: {r['from'].isoformat()}", f"    to: {r['to'].isoformat()}",
                      *([f"    report_by: {r['report_by'].isoformat()}"] if r.get("report_by") else []),
                      "    targets: { default: 20 }"]
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

    def __init__(self, bin_dir, units, topics, prefix, release, grace_days=None, rounds=()):
        self.bin_dir = bin_dir
        self.work = tempfile.mkdtemp(prefix=prefix)
        self.state = os.path.join(self.work, "state")
        self.port = free_port()
        self.config = os.path.join(self.work, "surveyd.conf")
        with open(self.config, "w", encoding="utf-8") as file:
            file.write(config_text(units, topics, self.port, release=release, grace_days=grace_days, rounds=rounds))
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


def publish(bin_dir, units, topics, responses, rounds=()):
    """Runs surveyd (with `rounds` configured), submits `responses` [(date, unit, topic, group,
    sentiment)], publishes with surveyctl, and returns the summaries folder (inside a temporary
    folder kept by the caller; the database beside it)."""
    instance = Instance(bin_dir, units, topics, "surveyd-privacy-", release="open", rounds=rounds)
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


def check_unit_views(name, folder, files):
    """The units' views (units/CODE/…, for their administrators on the web) add nothing to the
    attacker's files: each is the province file of its period cut to the province's cells and the
    unit's own rows, so the system below, built from the province files, covers them too."""
    checked = 0
    units_folder = os.path.join(folder, "units")
    for summary in files:
        kind, period = summary["period"]["kind"], summary["period"]["id"]
        for unit in summary["units"]:
            path = os.path.join(units_folder, unit["code"], kind, period, "summary.json")
            if not os.path.exists(path):
                raise Failure(f"{name}: {path} missing")
            with open(path, encoding="utf-8") as file:
                view = json.load(file)
            for mine, theirs in zip(view["topics"], summary["topics"]):
                expected = [row for row in theirs["units"] if row["unit"] == unit["code"]]
                if mine["province"] != theirs["province"] or mine.get("province_groups") != theirs.get("province_groups") or mine["units"] != expected:
                    raise Failure(f"{name}: {path} differs from the province file's rows")
            if [u["code"] for u in view["units"]] != [unit["code"]] or len(view["topics"]) != len(summary["topics"]):
                raise Failure(f"{name}: {path} names other units or topics")
            checked += 1
    return checked


def check_round_unit_views(name, folder, round_results):
    """The units' views of the rounds' results (units/CODE/rounds/ROUND/results.json, for their
    administrators on the web; binaries before them write none) add nothing either: each is the
    province's results with the summary cut to the province's cells and the unit's rows, and the
    coverage to the unit's row. Returns how many were checked."""
    checked, missing = 0, []
    for code, results in round_results.items():
        summary = results["summary"]
        for unit in summary["units"]:
            path = os.path.join(folder, "units", unit["code"], "rounds", code, "results.json")
            if not os.path.exists(path):
                missing.append(path)
                continue
            with open(path, encoding="utf-8") as file:
                view = json.load(file)
            for mine, theirs in zip(view["summary"]["topics"], summary["topics"]):
                expected = [row for row in theirs["units"] if row["unit"] == unit["code"]]
                if mine["province"] != theirs["province"] or mine.get("province_groups") != theirs.get("province_groups") or mine["units"] != expected:
                    raise Failure(f"{name}: {path} differs from the province's results")
            if [u["code"] for u in view["summary"]["units"]] != [unit["code"]] or len(view["summary"]["topics"]) != len(summary["topics"]) \
                    or view["summary"]["responses"] != summary["responses"] \
                    or view["coverage"]["units"] != [row for row in results["coverage"]["units"] if row["unit"] == unit["code"]]:
                raise Failure(f"{name}: {path} names other units, topics or figures than the province's results")
            checked += 1
    if checked and missing:
        raise Failure(f"{name}: {missing[0]} missing")
    return checked


def spans_of(first, last, cuts=()):
    """Tally spans: runs of days inside one ISO week and one month, cut also on every day of `cuts`
    (survey rounds' first days and the days after their last: the database's span_cuts), so that a
    span starts on the latest of its week's Monday, its month's first day and the cuts before it.
    Returns {day: span index} and the number of spans."""
    index, key, result, day = -1, None, {}, first
    latest = max((c for c in cuts if c <= first), default=None)
    while day <= last:
        if day in cuts:
            latest = day
        k = (day.isocalendar()[:2], day.month, day.year, latest)
        if k != key:
            index, key = index + 1, k
        result[day] = index
        day += timedelta(days=1)
    return result, index + 1


def natural_start(day):
    """Whether a tally span starts on `day` whatever the cuts: a Monday or a month's first day."""
    return day.weekday() == 0 or day.day == 1


def needed_cuts(rounds):
    """The cuts the rounds need: each one's first day and the day after its last, when neither a
    Monday nor a month's first day (SpanCuts.needed)."""
    return {day for r in rounds for day in (r["from"], r["to"] + timedelta(days=1)) if not natural_start(day)}


def read_cuts(state):
    """The database's span_cuts, as dates (empty before migration 9)."""
    database = sqlite3.connect(f"file:{os.path.join(state, 'surveyd.sqlite')}?mode=ro", uri=True, timeout=30)
    try:
        if not database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'span_cuts'").fetchone():
            return set()
        return {date(1970, 1, 1) + timedelta(days=day) for (day,) in database.execute("SELECT day FROM span_cuts")}
    finally:
        database.close()


def read_round_files(folder, name):
    """Every published rounds/CODE/NAME (results.json, progress.json), {code: document}."""
    documents = {}
    base = os.path.join(folder, "rounds")
    if os.path.isdir(base):
        for code in sorted(os.listdir(base)):
            path = os.path.join(base, code, name)
            if os.path.exists(path):
                with open(path, encoding="utf-8") as file:
                    documents[code] = json.load(file)
    return documents


def read_round_results(folder):
    """Every published rounds/CODE/results.json, {code: results}."""
    return read_round_files(folder, "results.json")


def round_release_day(r, grace_days=0):
    """The day a round's results may first be published: the day after report_by (default to + 3)
    and the week's grace days (ReleasePolicy.roundReleaseDay)."""
    return (r.get("report_by") or r["to"] + timedelta(days=3)) + timedelta(days=grace_days + 1)


def check_round_file(name, results, configured):
    """The results file of a configured round: its schema, window and topics, and a summary of
    kind "round" over that window whose `responses` is the sum of the province totals it shows.
    Returns the summary."""
    summary = results["summary"]
    code = results["round"]
    where = f"{name}: round {code}"
    if results.get("schema") != "surveyd.round-results/1":
        raise Failure(f"{where}: schema {results.get('schema')}")
    if (date.fromisoformat(results["from"]), date.fromisoformat(results["to"])) != (configured["from"], configured["to"]) \
            or results["topics"] != configured["topics"]:
        raise Failure(f"{where}: window {results['from']}…{results['to']} {results['topics']} is not the configured one")
    period = summary["period"]
    if (period["kind"], period["id"], period["start"], period["end"]) != ("round", code, results["from"], results["to"]):
        raise Failure(f"{where}: its summary covers {period}")
    if [t["code"] for t in summary["topics"]] != results["topics"]:
        raise Failure(f"{where}: its summary shows the topics {[t['code'] for t in summary['topics']]}")
    shown = sum(t["province"]["responses"] for t in summary["topics"] if not t["province"]["suppressed"])
    if summary["responses"] != shown:
        raise Failure(f"{where}: summary.responses is {summary['responses']}, the province totals shown sum to {shown}")
    for topic, unit, group, cell in positions(summary):
        if not cell["suppressed"] and cell.get("responses", sum(cell["counts"])) != sum(cell["counts"]):
            raise Failure(f"{where}: {topic} {unit} {group} shows {cell['responses']} responses, {sum(cell['counts'])} by sentiment")
    return summary


def round_recount(state, results):
    """A recount from the database of the round's responses: counted (accepted, not held) batches'
    responses of its topics collected in its window, {(topic, unit, group, sentiment): count}."""
    epoch = date(1970, 1, 1)
    first, last = (date.fromisoformat(results[k]) - epoch for k in ("from", "to"))
    database = sqlite3.connect(f"file:{os.path.join(state, 'surveyd.sqlite')}?mode=ro", uri=True, timeout=30)
    try:
        rows = database.execute(
            "SELECT t.code, u.code, g.code, s.code, COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id "
            "JOIN topics t ON t.id = r.topic_id JOIN units u ON u.id = b.unit_id JOIN respondent_groups g ON g.id = r.group_id "
            "JOIN sentiments s ON s.id = r.sentiment_id WHERE b.state = 'accepted' AND b.held = 0 "
            f"AND r.collected_on BETWEEN ? AND ? AND t.code IN ({', '.join('?' * len(results['topics']))}) "
            "GROUP BY t.code, u.code, g.code, s.code", (first.days, last.days, *results["topics"])).fetchall()
    finally:
        database.close()
    return {(t, u, g, x): n for t, u, g, x, n in rows}


def recount_differences(results, recount):
    """The shown figures of a round's results against `recount` (round_recount): how many were
    compared, and the ones that differ [(topic, unit, group, sentiment, shown, recounted)]."""
    compared, differ = 0, []
    for topic, unit, group, cell in positions(results["summary"]):
        if cell["suppressed"]:
            continue
        for s, shown in enumerate(cell["counts"]):
            counted = sum(n for (t, u, g, x), n in recount.items()
                          if t == topic and (unit is None or u == unit) and (group is None or g == group) and x == SENTIMENTS[s])
            compared += 1
            if counted != shown:
                differ.append((topic, unit, group, SENTIMENTS[s], shown, counted))
    return compared, differ


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
    """The attacker's unknowns: one count per unit × topic × group × sentiment × tally span (cut
    at `cuts` too), from the span of `first` to that of `last`, numbered topic-major (each topic's
    atoms contiguous)."""

    def __init__(self, units, topics, first, last, cuts=()):
        self.span_of, self.span_count = spans_of(first, last, cuts)
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
        """The spans of a period's (or round's) days; they must be whole spans."""
        a, b = date.fromisoformat(summary["period"]["start"]), date.fromisoformat(summary["period"]["end"])
        spans = sorted({self.span_of[a + timedelta(days=d)] for d in range((b - a).days + 1)})
        outside = [day for day in (a - timedelta(days=1), b + timedelta(days=1)) if self.span_of.get(day) in spans]
        if outside:
            raise Failure(f"{summary['period']['kind']} {summary['period']['id']} ({a}…{b}) cuts the tally span of {outside[0]}")
        return spans


# ---------------------------------------------------------------------------------------------
# The second attacker, "sizes known": the reader of the rounds' progress files as well.

def read_round_progress(folder):
    """Every published rounds/CODE/progress.json, {code: progress}."""
    return read_round_files(folder, "progress.json")


def window_spans(space, r):
    """The tally spans holding a day of round `r`'s window (from…to) inside the space, and whether
    the window is a union of whole spans (it is when the spans are cut at the rounds' windows)."""
    days = [r["from"] + timedelta(days=d) for d in range((r["to"] - r["from"]).days + 1)]
    spans = sorted({space.span_of[day] for day in days if day in space.span_of})
    whole = not any(space.span_of.get(day) in spans for day in (r["from"] - timedelta(days=1), r["to"] + timedelta(days=1)))
    return spans, whole


def size_groups(space, rounds):
    """The atom groups whose size (count over sentiments) a progress reader is granted: every unit ×
    topic × group × span where the span holds a day of a configured round's window and the topic
    is one of that round's topics (rounds released or not). [(t, u, g, span)], sorted."""
    keys = set()
    for r in rounds:
        spans, _ = window_spans(space, r)
        for topic in r["topics"]:
            if topic not in space.topic_index:
                continue
            t = space.topic_index[topic]
            keys.update((t, u, g, span) for u in range(space.U) for g in range(space.G) for span in spans)
    return sorted(keys)


def progress_differences(where, progress_files, rounds, space, truth):
    """progress.json against the sizes the model grants (the atoms `truth` summed over the spans of
    each round's window): every unit's by_topic[T] must be the sum over the window of T's atoms of
    the unit, by_group[G] that of G over the round's topics, received their sum, held 0 (no batch is
    held for review here; retracted batches count nowhere, late ones in received). The window must be
    whole spans. Returns (figures compared, [problems])."""
    compared, problems = 0, []
    for r in rounds:
        code = r["code"]
        progress = progress_files.get(code)
        if progress is None:
            problems.append(f"{where}: rounds/{code}/progress.json missing")
            continue
        spans, whole = window_spans(space, r)
        if not whole:
            problems.append(f"{where}: round {code}'s window {r['from']}…{r['to']} cuts a tally span: its sizes are not the spans'")
        if progress.get("topics") != r["topics"] or progress.get("from") != r["from"].isoformat() or progress.get("to") != r["to"].isoformat():
            problems.append(f"{where}: rounds/{code}/progress.json is about {progress.get('topics')} {progress.get('from')}…{progress.get('to')}")
        listed = {row["unit"]: row for row in progress["units"]}
        for unit, u in space.unit_index.items():
            row = listed.get(unit, {"received": 0, "held": 0, "by_topic": {}, "by_group": {}})
            topics = [t for t in r["topics"] if t in space.topic_index]
            expected_topic = {t: int(truth[[space.var(space.topic_index[t], u, g, s, span) for g in range(space.G)
                                            for s in range(space.S) for span in spans]].sum()) for t in topics}
            expected_group = {group: int(truth[[space.var(space.topic_index[t], u, g, s, span) for t in topics
                                                for s in range(space.S) for span in spans]].sum()) for g, group in enumerate(GROUPS)}
            shown = [(f"by_topic {t}", row["by_topic"].get(t, 0), n) for t, n in expected_topic.items()] \
                + [(f"by_group {g}", row["by_group"].get(g, 0), n) for g, n in expected_group.items()] \
                + [("received", row["received"], sum(expected_topic.values())), ("held", row.get("held", 0), 0)]
            for label, value, n in shown:
                compared += 1
                if value != n:
                    problems.append(f"{where}: rounds/{code}/progress.json {unit} {label} is {value}, the model's sizes sum to {n}")
        for unit in set(listed) - set(space.unit_index):
            problems.append(f"{where}: rounds/{code}/progress.json lists a unit not configured: {unit}")
    return compared, problems


def exact_solution(result, matrix, low, high, upper):
    """milp's solution rounded to integers when it satisfies every row and bound exactly, else None
    (then only its optimum is used)."""
    if result.x is None:
        return None
    x = np.round(result.x).astype(np.int64)
    if (x < 0).any() or (x > upper).any():
        return None
    values = matrix @ x
    if (values < low - 1e-9).any() or (values > high + 1e-9).any():
        return None
    return x


def signed(columns):
    """An objective as (columns, integer coefficients): `columns` is a list of columns (each with
    coefficient 1) or {column: coefficient} (a change: the new version's atoms +1, the old one's −1)."""
    if isinstance(columns, dict):
        pairs = [(c, int(round(v))) for c, v in columns.items() if int(round(v))]
        return np.array([c for c, _ in pairs], dtype=np.int64), np.array([v for _, v in pairs], dtype=np.int64)
    columns = np.asarray(columns, dtype=np.int64)
    return columns, np.ones(len(columns), dtype=np.int64)


def bound_sentiments(items, solve, deadline, pool=None, already=" (already without the sizes)"):
    """Whether each sentiment a withheld small position holds (or each sentiment's part of a small
    change) is pinned: items [(where, problem, [(sentiment, true count, columns)], sentiments known
    pinned)], columns as signed() reads them. solve(problem, columns, sign, coefficients) → (the
    extreme of Σ coefficients · x[columns], its minimum with sign 1, its maximum with sign −1; an
    exact integer solution or None). Used by both attackers.

    A sentiment known pinned (by the attacker without the sizes: the sizes-known one has more
    equations, the truth among the solutions) is counted pinned without solving. Any exact
    solution found for the same problem (`pool`: {problem: [solutions]}, shared with the count's
    bounds) whose count of a sentiment differs from the true count shows that sentiment is not
    pinned (the truth is a solution too); else its maximum, then its minimum, is solved, and it is
    pinned when both equal the true count. Returns dict(positions, sentiments, pinned [lines],
    pinned_keys [(item index, sentiment)], solves, unaudited, unwitnessed: optima apart from the
    true count that no exact solution returned with them shows, taken as milp says)."""
    pool = defaultdict(list) if pool is None else pool
    out = dict(positions=0, sentiments=0, pinned=[], pinned_keys=[], solves=0, unaudited=0, unwitnessed=0)
    for k, (where, problem, layers, pinned_before) in enumerate(items):
        if time.monotonic() > deadline:
            out["unaudited"] += 1
            continue
        out["positions"] += 1
        undecided = {}
        for s, count, columns in layers:
            out["sentiments"] += 1
            if s in pinned_before:
                out["pinned"].append(f"{where}: {SENTIMENTS[s]} pinned to {count}{already}")
                out["pinned_keys"].append((k, s))
            else:
                undecided[s] = (count, *signed(columns))

        def shake(x):
            for s in list(undecided):
                count, columns, coefficients = undecided[s]
                if int(x[columns] @ coefficients) != count:
                    del undecided[s]

        for x in reversed(pool[problem]):
            if not undecided:
                break
            shake(x)
        while undecided:
            s = next(iter(undecided))
            count, columns, coefficients = undecided[s]
            for sign in (-1, 1):
                value, x = solve(problem, columns, sign, coefficients)
                out["solves"] += 1
                if x is not None:
                    keep_solution(pool, problem, x)
                    shake(x)
                if value != count:
                    if x is None or int(x[columns] @ coefficients) == count:
                        out["unwitnessed"] += 1  # milp's optimum without an exact solution showing it
                    undecided.pop(s, None)
                    break
            else:
                out["pinned"].append(f"{where}: {SENTIMENTS[s]} pinned to {count}")
                out["pinned_keys"].append((k, s))
                undecided.pop(s, None)
    return out


def keep_solution(pool, problem, x):
    """Keeps an exact solution of `problem` for bound_sentiments (the last 64)."""
    pool[problem].append(x)
    del pool[problem][:-64]


def audit(name, bin_dir, units, topics, responses, started, rounds=()):
    """One publication (`release: open`) of a data set with `rounds` configured: every period's
    summary.json and every round's results.json read together."""
    work, folder = publish(bin_dir, units, topics, responses, rounds)
    state = os.path.dirname(folder)
    files = read_summaries(folder)
    if not files:
        raise Failure(f"{name}: nothing published")
    views = check_unit_views(name, folder, files)
    # The rounds: spans cut at their windows (the database's span_cuts, which must be the cuts the
    # configured rounds need), and a results file for each closed round holding a response.
    cuts = read_cuts(state)
    if cuts != needed_cuts(rounds):
        raise Failure(f"{name}: span_cuts holds {sorted(cuts)}, the rounds need {sorted(needed_cuts(rounds))}")
    published_rounds = read_round_results(folder)
    today = datetime.now(PROVINCE).date()
    round_files = []
    for r in rounds:
        expected = round_release_day(r) <= today and any(
            r["from"] <= day <= r["to"] and topic in r["topics"] for day, unit, topic, *_ in responses)
        if expected != (r["code"] in published_rounds):
            raise Failure(f"{name}: round {r['code']} ({r['from']}…{r['to']}) {'not ' if expected else ''}published as of {today}")
        if expected:
            round_files.append(check_round_file(name, published_rounds[r["code"]], r))
    if set(published_rounds) - {r["code"] for r in rounds}:
        raise Failure(f"{name}: results of rounds not configured: {sorted(set(published_rounds) - {r['code'] for r in rounds})}")
    views += check_round_unit_views(name, folder, published_rounds)
    recounted, recount_failures = 0, []
    for code, results in published_rounds.items():
        compared, differ = recount_differences(results, round_recount(state, results))
        recounted += compared
        recount_failures += [f"round {code} {t} {u or 'province'} {g or 'all groups'} {x}: shows {a}, the database holds {b}"
                             for t, u, g, x, a, b in differ]
    first = min(date.fromisoformat(f["period"]["start"]) for f in files + round_files)
    last = max(date.fromisoformat(f["period"]["end"]) for f in files + round_files)
    space = AtomSpace(units, topics, first, last, cuts)
    U, T, G, S, span_count, var, atoms = space.U, space.T, space.G, space.S, space.span_count, space.var, space.atoms
    variables = space.size

    truth = np.zeros(variables, dtype=np.int64)
    for day, unit, topic, group, sentiment in responses:
        truth[space.atom(day, unit, topic, group, sentiment)] += 1

    # Equations, each with the topic it is about (None: the period's total over all topics). A
    # round's table shows its topics only, each position an equation on the spans of its window;
    # its `responses` is the sum of the province totals it shows (checked above): no equation more,
    # and a withheld province total of a round couples no topics.
    equations = []
    targets = []   # (period, topic, unit, group, true counts per sentiment, spans)
    withheld = 0
    coupled = False
    round_figures = dict(positions=0, withheld=0, targets=0)
    for summary in files + round_files:
        is_round = summary["period"]["kind"] == "round"
        period_spans = space.spans_in(summary)
        if not is_round:
            # A period's total of responses less the province totals it shows is the sum of the
            # province totals it withholds: one topic's total when it withholds one (an equation
            # on that topic alone), else an equation coupling the topics withheld.
            hidden = [t["code"] for t in summary["topics"] if t["province"]["suppressed"]]
            rest = summary["responses"] - sum(t["province"]["responses"] for t in summary["topics"] if not t["province"]["suppressed"])
            if len(hidden) == 1:
                equations.append((hidden[0], atoms(hidden[0], None, None, None, period_spans), rest))
            else:
                equations.append((None, space.every(period_spans), summary["responses"]))
                coupled |= len(hidden) > 1
        label = f"round {summary['period']['id']}" if is_round else summary["period"]["id"]
        for topic, unit, group, cell in positions(summary):
            round_figures["positions"] += is_round
            if cell["suppressed"]:
                withheld += 1
                round_figures["withheld"] += is_round
                counts = [int(truth[atoms(topic, unit, group, s, period_spans)].sum()) for s in range(S)]
                if 0 < sum(counts) < MINIMUM:
                    targets.append((label, topic, unit, group, counts, period_spans))
                    round_figures["targets"] += is_round
                continue
            for s, count in enumerate(cell["counts"]):
                equations.append((topic, atoms(topic, unit, group, s, period_spans), count))
    # Every published equation must hold for the truth (the files say what was submitted).
    for _, row, value in equations:
        if truth[row].sum() != value:
            raise Failure(f"{name}: the published figures do not match the submitted responses")
    # With at most one topic's province total withheld in each period, a period's total says
    # nothing of two topics together, and the topics are separate problems (much faster); else
    # one problem for all.
    # The sizes-known attacker (a reader of the rounds' progress files too) holds besides every
    # unit × topic × group × span size of the rounds' windows and topics: one more row each.
    sized = [(topics[t], [var(t, u, g, s, span) for s in range(S)]) for t, u, g, span in size_groups(space, rounds)]
    sized = [(topic, row, int(truth[row].sum())) for topic, row in sized]
    progress_compared, progress_failures = progress_differences(name, read_round_progress(folder), rounds, space, truth)
    problems, sized_problems = {}, {}
    for topic in ([None] if coupled else topics):
        rows = [(row, value) for about, row, value in equations if coupled or about == topic]
        size_rows = [(row, value) for about, row, value in sized if coupled or about == topic]
        for target, extra in ((problems, []), (sized_problems, size_rows)):
            every = rows + extra
            data, indices, pointers = [], [], [0]
            for row, _ in every:
                indices += row
                data += [1.0] * len(row)
                pointers.append(len(indices))
            matrix = csr_matrix((np.array(data), np.array(indices, dtype=np.int64), np.array(pointers)), shape=(len(every), variables))
            rhs = np.array([value for _, value in every], dtype=float)
            upper = np.full(variables, np.inf)
            if not coupled:
                upper[:] = 0
                t = space.topic_index[topic]
                upper[t * U * G * S * span_count:(t + 1) * U * G * S * span_count] = np.inf
            for row, value in every:
                if value == 0:
                    upper[row] = 0  # atoms inside a published zero (or a size of zero) are zero
            target[topic] = (LinearConstraint(matrix, rhs, rhs), Bounds(np.zeros(variables), upper))

    def solve_in(problem_set):
        """solve(topic, columns, sign, coefficients) on one of the problem sets (bound_sentiments)."""
        def solve(topic, columns, sign, coefficients=None):
            constraints, bounds = problem_set[None if coupled else topic]
            c = np.zeros(variables)
            c[columns] = sign if coefficients is None else sign * coefficients
            # HiGHS 1.2 (SciPy 1.10, Debian 12) with its MIP presolve calls some of these feasible
            # problems (the truth satisfies them) infeasible, and returns wrong optima for others (a
            # minimum above a value a feasible change reaches): solved without it.
            result = milp(c, constraints=constraints, integrality=np.ones(variables), bounds=bounds,
                          options={"time_limit": 60, "presolve": False})
            if result.status == 0 and result.x is not None:
                return int(round(sign * result.fun)), exact_solution(result, constraints.A, constraints.lb, constraints.ub, bounds.ub)
            raise Failure(f"{name}: milp did not solve{' with the sizes known' if problem_set is sized_problems else ''} ({result.message})")
        return solve

    solve, pool = solve_in(problems), defaultdict(list)

    def extreme(topic, objective, sign):
        value, x = solve(topic, objective, sign)
        if x is not None:
            keep_solution(pool, None if coupled else topic, x)
        return value

    # Each withheld small position's count range, then whether a sentiment it holds is pinned
    # (bound_sentiments: the solutions of its range and of earlier positions show most are not).
    narrowed, pinned, narrowest = [], [], None
    pinned_of = defaultdict(set)  # target → sentiments pinned without the sizes
    for k, (period, topic, unit, group, counts, period_spans) in enumerate(targets):
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
        layers = [(s, count, atoms(topic, unit, group, s, period_spans)) for s, count in enumerate(counts) if count]
        found = bound_sentiments([(where, None if coupled else topic, layers, set())], solve, float("inf"), pool)
        pinned += found["pinned"]
        pinned_of[k].update(s for _, s in found["pinned_keys"])

    # The sizes-known attacker: the same positions and sentiments, bounded with the size rows.
    sized_started = time.monotonic()
    items = []
    for k, (period, topic, unit, group, counts, period_spans) in enumerate(targets):
        where = f"{period} {topic} {unit or 'province'} {group or 'all groups'} (true {sum(counts)}, {dict(zip(SENTIMENTS, counts))})"
        layers = [(s, count, atoms(topic, unit, group, s, period_spans)) for s, count in enumerate(counts) if count]
        items.append((where, None if coupled else topic, layers, pinned_of[k]))
    known = bound_sentiments(items, solve_in(sized_problems), float("inf"))
    in_rounds = sum(1 for line in narrowed + pinned if line.startswith("round "))
    print(f"{name}: {len(responses)} responses, {len(files)} files (and {views} units' views, each the province's file cut to the unit's rows), "
          f"{len(round_files)} rounds' results ({round_figures['positions']} positions, {round_figures['withheld']} withheld, "
          f"{round_figures['targets']} small; {recounted} shown figures against the database's recount, {len(recount_failures)} differ), "
          f"{withheld} positions withheld, "
          f"{len(targets)} small withheld positions audited, {len(narrowed)} narrowed below {MINIMUM + 1} values, "
          f"{len(pinned)} sentiment counts pinned ({in_rounds} of these in rounds), narrowest count range {narrowest or f'≥ {MINIMUM + 1}'} values "
          f"({variables} atoms, {span_count} spans, {len(equations)} equations, {time.monotonic() - started:.0f} s so far)")
    for line in (narrowed + pinned)[:10] + recount_failures[:10]:
        print(f"  {line}")
    known_in_rounds = sum(1 for line in known["pinned"] if line.startswith("round "))
    print(f"{name}: sizes known: {known['positions']} small withheld positions checked, {known['sentiments']} sentiments bounded, "
          f"{len(known['pinned'])} pinned ({known_in_rounds} of these in rounds), {known['solves']} milp solves, "
          f"{time.monotonic() - sized_started:.0f} s ({len(sized)} size rows; {known['unwitnessed']} optima without an exact solution; "
          f"progress.json: {progress_compared} figures against the model's sizes, {len(progress_failures)} differ)")
    for line in known["pinned"][:10] + progress_failures[:10]:
        print(f"  {line}")
    # (a sentiment pinned without the sizes is counted once)
    failed = len(narrowed) + len(pinned) + len(recount_failures) + len(known["pinned"]) - len(pinned) + len(progress_failures)
    if failed:
        print(f"{name}: kept in {work}")
    else:
        subprocess.run(["rm", "-rf", work])
    return failed, len(targets), withheld, narrowest


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
    # The round of issue 29: 10 days from the Thursday of the first week to the Saturday of the
    # second (it cuts both weeks; its table holds the cell of 3 and part of the cell of 10).
    rounds = [survey_round("R10", ["CANBO"], start + timedelta(days=3), start + timedelta(days=12))]
    return UNITS[:6], ["CANBO"], responses, rounds


def survey_round(code, topics, first, last, report_by=None):
    """A round's configuration (config_text): `topics` collected from `first` to `last`."""
    return {"code": code, "topics": topics, "from": first, "to": last, **({"report_by": report_by} if report_by else {})}


def shape_rounds(number, topics, weeks):
    """The rounds of random shape `number` (random_case's weeks from monday_weeks_ago(weeks + 1)),
    all closed and releasable today:
    0: two rounds on the first topic one after the other, the later one on both topics (compared
       with the earlier one on the first): Monday of week 0 to Friday of week 2, Wednesday of
       week 3 to Sunday of week 4;
    1: a round on the second topic from 3 days before a month's last day to 5 days after it
       (straddling the month's end), then 10 days from the Thursday of week 6 on both topics,
       reporting by 5 days after its end;
    2: a long round from the Thursday of week 3 to the Tuesday of week 9 (a month's end inside),
       then a short one from the Saturday of week 11 to the Wednesday of week 12."""
    start = monday_weeks_ago(weeks + 1)
    day = lambda d: start + timedelta(days=d)  # noqa: E731
    if number == 0:
        return [survey_round("R-1", topics[:1], day(0), day(18)), survey_round("R-2", topics[:2], day(23), day(34))]
    if number == 1:
        month_end = next(day(d) for d in range(6, 7 * weeks) if (day(d) + timedelta(days=1)).day == 1)
        return [survey_round("R-M", topics[1:2], month_end - timedelta(days=3), month_end + timedelta(days=5)),
                survey_round("R-T", topics[:2], day(45), day(54), report_by=day(59))]
    return [survey_round("R-L", topics[:1], day(24), day(64)), survey_round("R-S", topics[:1], day(82), day(86))]


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
REVISION_TOPIC = "CANBO"       # every week's responses
SECOND_TOPIC = "YTE"           # weeks 3…5 only (case c: 2 late responses to another topic)
REVISION_WEEKS = 6
ISSUE_WEEK = 1                 # the case of issue 19: a cell of 10 in TPTN × ND
ISSUE_LATE = ((3, 3), (5, 2))  # (arrival step, responses) late to that same cell
SHOWN_WEEK = 4                 # case c: a shown cell of 10 in TXPY × CB gets 7 late responses at the last step
SHOWN_CELL = ("TXPY", "CB")
SHOWN_LATE = 7
LATE_WEEK_UNIT = "TPSC"        # case a: sends a whole week late, before its month is published
SMALL_LATE_UNIT = "DH"         # case b: 2 late responses to that week, before its month is published;
                               # case c: 2 late responses to SECOND_TOPIC in SHOWN_WEEK
RETRACTED_UNIT = "PL"          # case c: its 2-response batch of SHOWN_WEEK is retracted at the last step
EARLY_ROUND = "R-EARLY"        # REVISION_TOPIC, Wednesday of week 0 to Sunday of week 1 (ISSUE_WEEK): released at
                               # step 2, revised by the issue-19 late responses (steps 3 and 5)
LATE_ROUND = "R-LATE"          # both topics, Monday of week 4 to Tuesday of week 5: released at step 5, revised by
                               # case c (7 and 2 late, 2 retracted: SHOWN_WEEK lies inside it); compared with EARLY_ROUND
LOOK_TOPIC = "GIAODUC"         # case e, the provisional look (issue 27): weeks 0…5, 5…8 per unit × group of a steady
                               # mix (10% negative) in every unit but RETRACTED_UNIT, but for the cases below
LOOK_DAYS = 2                  # alerts.provisional_days (the default): a Wednesday's look reads Monday and Tuesday
LOOK_WEEKS = (3, 5)            # a publication on the Wednesday of these weeks (after step week − 1), once that week's
                               # Monday–Tuesday responses are stored: of every topic in week 3 (no round holds it), of
                               # LOOK_TOPIC alone in week 5 (LATE_ROUND's progress files would count the others' first)
LOOK_UNIT = "DH"               # week 3: 6…8 per group on Monday–Tuesday, mostly negative, 0…3 per group later (steady)
LOOK_SMALL = "TXPY"            # week 3: 1…3 responses in one group of LOOK_TOPIC (partners in every group)
ADVERSARY_UNIT = "TPTN"        # week 5: all of its LOOK_TOPIC responses (6…8 per group) on Monday–Tuesday, mostly
                               # negative, stored by the Wednesday: its alarm's bound is its true week count
ADVERSARY_SMALL = "TPSC"       # week 5: 1…2 responses of LOOK_TOPIC in one group, from Wednesday on
ADVERSARY_PARTNER = "DH"       # week 5: exactly MINIMUM responses of LOOK_TOPIC, on Monday–Tuesday, in one group: the
                               # fewest with which surveyd shows ADVERSARY_UNIT's alarm (a topic's unit alarms need the
                               # units without one to hold the minimum on the days looked at); no other unit has any


def revisions_case(rng):
    """The revisions data set over REVISION_WEEKS weeks ending more than a week ago; step k
    publishes as of the Monday after week k. Responses are (day, unit, topic, group, sentiment,
    arrival step, batch tag); most arrive at the step of their week (0…8 per unit × group × week
    for REVISION_TOPIC, 2…9 for SECOND_TOPIC in weeks 3…5). Late ones:
    - the issue-19 case: 3 then 2 more into the cell of 10 of week 1 (TPTN × ND);
    - a group growing from 1…4 to ≥ 5 (week 2), and small groups (weeks 0, 3 and the last);
    - case a: LATE_WEEK_UNIT's whole week (6…12 per group) arrives one step late, after the week
      was published but before its month is; case b: 2 late responses of SMALL_LATE_UNIT to that
      week, at the same step;
    - case c, at the last step: 7 late responses to a shown cell of 10 of SHOWN_WEEK, 2 late
      responses of another unit to SECOND_TOPIC in that week, and a third unit's 2-response batch
      of that week retracted (`surveyctl batch retract` republishes as of today, so retractions
      happen at the last step only, whose day is this week's Monday).
    Two rounds (no grace days: results the day after report_by, to + 3): EARLY_ROUND cuts week 0
    and holds week 1, released at step 2 and revised by the issue-19 late responses; LATE_ROUND
    holds SHOWN_WEEK and cuts week 5 (it starts on a Monday: a round cutting case a's and b's week 3
    can hold case b's 2 late responses out of the month's first version, see docs/SUMMARIES.md), released at step 5 and revised by case c's late
    responses and retraction (case d: version 1, then version 2 or more)."""
    start = monday_weeks_ago(REVISION_WEEKS + 2)
    steps = REVISION_WEEKS + 2
    last = steps - 1
    units = REVISION_UNITS

    def weighted():
        return rng.choices(SENTIMENTS, weights=(5, 3, 2))[0]

    def same_span_days(week):
        monday = start + timedelta(days=7 * week)
        return [monday + timedelta(days=d) for d in range(7) if (monday + timedelta(days=d)).month == monday.month]

    def month_waits(week):
        """Whether week lies inside one month that is not published before step week + 2 (its last
        day is in week + 2 or later) but is published by the last step."""
        days = [start + timedelta(days=7 * week + d) for d in range(7)]
        if len({d.month for d in days}) != 1:
            return False
        following = date(days[0].year + (days[0].month == 12), days[0].month % 12 + 1, 1)
        index = (following - timedelta(days=1) - start).days // 7
        return week + 2 <= index <= last

    candidates = [w for w in range(REVISION_WEEKS - 1) if w not in (ISSUE_WEEK, SHOWN_WEEK) and month_waits(w)]
    late_week = rng.choice(candidates) if candidates else None

    responses = []

    def add(day, unit, topic, group, step, tag=None):
        responses.append((day, unit, topic, group, weighted(), step, tag or f"step{step}"))

    for w in range(REVISION_WEEKS):
        for u in units:
            arrival = w + 1 if (w, u) == (late_week, LATE_WEEK_UNIT) else w
            for g in GROUPS:
                if (w, u, g) in ((ISSUE_WEEK, "TPTN", "ND"), (SHOWN_WEEK, *SHOWN_CELL)):
                    days = same_span_days(w)
                    for _ in range(10):
                        add(rng.choice(days), u, REVISION_TOPIC, g, arrival)
                    continue
                # The row and the column of the cells of 10 large enough to publish them.
                large = ((w == ISSUE_WEEK and (u == "TPTN" or g == "ND")) or (w == SHOWN_WEEK and (u == SHOWN_CELL[0] or g == SHOWN_CELL[1]))
                         or (w, u) == (late_week, LATE_WEEK_UNIT))
                for _ in range(rng.randint(6, 12) if large else rng.randint(0, 8)):
                    add(start + timedelta(days=7 * w + rng.randrange(7)), u, REVISION_TOPIC, g, arrival)
                if w >= 3:
                    for _ in range(rng.randint(2, 9)):
                        add(start + timedelta(days=7 * w + rng.randrange(7)), u, SECOND_TOPIC, g, arrival)
    late = []  # descriptions
    issue_day = rng.choice(same_span_days(ISSUE_WEEK))
    for step, n in ISSUE_LATE:
        for _ in range(n):
            add(issue_day, "TPTN", REVISION_TOPIC, "ND", step)
    late.append(f"issue 19: 3 then 2 late into week {ISSUE_WEEK} TPTN ND at steps {ISSUE_LATE[0][0]}, {ISSUE_LATE[1][0]}")
    grow_unit, grow_group = rng.choice([(u, g) for u in units for g in GROUPS if (u, g) != ("TPTN", "ND")])
    first = rng.randint(1, 4)
    second = MINIMUM - first + rng.randint(0, 2)
    grow_day = rng.choice(same_span_days(2))
    for step, n in ((3, first), (4, second)):
        for _ in range(n):
            add(grow_day, grow_unit, REVISION_TOPIC, grow_group, step)
    late.append(f"week 2 {grow_unit} {grow_group}: {first} then {second} at steps 3, 4")
    for week, step in ((0, 2), (3, rng.choice((5, 6))), (REVISION_WEEKS - 1, last)):
        # Not the units of cases a and b: their late responses stay apart.
        unit, group = rng.choice([u for u in units if u not in (LATE_WEEK_UNIT, SMALL_LATE_UNIT)]), rng.choice(GROUPS)
        n = rng.randint(1, 4)
        day = start + timedelta(days=7 * week + rng.randrange(7))
        for _ in range(n):
            add(day, unit, REVISION_TOPIC, group, step)
        late.append(f"week {week} {unit} {group}: {n} at step {step}")
    cases = {}
    if late_week is not None:
        small_group = rng.choice(GROUPS)
        small_day = start + timedelta(days=7 * late_week + rng.randrange(7))
        for _ in range(2):
            add(small_day, SMALL_LATE_UNIT, REVISION_TOPIC, small_group, late_week + 1, "lateweek")
        cases["a"] = (late_week, LATE_WEEK_UNIT)
        cases["b"] = (late_week, SMALL_LATE_UNIT, small_group, small_day)
        late.append(f"case a: week {late_week} of {LATE_WEEK_UNIT} at step {late_week + 1}; "
                    f"case b: 2 of {SMALL_LATE_UNIT} {small_group} to that week at step {late_week + 1}")
    shown_days = same_span_days(SHOWN_WEEK)
    shown_day = rng.choice(shown_days)
    for _ in range(SHOWN_LATE):
        add(shown_day, *SHOWN_CELL[:1], REVISION_TOPIC, SHOWN_CELL[1], last, "shown")
    other_group = rng.choice(GROUPS)
    other_day = start + timedelta(days=7 * SHOWN_WEEK + rng.randrange(7))
    for _ in range(2):
        add(other_day, SMALL_LATE_UNIT, SECOND_TOPIC, other_group, last, "othertopic")
    retracted_group = rng.choice(GROUPS)
    retracted_day = start + timedelta(days=7 * SHOWN_WEEK + rng.randrange(7))
    for _ in range(2):
        add(retracted_day, RETRACTED_UNIT, REVISION_TOPIC, retracted_group, SHOWN_WEEK, "retracted")
    cases["c"] = (SHOWN_WEEK, shown_day)
    retractions = [(last, "retracted", RETRACTED_UNIT)]  # (step, batch tag, unit)
    late.append(f"case c at step {last}: {SHOWN_LATE} into week {SHOWN_WEEK} {' '.join(SHOWN_CELL)}, 2 of {SMALL_LATE_UNIT} "
                f"{other_group} to {SECOND_TOPIC}, {RETRACTED_UNIT}'s 2 ({retracted_group}) retracted")
    looks = provisional_case(rng, start, units, responses, late)
    rounds = [dict(code=EARLY_ROUND, topics=[REVISION_TOPIC], start_step=2, **{"from": start + timedelta(days=2), "to": start + timedelta(days=13)}),
              dict(code=LATE_ROUND, topics=[REVISION_TOPIC, SECOND_TOPIC], start_step=5,
                   **{"from": start + timedelta(days=28), "to": start + timedelta(days=36)})]
    cases["e"] = looks
    return dict(units=units, topics=[REVISION_TOPIC, SECOND_TOPIC, LOOK_TOPIC], responses=responses, start=start, steps=steps,
                late=late, cases=cases, retractions=retractions, rounds=rounds)


def provisional_case(rng, start, units, responses, late):
    """Case e, the provisional look (issue 27), drawn after the rest (the other cases' data stay as
    they were for a seed): LOOK_TOPIC's responses, and the arrival of each LOOK_WEEKS week's Monday
    and Tuesday responses at step week − 0.5, a publication on that week's Wednesday (batch tag
    wedWEEK). Every unit but RETRACTED_UNIT answers LOOK_TOPIC steadily (5…8 per group a week, 10%
    negative) in weeks 0…5, which gives its charts a baseline, but:
    - week 3: LOOK_UNIT answers 6…8 per group on Monday–Tuesday, mostly negative (a provisional
      alarm at the Wednesday), 0…3 per group later in the week; LOOK_SMALL has 1…3 responses in
      one group only (a small position whose partners, the other units, answer in every group);
      every topic's on-time Monday–Tuesday responses of week 3 arrive for the Wednesday;
    - week 5 (the adversarial case): ADVERSARY_UNIT answers 6…8 per group, all on Monday–Tuesday
      and mostly negative, stored by the Wednesday: the alarm's lower bounds equal its true counts
      of the week; ADVERSARY_SMALL has 1…2 responses in one group (Wednesday on); ADVERSARY_PARTNER
      has exactly MINIMUM on Monday–Tuesday in one group, the fewest unbounded responses with which
      surveyd shows the alarm (with none, it shows none: the small unit's only partner would be the
      bounded unit, and its fallback, the topic withheld, leaves the topic's total derivable from
      the other topics'); no other unit answers LOOK_TOPIC that week. Only LOOK_TOPIC's
      Monday–Tuesday responses arrive for this Wednesday (LATE_ROUND's window holds the other
      topics' Monday–Tuesday of week 5, and its progress files would count them before any
      version holds their span).
    Returns the case's description: {week: dict(unit=, small=, group=, count=)}."""
    steady, shifted = (6, 3, 1), (1, 1, 6)
    first_days = lambda week: [start + timedelta(days=7 * week + d) for d in range(LOOK_DAYS)]  # noqa: E731
    later_days = lambda week: [start + timedelta(days=7 * week + d) for d in range(LOOK_DAYS, 7)]  # noqa: E731
    every_day = lambda week: first_days(week) + later_days(week)  # noqa: E731

    def add(days, unit, group, weights, week, n):
        for _ in range(n):
            day = rng.choice(days)
            early = week in LOOK_WEEKS and day in first_days(week)
            responses.append((day, unit, LOOK_TOPIC, group, rng.choices(SENTIMENTS, weights=weights)[0],
                              week - 0.5 if early else week, f"wed{week}" if early else f"step{week}"))

    small = {w: (rng.choice(GROUPS), rng.randint(1, 3) if w == 3 else rng.randint(1, 2)) for w in LOOK_WEEKS}
    partner_group = rng.choice(GROUPS)
    for w in range(REVISION_WEEKS):
        for u in units:
            if u == RETRACTED_UNIT:
                continue  # four units are enough for the charts (and the audit is smaller)
            for g in GROUPS:
                if w == 3 and u == LOOK_UNIT:
                    add(first_days(w), u, g, shifted, w, rng.randint(6, 8))
                    add(later_days(w), u, g, steady, w, rng.randint(0, 3))
                elif w == 5 and u == ADVERSARY_UNIT:
                    add(first_days(w), u, g, shifted, w, rng.randint(6, 8))
                elif w == 5 and u == ADVERSARY_PARTNER:
                    if g == partner_group:
                        add(first_days(w), u, g, steady, w, MINIMUM)
                elif (w, u) in ((3, LOOK_SMALL), (5, ADVERSARY_SMALL)):
                    if g == small[w][0]:
                        add(every_day(w) if w == 3 else later_days(w), u, g, steady, w, small[w][1])
                elif w != 5:
                    add(every_day(w), u, g, steady, w, rng.randint(5, 8))
    # Week 3's other on-time responses of Monday and Tuesday (every topic) arrive for its Wednesday.
    for k, (day, unit, topic, group, sentiment, arrival, tag) in enumerate(responses):
        if arrival == 3 and tag == "step3" and day in first_days(3):
            responses[k] = (day, unit, topic, group, sentiment, 2.5, "wed3")
    looks = {3: dict(unit=LOOK_UNIT, small=LOOK_SMALL, group=small[3][0], count=small[3][1]),
             5: dict(unit=ADVERSARY_UNIT, small=ADVERSARY_SMALL, group=small[5][0], count=small[5][1])}
    late.append(f"case e: {LOOK_TOPIC} weeks 0…5; Wednesday publications of weeks {', '.join(map(str, LOOK_WEEKS))}; week 3: "
                f"{LOOK_UNIT} negative on Monday–Tuesday, {LOOK_SMALL} {small[3][1]} in {small[3][0]}; week 5 (adversarial): "
                f"{ADVERSARY_UNIT} all on Monday–Tuesday, negative, {ADVERSARY_SMALL} {small[5][1]} in {small[5][0]} from Wednesday, "
                f"{ADVERSARY_PARTNER} {MINIMUM} in {partner_group} on Monday–Tuesday, no other unit")
    return looks


def read_database(state):
    """What the database says was released. The schema of migration 8 (schema "versions"):
    span versions {(span_start day, seq): {(unit, topic, group, sentiment): count}}, period
    versions {(kind, period): [seq…]}, withheld positions {(kind, period, seq): {(topic, unit or
    None, group or None)}}, releases {seq: released_at}; with migration 9, round versions {code:
    [{seq, start, end, topics, withheld}]} in release order and the span cuts (dates). The schema of migration 7 (schema
    "released", the binaries before it): released spans {span_start day: {atom: count}}, released
    periods, withheld {(kind, period): positions}."""
    database = sqlite3.connect(f"file:{os.path.join(state, 'surveyd.sqlite')}?mode=ro", uri=True, timeout=30)
    epoch = date(1970, 1, 1)
    try:
        codes = {table: dict(database.execute(f"SELECT id, code FROM {table}").fetchall())
                 for table in ("units", "topics", "respondent_groups", "sentiments")}
        tables = {name for (name,) in database.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}

        def unpack(where, blob):
            # counts packs (unit_id, topic_id, group_id, sentiment_id, count, floor) as six
            # little-endian 32-bit integers per non-zero atom.
            if len(blob) % 24:
                raise Failure(f"{where} has {len(blob)} bytes, not a multiple of 24")
            atoms = {}
            for unit, topic, group, sentiment, count, floor in struct.iter_unpack("<6i", blob):
                if not 0 <= floor <= count:
                    raise Failure(f"{where}: floor {floor} outside 0…{count}")
                key = (codes["units"][unit], codes["topics"][topic], codes["respondent_groups"][group], codes["sentiments"][sentiment])
                atoms[key] = atoms.get(key, 0) + count
            return atoms

        def position(topic, unit, group):
            return codes["topics"][topic], codes["units"][unit] if unit else None, codes["respondent_groups"][group] if group else None

        if "span_versions" in tables:
            spans = {}
            for span, seq, blob in database.execute("SELECT span_start, seq, counts FROM span_versions"):
                spans[(epoch + timedelta(days=span), seq)] = unpack(f"span version ({span}, {seq})", blob)
            periods = defaultdict(list)
            for kind, period, seq in database.execute("SELECT kind, period, seq FROM period_versions ORDER BY seq"):
                periods[(kind, period)].append(seq)
            withheld = defaultdict(set)
            for kind, period, seq, topic, unit, group in database.execute(
                    "SELECT kind, period, seq, topic_id, unit_id, group_id FROM period_version_withheld"):
                withheld[(kind, period, seq)].add(position(topic, unit, group))
            releases = dict(database.execute("SELECT seq, released_at FROM releases").fetchall())
            rounds = defaultdict(list)
            if "round_versions" in tables:
                round_codes = dict(database.execute("SELECT id, code FROM rounds").fetchall())
                round_withheld = defaultdict(set)
                for round_id, seq, topic, unit, group in database.execute(
                        "SELECT round_id, seq, topic_id, unit_id, group_id FROM round_version_withheld"):
                    round_withheld[(round_id, seq)].add(position(topic, unit, group))
                for round_id, seq, first, last, topic_ids in database.execute(
                        "SELECT round_id, seq, from_day, to_day, topics FROM round_versions ORDER BY seq"):
                    rounds[round_codes[round_id]].append(dict(
                        seq=seq, start=epoch + timedelta(days=first), end=epoch + timedelta(days=last),
                        topics=[codes["topics"][t] for t in json.loads(topic_ids)], withheld=round_withheld[(round_id, seq)]))
            cuts = set()
            if "span_cuts" in tables:
                cuts = {epoch + timedelta(days=day) for (day,) in database.execute("SELECT day FROM span_cuts")}
            return dict(schema="versions", spans=spans, periods=dict(periods), withheld=dict(withheld), releases=releases,
                        rounds=dict(rounds), cuts=cuts)
        spans = {}
        if "released_spans" in tables:
            for span, blob in database.execute("SELECT span_start, counts FROM released_spans"):
                spans[epoch + timedelta(days=span)] = unpack(f"released span {span}", blob)
            released = set(database.execute("SELECT kind, period FROM released_periods").fetchall())
            withheld = defaultdict(set)
            for kind, period, topic, unit, group in database.execute("SELECT kind, period, topic_id, unit_id, group_id FROM released_withheld"):
                withheld[(kind, period)].add(position(topic, unit, group))
        else:
            released, withheld = set(), {}
        return dict(schema="released", spans=spans, released=released, withheld=dict(withheld))
    finally:
        database.close()


def read_version(state):
    """Every summary.json {(kind, id): summary}, index.json, what the database says was released
    (read_database), every round's results.json {code: results}, and the database's recount of
    each of those rounds (round_recount)."""
    folder = os.path.join(state, "summaries")
    files = {}
    for summary in read_summaries(folder):
        files[(summary["period"]["kind"], summary["period"]["id"])] = summary
    index = {}
    if os.path.exists(os.path.join(folder, "index.json")):
        with open(os.path.join(folder, "index.json"), encoding="utf-8") as file:
            index = json.load(file)
    rounds = read_round_results(folder)
    recounts = {code: round_recount(state, results) for code, results in rounds.items()}
    return files, index, read_database(state), rounds, recounts


def iso_monday(week):
    """The Monday of an ISO week "2026-W45"."""
    year, number = week.split("-W")
    return date.fromisocalendar(int(year), int(number), 1)


def read_provisional(state):
    """What a publication says of the provisional look (issue 27): alerts.json's `provisional`
    entries (none when the file or the key is missing) and the file's identity (inode and
    modification time: a file not rewritten repeats an earlier publication's entries), the
    database's provisional_looks {(week's Monday, unit code or None, topic code)} (None before
    migration 10), and for each entry the database's count per sentiment of the responses the
    look read: counted (accepted, not held) batches' responses of its unit (every unit for the
    province) and topic collected from the week's Monday to `through`."""
    path = os.path.join(state, "summaries", "alerts.json")
    entries, identity = [], None
    if os.path.exists(path):
        status = os.stat(path)
        identity = (status.st_ino, status.st_mtime_ns)
        with open(path, encoding="utf-8") as file:
            entries = json.load(file).get("provisional") or []
    epoch = date(1970, 1, 1)
    database = sqlite3.connect(f"file:{os.path.join(state, 'surveyd.sqlite')}?mode=ro", uri=True, timeout=30)
    try:
        rows = None
        if database.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'provisional_looks'").fetchone():
            units = dict(database.execute("SELECT id, code FROM units").fetchall())
            topics = dict(database.execute("SELECT id, code FROM topics").fetchall())
            rows = {(epoch + timedelta(days=week), units[unit] if unit else None, topics[topic])
                    for week, unit, topic in database.execute("SELECT week_start, unit_id, topic_id FROM provisional_looks")}
        counts = []
        for entry in entries:
            first, last = (iso_monday(entry["week"]) - epoch).days, (date.fromisoformat(entry["through"]) - epoch).days
            unit = entry.get("unit")
            counts.append(dict(database.execute(
                "SELECT s.code, COUNT(*) FROM responses r JOIN batches b ON b.id = r.batch_id JOIN units u ON u.id = b.unit_id "
                "JOIN topics t ON t.id = r.topic_id JOIN sentiments s ON s.id = r.sentiment_id "
                "WHERE b.state = 'accepted' AND b.held = 0 AND r.collected_on BETWEEN ? AND ? AND t.code = ? "
                + ("AND u.code = ? " if unit else "") + "GROUP BY s.code",
                (first, last, entry["topic"], *([unit] if unit else []))).fetchall()))
    finally:
        database.close()
    return dict(entries=entries, identity=identity, rows=rows, counts=counts)


def held_back(index):
    return index.get("held_back") or index.get("heldBack") or {}


def listed_periods(held):
    """held_back.periods as {"kind/period"} (strings, or objects with kind and period)."""
    listed = set()
    for entry in held.get("periods", []):
        if isinstance(entry, dict):
            listed.add(f"{entry.get('kind')}/{entry.get('period') or entry.get('id')}")
        else:
            listed.add(entry)
    return listed


KIND_ORDER = ["week", "month", "quarter", "year"]


def run_revision_steps(bin_dir, case, release):
    """Runs one surveyd throughout the case's steps: the responses arriving at step k (one batch per
    unit and tag), its retractions (`surveyctl batch retract`, which republishes: a publication of
    its own), then `surveyctl publish --as-of` the Monday after week k. After every publication
    the files and the database make one saved version (the rounds' progress.json read with it)."""
    closed = release == "closed"
    instance = Instance(bin_dir, case["units"], case["topics"], "surveyd-revisions-", release=release, grace_days=0 if closed else None,
                        rounds=case["rounds"])
    publications = []  # dict(label, step, as_of, retracted {tag: publication}, files, index, db)
    retracted = {}

    def record(label, step, as_of):
        if instance.daemon.poll() is not None:
            raise Failure(f"revisions: surveyd stopped; its log: {instance.log_path}")
        shutil.copytree(os.path.join(instance.state, "summaries"), os.path.join(instance.work, "versions", str(len(publications))))
        files, index, db, rounds, recounts = read_version(instance.state)
        progress = read_round_progress(os.path.join(instance.state, "summaries"))
        looks = read_provisional(instance.state)
        publications.append(dict(label=label, step=step, as_of=as_of, retracted=dict(retracted), files=files, index=index, db=db,
                                 rounds=rounds, recounts=recounts, progress=progress, looks=looks))

    try:
        for step in range(case["steps"]):
            by_tag = defaultdict(list)
            for r in case["responses"]:
                if r[5] == step:
                    by_tag[r[6]].append(r)
            for tag, arriving in by_tag.items():
                submit(instance.port, instance.collaborators, arriving, tag)
            for when, tag, unit in case["retractions"]:
                if when != step:
                    continue
                batches = json.loads(instance.surveyctl("batches", "--unit", unit, "--json"))
                found = [b["id"] for b in batches if b.get("clientBatchID", b.get("client_batch_id")) == f"{tag}-{unit}-0"]
                if len(found) != 1:
                    raise Failure(f"revisions: batch {tag}-{unit}-0 not listed by surveyctl batches")
                instance.surveyctl("batch", "retract", str(found[0]), "--reason", "privacy audit")
                retracted[tag] = len(publications)
                record(f"step {step}, retraction of {tag}-{unit}-0 (republished as of today)", step, datetime.now(PROVINCE).date())
            as_of = case["start"] + timedelta(days=7 * (step + 1))
            instance.surveyctl("publish", "--as-of", as_of.isoformat(), "--allow-future")
            record(f"step {step}, as of {as_of}", step, as_of)
            # Case e: the next week's Monday–Tuesday responses, then a publication on its Wednesday
            # (the provisional look), as step + 0.5.
            early = [r for r in case["responses"] if r[5] == step + 0.5]
            if early:
                by_tag = defaultdict(list)
                for r in early:
                    by_tag[r[6]].append(r)
                for tag, arriving in by_tag.items():
                    submit(instance.port, instance.collaborators, arriving, tag)
                wednesday = as_of + timedelta(days=LOOK_DAYS)
                instance.surveyctl("publish", "--as-of", wednesday.isoformat(), "--allow-future")
                record(f"step {step}.5, as of {wednesday} (Wednesday: the provisional look)", step + 0.5, wednesday)
    finally:
        instance.stop()
    return instance.work, publications


def figures_of(summary):
    """What a file publishes of its version: the period's total and every position's figures
    (derived figures such as the outlook left out)."""
    return summary["responses"], [(t, u, g, cell["suppressed"], cell.get("counts")) for t, u, g, cell in positions(summary)]


def small(values):
    return any(0 < abs(v) < MINIMUM for v in values)


def revisions_audit(bin_dir, seed, started, budget, release="closed", held_model=True, sized_budget=120, look_bounds=True):
    """Publishes the revisions case step by step and audits every saved version together.
    release "open" is a check of the audit itself: every publication revises every period, so
    small differences must be found (the truth is then everything stored). look_bounds False
    leaves the provisional alarms' lower bounds out of the attacker's knowledge (to see what they
    add; they are still read and checked)."""
    closed = release == "closed"
    revisions_started = time.monotonic()
    rng = random.Random(f"revisions-{seed}")
    case = revisions_case(rng)
    units, topics, responses = case["units"], case["topics"], case["responses"]
    work, publications = run_revision_steps(bin_dir, case, release)
    published_at = time.monotonic()
    P = len(publications)

    problems_found = []
    # The rounds' cuts (migration 9: span_cuts; none with an older binary, which cuts no span).
    cut_sets = [pub["db"]["cuts"] for pub in publications if "cuts" in pub["db"]]
    cuts = cut_sets[-1] if cut_sets else set()
    if cut_sets and any(c != needed_cuts(case["rounds"]) for c in cut_sets):
        problems_found.append(f"span_cuts holds {sorted(map(str, cuts))}, the rounds need {sorted(map(str, needed_cuts(case['rounds'])))}")
    round_of = {r["code"]: r for r in case["rounds"]}
    first = min([date.fromisoformat(f["period"]["start"]) for p in publications for f in p["files"].values()] + [r[0] for r in responses]
                + [r["from"] for r in case["rounds"]])
    last = max([date.fromisoformat(f["period"]["end"]) for p in publications for f in p["files"].values()] + [r[0] for r in responses]
               + [r["to"] for r in case["rounds"]])
    space = AtomSpace(units, topics, first, last, cuts)
    U, T, G, S, span_of, span_count = space.U, space.T, space.G, space.S, space.span_of, space.span_count
    var, atoms, spans_in = space.var, space.atoms, space.spans_in
    n = space.size
    span_of_atom = np.arange(n) % span_count
    span_first_day = {}
    for day, span in span_of.items():
        span_first_day.setdefault(span, day)

    # What was stored at each publication (submitted, less what was retracted by then), and what
    # had ever been submitted.
    live, sent = np.zeros((P, n), dtype=np.int64), np.zeros((P, n), dtype=np.int64)
    for p, publication in enumerate(publications):
        for day, u, t, g, s, arrival, tag in responses:
            if arrival <= publication["step"]:
                i = space.atom(day, u, t, g, s)
                sent[p][i] += 1
                if tag not in publication["retracted"]:
                    live[p][i] += 1
    # The atoms a retraction may lower (its unit, the spans of its days), from its publication on.
    retraction_atoms = []  # (publication, mask)
    for _, tag, unit in case["retractions"]:
        when = next((pub["retracted"][tag] for pub in publications if tag in pub["retracted"]), None)
        if when is None:
            continue
        mask = np.zeros(n, dtype=bool)
        for day in {r[0] for r in responses if r[6] == tag and r[1] == unit}:
            for t in range(T):
                for g in range(G):
                    for s in range(S):
                        mask[var(t, space.unit_index[unit], g, s, span_of[day])] = True
        retraction_atoms.append((when, mask))

    def lowerable(p):
        """Atoms that may fall between the publication before p and p."""
        mask = np.zeros(n, dtype=bool)
        for when, atoms_mask in retraction_atoms:
            if p >= when:
                mask |= atoms_mask
        return mask

    def vector(counts_by_span):
        out = np.zeros(n, dtype=np.int64)
        for day, atoms_of_span in counts_by_span.items():
            if day not in span_of or span_of.get(day - timedelta(days=1)) == span_of[day]:
                raise Failure(f"revisions: span_start {day} is not the first day of a tally span")
            for (u, t, g, s), count in atoms_of_span.items():
                out[space.atom(day, u, t, g, s)] += count
        return out

    # The attacker's unknowns: the atoms as of each release (seq), X_b; the truth of every period
    # version is X at the seq it was released at. current[p]: the last seq at publication p.
    schemas = {pub["db"]["schema"] for pub in publications}
    if len(schemas) != 1:
        raise Failure(f"revisions: the database schema changed between publications ({schemas})")
    schema = schemas.pop() if closed else "open"
    versions_of = defaultdict(dict)  # (kind, period) → {seq: summary}
    shown_at = {}  # (kind, period, seq) → first publication showing that version
    file_seq = [dict() for _ in range(P)]  # publication → {(kind, period): seq of the version its file shows}
    current = []
    if schema == "versions":
        final = publications[-1]["db"]
        seqs = sorted(final["releases"])
        for p, publication in enumerate(publications):
            db = publication["db"]
            current.append(max(db["releases"]) if db["releases"] else None)
            # Stored versions never change: every row an earlier publication read is read the same later.
            for key, counts in db["spans"].items():
                if final["spans"].get(key) != counts:
                    problems_found.append(f"{publication['label']}: span version {key[0]} seq {key[1]} changed later")
            for key, seq_list in db["periods"].items():
                if final["periods"].get(key, [])[:len(seq_list)] != seq_list:
                    problems_found.append(f"{publication['label']}: the versions of {key[0]} {key[1]} changed later")
            for key, withheld in db["withheld"].items():
                if final["withheld"].get(key) != withheld:
                    problems_found.append(f"{publication['label']}: the withheld positions of {key[0]} {key[1]} seq {key[2]} changed later")
        truths, state = [], {}
        for seq in seqs:
            for (day, at), counts in final["spans"].items():
                if at == seq:
                    state[day] = counts
            truths.append(vector(state))
        truths = np.array(truths) if truths else np.zeros((0, n), dtype=np.int64)
    elif schema == "released":
        seqs = list(range(P))
        current = list(range(P))
        truths = np.array([vector(pub["db"]["spans"]) for pub in publications])
    else:
        seqs = list(range(P))
        current = list(range(P))
        truths = live.copy()
    block = {seq: b for b, seq in enumerate(seqs)}
    B = len(seqs)
    seq_publication = {}
    for seq in seqs:
        seq_publication[seq] = next((p for p in range(P) if current[p] is not None and current[p] >= seq), P - 1)

    def mask_mismatch(summary, stored_mask):
        """Positions a file withholds that its stored version does not, and stored ones it shows
        (with responses)."""
        mask = {(t, u, g) for t, u, g, cell in positions(summary) if cell["suppressed"]}
        missing = [position for position in stored_mask - mask
                   if any(not cell["suppressed"] and sum(cell["counts"]) > 0
                          for t, u, g, cell in positions(summary) if (t, u, g) == position)]
        return mask - stored_mask, missing

    def latest_same_or_new(key, summary, p):
        """Under `release: open`: the last version seen, when the file shows its figures, else a new one."""
        earlier = sorted(versions_of[key])
        return earlier[-1] if earlier and figures_of(versions_of[key][earlier[-1]]) == figures_of(summary) else p

    def keep_version(p, key, seq, summary, name):
        """Records which version the file shows; the same version must show the same figures."""
        file_seq[p][key] = seq
        before = versions_of[key].get(seq)
        if before is None:
            versions_of[key][seq] = summary
            shown_at[(*key, seq)] = p
        elif figures_of(before) != figures_of(summary):
            problems_found.append(f"{publications[p]['label']}: {name} changed figures without a new version")

    # Which version each file shows, and its figures (the same version must show the same figures).
    for p, publication in enumerate(publications):
        for key, summary in publication["files"].items():
            if closed and date.fromisoformat(summary["period"]["end"]) >= publication["as_of"]:
                problems_found.append(f"{publication['label']}: {key[0]} {key[1]} published before it ended")
            if schema == "versions":
                stored = [seq for seq in final["periods"].get(key, []) if current[p] is not None and seq <= current[p]]
                if not stored:
                    problems_found.append(f"{publication['label']}: {key[0]} {key[1]} published without a stored version")
                    continue
                seq = stored[-1]
                # revision counts the versions of the file (rewritten also when derived figures, the
                # outlook, change): at least the stored versions, and raised with each new one.
                if summary["revision"] < len(stored):
                    problems_found.append(f"{publication['label']}: {key[0]} {key[1]} has revision {summary['revision']}, "
                                          f"but {len(stored)} stored versions")
                before_file = publications[p - 1]["files"].get(key) if p else None
                if before_file is not None and file_seq[p - 1].get(key) != seq and summary["revision"] <= before_file["revision"]:
                    problems_found.append(f"{publication['label']}: {key[0]} {key[1]} shows a new version without a new revision")
                extra, missing = mask_mismatch(summary, final["withheld"].get((*key, seq), set()))
                if extra or missing:
                    problems_found.append(f"{publication['label']}: {key[0]} {key[1]} withholds {len(extra)} positions not stored as "
                                          f"withheld and shows {len(missing)} stored as withheld")
            elif schema == "released":
                if key not in publication["db"]["released"]:
                    problems_found.append(f"{publication['label']}: {key[0]} {key[1]} published but not in released_periods")
                earlier = [s for s, v in versions_of[key].items() if v["revision"] == summary["revision"]]
                seq = earlier[0] if earlier else p
            else:
                seq = latest_same_or_new(key, summary, p)
            keep_version(p, key, seq, summary, f"{key[0]} {key[1]}")
    # The rounds' results: which version each file shows (the round's last stored version by
    # then), with the stored window, topics and withheld positions, and the same version the same
    # figures. Their versions are kept with the periods', keyed ("round", code): one more table
    # of equations on the x of its release, over the spans of its window and its topics.
    round_figures = dict(files=0, compared=0, held=0, positions=0, withheld=0)
    for p, publication in enumerate(publications):
        for code, results in publication["rounds"].items():
            key = ("round", code)
            if code not in round_of:
                problems_found.append(f"{publication['label']}: results of a round not configured: {code}")
                continue
            configured = round_of[code]
            try:
                summary = check_round_file(publication["label"], results, configured)
            except Failure as error:
                problems_found.append(str(error))
                continue
            round_figures["files"] += 1
            if closed and publication["as_of"] < round_release_day(configured):
                problems_found.append(f"{publication['label']}: round {code} published before {round_release_day(configured)}")
            # The shown figures against the database's recount at this publication, which must be
            # what was submitted (less retractions); they differ only by changes held back.
            recount = publication["recounts"][code]
            window = spans_in(summary)
            for topic in configured["topics"]:
                for unit in units:
                    for group in GROUPS:
                        for s, sentiment in enumerate(SENTIMENTS):
                            stored = int(live[p][atoms(topic, unit, group, s, window)].sum())
                            if recount.get((topic, unit, group, sentiment), 0) != stored:
                                problems_found.append(f"{publication['label']}: the database's recount of round {code} {topic} {unit} {group} "
                                                      f"{sentiment} is {recount.get((topic, unit, group, sentiment), 0)}, {stored} were submitted")
            compared, differ = recount_differences(results, recount)
            round_figures["compared"] += compared
            round_figures["held"] += len(differ)
            held = held_back(publication["index"])
            if differ and not (closed and held.get("added", 0) + held.get("removed", 0) > 0):
                topic, unit, group, sentiment, shown, counted = differ[0]
                problems_found.append(f"{publication['label']}: round {code} shows {len(differ)} figures that differ from the database's recount "
                                      f"with nothing held back (e.g. {topic} {unit or 'province'} {group or 'all groups'} {sentiment}: {shown}, recount {counted})")
            if schema == "versions":
                stored_versions = [v for v in final.get("rounds", {}).get(code, []) if current[p] is not None and v["seq"] <= current[p]]
                if not stored_versions:
                    problems_found.append(f"{publication['label']}: round {code} published without a stored version")
                    continue
                version = stored_versions[-1]
                seq = version["seq"]
                if summary["revision"] < len(stored_versions):
                    problems_found.append(f"{publication['label']}: round {code} has revision {summary['revision']}, "
                                          f"but {len(stored_versions)} stored versions")
                before_file = publications[p - 1]["rounds"].get(code) if p else None
                if before_file is not None and file_seq[p - 1].get(key) != seq and summary["revision"] <= before_file["summary"]["revision"]:
                    problems_found.append(f"{publication['label']}: round {code} shows a new version without a new revision")
                if (version["start"], version["end"], version["topics"]) != (configured["from"], configured["to"], configured["topics"]):
                    problems_found.append(f"{publication['label']}: round {code}'s version {seq} is stored with the window "
                                          f"{version['start']}…{version['end']} {version['topics']}")
                extra, missing = mask_mismatch(summary, version["withheld"])
                if extra or missing:
                    problems_found.append(f"{publication['label']}: round {code} withholds {len(extra)} positions not stored as "
                                          f"withheld and shows {len(missing)} stored as withheld")
            elif schema == "open":
                seq = latest_same_or_new(key, summary, p)
            else:
                continue  # migration 7 records no round
            keep_version(p, key, seq, summary, f"round {code}")
    if schema == "versions":
        for code, stored_versions in final.get("rounds", {}).items():
            if code not in round_of or not any(code in pub["rounds"] for pub in publications):
                problems_found.append(f"round {code} has stored versions but no published results")
    for code, configured in round_of.items():
        expected = any(publication["as_of"] >= round_release_day(configured) for publication in publications)
        if expected and not any(code in pub["rounds"] for pub in publications):
            problems_found.append(f"round {code} ({configured['from']}…{configured['to']}) never published")
    if schema == "released":
        for key, seq_map in versions_of.items():
            ordered = sorted(seq_map)
            for a, b in zip(ordered, ordered[1:]):
                mask_a = [(t, u, g) for t, u, g, cell in positions(seq_map[a]) if cell["suppressed"]]
                mask_b = [(t, u, g) for t, u, g, cell in positions(seq_map[b]) if cell["suppressed"]]
                if mask_a != mask_b:
                    problems_found.append(f"{key[0]} {key[1]} changed its withheld positions (migration 7 keeps them)")

    # Spans of the period versions released by each seq (the rest of X_b is unconstrained: zero).
    released_by = np.zeros((B, span_count), dtype=bool)
    for key, seq_map in versions_of.items():
        for seq, summary in seq_map.items():
            for b in range(block[seq], B):
                released_by[b][spans_in(summary)] = True
    for b in range(B):
        outside = ~released_by[b][span_of_atom]
        if closed and (truths[b][outside] != 0).any():
            problems_found.append(f"seq {seqs[b]}: the database holds counts of spans that no published version holds")
        if (truths[b] > sent[seq_publication[seqs[b]]]).any():
            problems_found.append(f"seq {seqs[b]}: released counts exceed what was submitted by then")

    # Equations (rows over every variable): X blocks first (B·n), then the held-back model's L
    # blocks (P·n): what was stored at each publication.
    X = lambda b, i: b * n + i  # noqa: E731
    base = B * n
    variables = base + (P * n if held_model and closed else 0)
    rows, labels = [], []
    upper = np.full(variables, np.inf)
    truth_all = np.zeros(variables)
    truth_all[:base] = truths.reshape(-1)
    zero = np.zeros((B, n), dtype=bool)
    for b in range(B):
        zero[b] |= ~released_by[b][span_of_atom] & (truths[b] == 0)

    def add(indices, coefficients, low, high, label):
        rows.append((indices, coefficients, low, high))
        labels.append(label)

    targets = []  # (b, key, topic, unit, group, true counts per sentiment, spans)
    withheld_positions = 0
    for key, seq_map in versions_of.items():
        for seq, summary in seq_map.items():
            b = block[seq]
            period_spans = spans_in(summary)
            # A round's `responses` is the sum of the province totals it shows: no equation more.
            equations = [] if key[0] == "round" else [(space.every(period_spans), summary["responses"])]
            for topic, unit, group, cell in positions(summary):
                round_figures["positions"] += key[0] == "round"
                if cell["suppressed"]:
                    round_figures["withheld"] += key[0] == "round"
                    withheld_positions += 1
                    counts = [int(truths[b][atoms(topic, unit, group, s, period_spans)].sum()) for s in range(S)]
                    if 0 < sum(counts) < MINIMUM:
                        targets.append((b, key, topic, unit, group, counts, period_spans))
                    continue
                for s, count in enumerate(cell["counts"]):
                    equations.append((atoms(topic, unit, group, s, period_spans), count))
            for row, value in equations:
                if truths[b][row].sum() != value:
                    problems_found.append(f"{key[0]} {key[1]} seq {seq}: published {value} where the stored version holds {truths[b][row].sum()}")
                    continue
                if value == 0:
                    zero[b][row] = True
                add([X(b, i) for i in row], [1.0] * len(row), value, value, f"{key[0]} {key[1]} seq {seq}")
    # Between releases atoms only grow (a_b ≥ 0), but where a retraction was published (r_b ≥ 0):
    # x_b = x_{b−1} + a_b − r_b. So a zero later is a zero before, but across a retraction.
    lower_at = [lowerable(seq_publication[seq]) for seq in seqs]
    for b in range(B - 2, -1, -1):
        zero[b] |= zero[b + 1] & ~lower_at[b + 1]
    for b in range(1, B):
        fell = (truths[b] < truths[b - 1]) & ~lower_at[b]
        if fell.any():
            problems_found.append(f"seq {seqs[b]}: {int(fell.sum())} released counts fell where nothing was retracted")
        for i in range(n):
            if not zero[b][i] and not lower_at[b][i] and not fell[i]:
                add([X(b, i), X(b - 1, i)], [1.0, -1.0], 0, np.inf, f"seq {seqs[b]} grows")
    upper[:base] = np.where(zero.reshape(-1), 0.0, np.inf)

    released_spans_at = []
    for p in range(P):
        spans = set()
        for key, summary in publications[p]["files"].items():
            spans.update(spans_in(summary))
        released_spans_at.append(spans)

    # Variables equal to another by an equation of the model are solved as that one (alias): the
    # rows are rewritten on it, which leaves the solutions on the other variables as they are and
    # makes the system solved much smaller (the held-back model's L below).
    alias = np.arange(variables)
    if held_model and closed:
        # index.json's held_back: L_p, what was stored at publication p (L_p ≥ L_{p−1} but across
        # a retraction); on the released spans of periods it does not list, L_p = X of p's last
        # seq (an alias of it); over all released spans Σ (L_p − X) = added − removed (each atom ≥
        # 0 when nothing is removed). A publication that changed nothing of this (the same released
        # spans, last seq, held_back and stored responses on those spans, no retraction since: a
        # Wednesday's look, a publication after one as of today) has L_p = L_{p−1} (it is at least
        # L_{p−1} with the same sum): an alias of it.
        def held_state(p):
            held = held_back(publications[p]["index"])
            mask = np.isin(span_of_atom, list(released_spans_at[p]))
            return (sorted(released_spans_at[p]), current[p], held.get("added", 0), held.get("removed", 0),
                    sorted(listed_periods(held)), tuple(lowerable(p)), tuple(live[p][mask]))

        for p, publication in enumerate(publications):
            held = held_back(publication["index"])
            added, removed = held.get("added", 0), held.get("removed", 0)
            listed = listed_periods(held)
            released_mask = np.isin(span_of_atom, list(released_spans_at[p]))
            L = lambda i, p=p: base + p * n + i  # noqa: E731
            upper[base + p * n:base + (p + 1) * n] = np.where(released_mask, np.inf, 0.0)
            truth_all[base + p * n:base + (p + 1) * n] = np.where(released_mask, live[p], 0)
            lower = lowerable(p)
            if p and held_state(p) == held_state(p - 1):
                alias[base + p * n:base + (p + 1) * n] = alias[base + (p - 1) * n:base + p * n]
                continue
            if p:
                for i in np.nonzero(released_mask & ~lower)[0]:
                    add([L(i), base + (p - 1) * n + i], [1.0, -1.0], 0, np.inf, f"{publication['label']}: stored grows")
            if current[p] is None or not released_spans_at[p]:
                continue
            b = block[current[p]]
            listed_spans = set()
            for key, summary in publication["files"].items():
                if f"{key[0]}/{key[1]}" in listed:
                    listed_spans.update(spans_in(summary))
            difference = (live[p] - truths[b]) * released_mask
            if int(difference.sum()) != added - removed:
                problems_found.append(f"{publication['label']}: held_back says {added} added and {removed} removed, but the stored "
                                      f"responses of published spans differ from the published ones by {int(difference.sum())}")
                continue
            unlisted = released_mask & ~np.isin(span_of_atom, list(listed_spans))
            if (difference[unlisted] != 0).any():
                problems_found.append(f"{publication['label']}: {int(np.abs(difference[unlisted]).sum())} stored responses of periods "
                                      f"held_back does not list are not published")
                continue
            for i in np.nonzero(released_mask)[0]:
                if unlisted[i]:
                    alias[L(i)] = X(b, i)  # not held: L = X
                elif removed == 0:
                    add([L(i), X(b, i)], [1.0, -1.0], 0, np.inf, f"{publication['label']}: held added only")
            row = list(np.nonzero(released_mask)[0])
            add([L(i) for i in row] + [X(b, i) for i in row], [1.0] * len(row) + [-1.0] * len(row), added - removed, added - removed,
                f"{publication['label']}: held_back")

    # The provisional look (issue 27): an alarm in alerts.json's `provisional` about week W, a unit
    # (or the province) and a topic tells that a linear threshold on the counts of W's Monday…
    # `through` as stored at that publication was crossed. The strongest thing it can tell is the
    # truth itself, from below: for every sentiment, the unit's (every unit's) count of the topic
    # over the spans of W holding those days, all groups, is at least the number of such responses
    # stored then. Stored before W's first release (the Monday after; no retraction touches these
    # weeks), they are all in the x of that release: the bound is put there (later versions, which
    # only grow here, follow). Each alarm (up and down tell the same) of each alerts.json written
    # (one not rewritten repeats an earlier publication's) gives one bound per sentiment with a
    # response. provisional_looks must hold exactly the (week, unit, topic) of every alarm shown.
    look_alarms, look_bounds_added, look_notes = [], [], []
    shown_looks, facts, identities = set(), set(), set()
    for p, publication in enumerate(publications):
        looks = publication["looks"]
        fresh = looks["identity"] is not None and looks["identity"] not in identities
        identities.add(looks["identity"])
        for entry, stored_counts in zip(looks["entries"], looks["counts"]):
            unit, topic = entry.get("unit"), entry.get("topic")
            extra = set(entry) - {"crossed_on", "direction", "sentiment", "through", "topic", "unit", "week"}
            monday, through = iso_monday(entry["week"]), date.fromisoformat(entry["through"])
            crossed = date.fromisoformat(entry["crossed_on"])
            shown_looks.add((monday, unit, topic))
            if not fresh:
                continue
            where = f"{publication['label']}: provisional alarm {entry['week']} {unit or 'province'} {topic} {entry['direction']}"
            if extra:
                problems_found.append(f"{where} carries more than codes and dates: {sorted(extra)}")
            if topic not in topics or (unit is not None and unit not in units):
                problems_found.append(f"{where}: unknown unit or topic")
                continue
            if not monday <= crossed <= through < publication["as_of"] or (through - monday).days >= LOOK_DAYS:
                problems_found.append(f"{where}: crossed on {crossed}, through {through}, published as of {publication['as_of']}")
            look_alarms.append(f"{entry['week']} {unit or 'province'} {topic} {entry['direction']} (crossed on {crossed}, through {through}, "
                               f"at {publication['label'].split(',')[0]})")
            days = [monday + timedelta(days=d) for d in range((through - monday).days + 1)]
            counted = [sum(1 for day, u, t, g, s, arrival, tag in responses if day in days and t == topic and (unit is None or u == unit)
                           and s == sentiment and arrival <= publication["step"] and tag not in publication["retracted"])
                       for sentiment in SENTIMENTS]
            if counted != [stored_counts.get(sentiment, 0) for sentiment in SENTIMENTS]:
                problems_found.append(f"{where}: the database counts {stored_counts} responses on its days, the audit submitted {counted}")
            if (p, monday, unit, topic) in facts:
                continue
            facts.add((p, monday, unit, topic))
            look_spans = sorted({span_of[day] for day in days})
            later = [b for b in range(B) if seq_publication[seqs[b]] >= p and released_by[b][look_spans].all()]
            if not later:
                look_notes.append(f"{where}: no release holds its week (no bound)")
                continue
            b = later[0]
            for s, count in enumerate(counted):
                row = atoms(topic, unit, None, s, look_spans)
                if count == 0:
                    continue
                if truths[b][row].sum() < count:
                    problems_found.append(f"{where}: release seq {seqs[b]}, the first to hold its week, holds {int(truths[b][row].sum())} "
                                          f"{SENTIMENTS[s]} responses of those days' spans, {count} were stored at the look")
                    continue
                look_bounds_added.append(f"{entry['week']} {unit or 'province'} {topic} {SENTIMENTS[s]} ≥ {count} at seq {seqs[b]}"
                                         f"{' (tight)' if truths[b][row].sum() == count else ''}")
                if look_bounds:
                    add([X(b, i) for i in row], [1.0] * len(row), count, np.inf, f"{where}: {SENTIMENTS[s]} ≥ {count}")
        if looks["rows"] is not None and looks["rows"] != shown_looks:
            problems_found.append(f"{publication['label']}: provisional_looks holds {sorted(map(str, looks['rows'] - shown_looks))} not "
                                  f"shown and lacks {sorted(map(str, shown_looks - looks['rows']))} shown")

    # The truth must satisfy every equation (else the audit's model is wrong, not the files), and
    # every alias.
    if (truth_all[alias] != truth_all).any():
        raise Failure("revisions: a variable solved as another (alias) differs from it in the stored truth")
    for (indices, coefficients, low, high), label in zip(rows, labels):
        value = float(np.dot(truth_all[indices], coefficients))
        if value < low - 0.5 or value > high + 0.5:
            raise Failure(f"revisions: the attacker's system does not hold for the stored truth ({label}: {value} outside {low}…{high})")
    if (truth_all > upper + 0.5).any():
        raise Failure("revisions: a variable bounded to zero is not zero in the truth")
    # Variables bounded to zero are left out of the solved system, and so are aliases: a row reads
    # a variable's alias (column[i] is that of alias[i]).
    keep = np.nonzero((upper > 0) & (alias == np.arange(variables)))[0]
    column = np.full(variables, -1)
    column[keep] = np.arange(len(keep))
    column = column[alias]
    data, indices_list, pointers, low_list, high_list = [], [], [0], [], []
    for indices, coefficients, low, high in rows:
        merged = defaultdict(float)
        for i, c in zip(indices, coefficients):
            if column[i] >= 0:
                merged[column[i]] += c
        pairs = [(j, c) for j, c in merged.items() if c]
        if not pairs:
            continue
        indices_list += [i for i, _ in pairs]
        data += [c for _, c in pairs]
        pointers.append(len(indices_list))
        low_list.append(low)
        high_list.append(high)
    matrix = csr_matrix((np.array(data), np.array(indices_list, dtype=np.int64), np.array(pointers)), shape=(len(low_list), len(keep)))
    constraints = LinearConstraint(matrix, np.array(low_list, dtype=float), np.array(high_list, dtype=float))
    bounds = Bounds(np.zeros(len(keep)), np.full(len(keep), np.inf))
    solves = [0]

    # The sizes-known attacker (a reader of the rounds' progress files too): besides, the size
    # (count over sentiments) of every unit × topic × group × span of a configured round's window
    # and topics, in every release's x (the version released) and, with the held-back model, in
    # every publication's L (what was stored then, which progress.json counts: it differs from
    # the x of that publication by the changes held back). One more row each on the same columns.
    size_keys = size_groups(space, case["rounds"])
    size_rows = []  # (variables, true size)
    for b in range(B):
        for t, u, g, span in size_keys:
            row = [var(t, u, g, s, span) for s in range(S)]
            size_rows.append(([X(b, i) for i in row], int(truths[b][row].sum())))
    if held_model and closed:
        for p in range(P):
            for t, u, g, span in size_keys:
                if span in released_spans_at[p]:
                    row = [var(t, u, g, s, span) for s in range(S)]
                    size_rows.append(([base + p * n + i for i in row], int(live[p][row].sum())))
    sized_upper = np.full(len(keep), np.inf)
    data, indices_list, pointers, size_values = [], [], [0], []
    for row, value in size_rows:
        if int(truth_all[row].sum()) != value:
            raise Failure("revisions: a size row does not hold for the stored truth")
        kept = [column[i] for i in row if column[i] >= 0]
        if not kept:
            continue
        if value == 0:
            sized_upper[kept] = 0
        indices_list += kept
        data += [1.0] * len(kept)
        pointers.append(len(indices_list))
        size_values.append(value)
    size_matrix = csr_matrix((np.array(data), np.array(indices_list, dtype=np.int64), np.array(pointers)), shape=(len(size_values), len(keep)))
    sized_constraints = LinearConstraint(vstack([matrix, size_matrix]).tocsr(), np.concatenate([constraints.lb, size_values]),
                                         np.concatenate([constraints.ub, size_values]))
    sized_bounds = Bounds(np.zeros(len(keep)), sized_upper)
    # progress.json at every publication against what was stored then (live): the sizes of L (or of
    # x, where nothing is held back); what it counts on spans no published version held by then
    # would lie outside the modelled unknowns.
    progress_compared, progress_held, progress_failures, progress_gaps = 0, 0, [], []
    for p, publication in enumerate(publications):
        compared, differ = progress_differences(publication["label"], publication["progress"], case["rounds"], space, live[p])
        progress_compared += compared
        progress_failures += differ
        x_now = truths[block[current[p]]] if current[p] is not None else np.zeros(n, dtype=np.int64)
        for t, u, g, span in size_keys:
            row = [var(t, u, g, s, span) for s in range(S)]
            if int(live[p][row].sum()) == int(x_now[row].sum()):
                continue
            progress_held += 1
            where = f"{publication['label']}: {units[u]} {topics[t]} {GROUPS[g]} span {span_first_day[span]}"
            if not (held_model and closed):
                progress_gaps.append(f"{where}: progress.json counts {int(live[p][row].sum())}, the version released "
                                     f"{int(x_now[row].sum())}, and no unknown models what was stored then")
            elif span not in released_spans_at[p]:
                progress_failures.append(f"{where}: progress.json counts {int(live[p][row].sum())} responses of a span no "
                                         "published version holds yet (not modelled)")

    def extreme(objective, sign):
        """objective: {variable: coefficient} (every variable)."""
        c = np.zeros(len(keep))
        constant = 0
        for i, coefficient in objective.items():
            if column[i] >= 0:
                c[column[i]] += sign * coefficient
        if not c.any():
            return constant
        solves[0] += 1
        result = milp(c, constraints=constraints, integrality=np.ones(len(keep)), bounds=bounds,
                      options={"time_limit": 60, "presolve": False})
        if result.status == 0 and result.x is not None:
            x = exact_solution(result, constraints.A, constraints.lb, constraints.ub, bounds.ub)
            if x is not None:
                keep_solution(witnesses, None, x)
            return int(round(sign * result.fun))
        raise Failure(f"revisions: milp did not solve ({result.message})")

    witnesses = defaultdict(list)  # {None: the last exact solutions found}

    def shown_apart(objective, true):
        """Whether an exact solution found before gives the objective another value than the truth's
        (so it is not pinned, the truth being a solution too): no solve needed."""
        pairs = [(column[i], coefficient) for i, coefficient in objective.items() if column[i] >= 0]
        columns_, coefficients = np.array([c for c, _ in pairs], dtype=np.int64), np.array([c for _, c in pairs])
        return any(int(round(float(x[columns_] @ coefficients))) != true for x in reversed(witnesses[None]))

    witnessed = [0]

    def highest(objective, true):
        """The objective's maximum, or, when an exact solution found before already gives it at least
        true + minimum (all that is asked then: the range has minimum + 1 values or more), that value
        without a solve."""
        pairs = [(column[i], coefficient) for i, coefficient in objective.items() if column[i] >= 0]
        if pairs and witnesses[None]:
            columns_, coefficients = np.array([c for c, _ in pairs], dtype=np.int64), np.array([c for _, c in pairs])
            seen = max(int(round(float(x[columns_] @ coefficients))) for x in witnesses[None])
            if seen - true >= MINIMUM:
                witnessed[0] += 1
                return seen
        return extreme(objective, -1)

    def difference(parts, topic, unit, group, s):
        """parts: [(b_new, b_old, spans)]: Σ over them of X_{b_new} − X_{b_old} on the spans."""
        objective = defaultdict(float)
        for b_new, b_old, spans in parts:
            for i in atoms(topic, unit, group, s, spans):
                objective[X(b_new, i)] += 1.0
                objective[X(b_old, i)] -= 1.0
        true = sum(int(truths[b_new][atoms(topic, unit, group, s, spans)].sum() - truths[b_old][atoms(topic, unit, group, s, spans)].sum())
                   for b_new, b_old, spans in parts)
        return {i: c for i, c in objective.items() if c}, true

    figures = defaultdict(lambda: dict(targets=0, narrowed=[], pinned=[], narrowest=None, differencing=0, diff_failed=[]))
    deadline = revisions_started + budget
    truncated = [0]
    # Every small change enumerated (audited in time or not), for the sizes-known attacker: (where,
    # parts, topic, unit, group, true change per sentiment, sentiments whose change this attacker
    # pinned: every one with a change when the position is published in both).
    small_changes = []

    def check_difference(where, p, parts, topic, unit, group, shown_in_both):
        """A change of a position (1…minimum−1 added or removed) must keep ≥ minimum + 1 values and
        no sentiment's change pinned."""
        objective, change = difference(parts, topic, unit, group, None)
        if not 0 < abs(change) < MINIMUM:
            return
        changes = [difference(parts, topic, unit, group, s)[1] for s in range(S)]
        where = f"{where} {topic} {unit or 'province'} {group or 'all groups'} (true change {change}, {dict(zip(SENTIMENTS, changes))})"
        pinned_here = {s for s, delta in enumerate(changes) if delta} if shown_in_both else set()
        small_changes.append((where, parts, topic, unit, group, changes, pinned_here))
        if time.monotonic() > deadline:
            truncated[0] += 1
            return
        record = figures[p]
        record["differencing"] += 1
        if shown_in_both:
            record["diff_failed"].append(f"{where}: published in both")
            return
        high = highest(objective, change)
        low = extreme(objective, 1) if high - change < MINIMUM else change - MINIMUM
        if high - low + 1 < MINIMUM + 1:
            record["diff_failed"].append(f"{where}: change {low}…{high}")
        for s, delta in enumerate(changes):
            if delta == 0:
                continue
            layer, _ = difference(parts, topic, unit, group, s)
            if not shown_apart(layer, delta) and extreme(layer, -1) == delta and extreme(layer, 1) == delta:
                record["diff_failed"].append(f"{where}: change of {SENTIMENTS[s]} pinned to {delta}")
                pinned_here.add(s)

    # Differencing 1: two versions of one period (every pair; consecutive ones with release open).
    for key, seq_map in versions_of.items():
        ordered = sorted(seq_map)
        pairs = [(a, b) for i, a in enumerate(ordered) for b in ordered[i + 1:]] if closed else list(zip(ordered, ordered[1:]))
        for a, b in pairs:
            old, new = seq_map[a], seq_map[b]
            period_spans = spans_in(new)
            shown_before = {(t, u, g): not cell["suppressed"] for t, u, g, cell in positions(old)}
            for topic, unit, group, cell in positions(new):
                check_difference(f"{key[0]} {key[1]} seq {a}→{b}", shown_at[(*key, b)], [(block[b], block[a], period_spans)], topic, unit, group,
                                 not cell["suppressed"] and shown_before.get((topic, unit, group), False))
    # Differencing 2: a month, quarter or year version against the versions of the shorter periods
    # released before it, span by span (each span against the last earlier version of the shorter
    # period holding it); a round's version likewise against the versions of the weeks, months,
    # quarters and years released before it, on the spans of its window they hold.
    for key, seq_map in versions_of.items():
        if key[0] == "week":
            continue
        for seq, summary in sorted(seq_map.items()):
            period_spans = spans_in(summary)
            for shorter in KIND_ORDER if key[0] == "round" else KIND_ORDER[:KIND_ORDER.index(key[0])]:
                parts, sources = [], []
                for other, other_map in versions_of.items():
                    if other[0] != shorter:
                        continue
                    earlier = [s for s in other_map if s < seq]
                    if not earlier:
                        continue
                    common = sorted(set(spans_in(other_map[max(earlier)])) & set(period_spans))
                    if common:
                        parts.append((block[seq], block[max(earlier)], common))
                        sources.append((other, max(earlier)))
                if not parts:
                    continue
                for topic, unit, group, cell in positions(summary):
                    shown = not cell["suppressed"] and all(
                        any(not c["suppressed"] for t, u, g, c in positions(versions_of[other][s]) if (t, u, g) == (topic, unit, group))
                        for other, s in sources) and all(set(spans_in(versions_of[other][s])) <= set(period_spans) for other, s in sources) \
                        and sum(len(c) for _, _, c in parts) == len(period_spans)
                    check_difference(f"{key[0]} {key[1]} seq {seq} − earlier {shorter}s ({', '.join(f'{o[1]}@{s}' for o, s in sources)})",
                                     shown_at[(*key, seq)], parts, topic, unit, group, shown)
    # Every withheld small position of every version.
    pinned_of = defaultdict(set)  # target → sentiments pinned without the sizes
    target_results = {}  # target → (lowest count, or None when not solved (≥ true − minimum), highest)
    for k, (b, key, topic, unit, group, counts, period_spans) in enumerate(targets):
        if time.monotonic() > deadline:
            truncated[0] += 1
            continue
        record = figures[shown_at[(*key, seqs[b])]]
        record["targets"] += 1
        cells = {X(b, i): 1.0 for i in atoms(topic, unit, group, None, period_spans)}
        true = sum(counts)
        high = highest(cells, true)
        low = true - MINIMUM if high - true >= MINIMUM else extreme(cells, 1)
        target_results[k] = (None if high - true >= MINIMUM else max(low, 0), high)
        values = high - max(low, 0) + 1 if high - true < MINIMUM else None
        if values is not None:
            record["narrowest"] = values if record["narrowest"] is None else min(record["narrowest"], values)
        where = f"{key[0]} {key[1]} seq {seqs[b]} {topic} {unit or 'province'} {group or 'all groups'} (true {true}, {dict(zip(SENTIMENTS, counts))})"
        if values is not None and values < MINIMUM + 1:
            record["narrowed"].append(f"{where}: {max(low, 0)}…{high}")
        for s, count in enumerate(counts):
            if count == 0:
                continue
            layer = {X(b, i): 1.0 for i in atoms(topic, unit, group, s, period_spans)}
            if not shown_apart(layer, count) and extreme(layer, -1) == count and extreme(layer, 1) == count:
                record["pinned"].append(f"{where}: {SENTIMENTS[s]} pinned to {count}")
                pinned_of[k].add(s)

    # The sizes-known attacker: the same positions of every version and sentiments, then the same
    # small changes and sentiments' changes, bounded with the size rows (its own time budget).
    sized_started = time.monotonic()

    def sized_solve(_, columns, sign, coefficients):
        if not len(columns):
            return 0, None
        c = np.zeros(len(keep))
        c[columns] = sign * coefficients
        result = milp(c, constraints=sized_constraints, integrality=np.ones(len(keep)), bounds=sized_bounds,
                      options={"time_limit": 60, "presolve": False})
        if result.status == 0 and result.x is not None:
            return int(round(sign * result.fun)), exact_solution(result, sized_constraints.A, sized_constraints.lb, sized_constraints.ub,
                                                                 sized_upper)
        raise Failure(f"revisions: milp did not solve with the sizes known ({result.message})")

    items = []
    for k, (b, key, topic, unit, group, counts, period_spans) in enumerate(targets):
        where = f"{key[0]} {key[1]} seq {seqs[b]} {topic} {unit or 'province'} {group or 'all groups'} (true {sum(counts)}, {dict(zip(SENTIMENTS, counts))})"
        layers = [(s, count, [column[X(b, i)] for i in atoms(topic, unit, group, s, period_spans) if column[X(b, i)] >= 0])
                  for s, count in enumerate(counts) if count]
        items.append((where, "sized", layers, pinned_of[k]))
    # One pool of exact solutions of the sized system for both parts: a solution found for a
    # position often shows a change's sentiment not pinned.
    sized_pool = defaultdict(list)
    known = bound_sentiments(items, sized_solve, sized_started + sized_budget, sized_pool)
    # Then, in what is left of the budget, every small change the first attacker enumerates: each
    # sentiment whose change is not zero (those it checks) must not be pinned (Σ x_new − x_old).
    changes_started = time.monotonic()
    change_items = []
    truth_kept = truth_all[keep].astype(np.int64)
    for where, parts, topic, unit, group, changes, pinned_here in small_changes:
        layers = []
        for s, delta in enumerate(changes):
            if delta:
                objective, _ = difference(parts, topic, unit, group, s)
                layer = {column[i]: c for i, c in objective.items() if column[i] >= 0}
                columns_, coefficients = signed(layer)
                if int(truth_kept[columns_] @ coefficients) != delta:
                    raise Failure(f"revisions: {where}: the change of {SENTIMENTS[s]} on the solved columns is not the true change")
                layers.append((s, delta, layer))
        change_items.append((where, "sized", layers, pinned_here))
    known_changes = bound_sentiments(change_items, sized_solve, sized_started + sized_budget, sized_pool,
                                     already=" (already without the sizes: change published in both or pinned)")

    # Completeness and holding back (release closed): a period's first version holds every response
    # stored before its publication, and what stays out of the files (at each publication, per
    # tally span × unit × topic) is a small change: some cell or unit total of it changes by
    # 1…minimum−1 (a change of 0 or ≥ minimum everywhere must be shown).
    def granules(difference_vector, spans):
        for span in spans:
            for t in range(T):
                for u in range(U):
                    per_group = [int(sum(difference_vector[var(t, u, g, s, span)] for s in range(S))) for g in range(G)]
                    if any(per_group):
                        yield span, topics[t], units[u], per_group

    def describe(span, topic, unit, per_group):
        return f"{unit} {topic} span {span_first_day[span]} ({', '.join(f'{g} {d:+d}' for g, d in zip(GROUPS, per_group) if d)})"

    if closed:
        for key, seq_map in versions_of.items():
            seq = min(seq_map)
            p = shown_at[(*key, seq)]
            listed = listed_periods(held_back(publications[p]["index"]))
            # held_back lists periods: a round's piece may stay out when a listed period holds it.
            listed_spans = {span for other, summary in publications[p]["files"].items() if f"{other[0]}/{other[1]}" in listed
                            for span in spans_in(summary)}
            missing = live[p] - truths[block[seq]]
            for span, topic, unit, per_group in granules(missing, spans_in(seq_map[seq])):
                if key[0] == "round" and topic not in round_of[key[1]]["topics"]:
                    continue
                excused = (f"{key[0]}/{key[1]}" in listed or (key[0] == "round" and span in listed_spans)) and small(per_group + [sum(per_group)])
                if not excused:
                    problems_found.append(f"{publications[p]['label']}: the first version of {key[0]} {key[1]} misses stored responses: "
                                          + describe(span, topic, unit, per_group))
        for p, publication in enumerate(publications):
            if current[p] is None:
                continue
            pending = live[p] - truths[block[current[p]]]
            for span, topic, unit, per_group in granules(pending, sorted(released_spans_at[p])):
                if not small(per_group + [sum(per_group)]):
                    problems_found.append(f"{publication['label']}: a change of no small group is held back: " + describe(span, topic, unit, per_group))

    # The named cases (release closed).
    outcome = []
    start = case["start"]

    def period_of(kind, day, p):
        """(key, seq, summary) of the latest version at publication p of the period of kind holding day."""
        for key, summary in publications[p]["files"].items():
            if key[0] == kind and key in file_seq[p] and date.fromisoformat(summary["period"]["start"]) <= day <= date.fromisoformat(summary["period"]["end"]):
                return key, file_seq[p][key], summary
        return None

    def cell_in(summary, topic, unit, group):
        for t, u, g, cell in positions(summary):
            if (t, u, g) == (topic, unit, group):
                return cell

    def truth_of(seq, summary, topic, unit, group, within=None):
        spans = [x for x in spans_in(summary) if within is None or x in within]
        return int(truths[block[seq]][atoms(topic, unit, group, None, spans)].sum())

    def stored_of(p, summary, topic, unit, group, within=None):
        spans = [x for x in spans_in(summary) if within is None or x in within]
        return int(live[p][atoms(topic, unit, group, None, spans)].sum())

    def after_step(step):
        return max(p for p in range(P) if publications[p]["step"] == step)

    if closed:
        # Issue 19: week 1 publishes the cell of 10 of TPTN × ND; 3 late ones change nothing shown
        # (held, or the cell withheld); with 2 more (5 late) the week's latest version holds 15.
        issue_day = start + timedelta(days=7 * ISSUE_WEEK)
        found = period_of("week", issue_day, after_step(ISSUE_WEEK))
        if found is None:
            outcome.append(f"issue 19: the week of {issue_day} not published at step {ISSUE_WEEK}")
        else:
            key, seq, summary = found
            cell = cell_in(summary, REVISION_TOPIC, "TPTN", "ND")
            if not cell["suppressed"] and sum(cell["counts"]) != 10:
                outcome.append(f"issue 19: {key[1]} publishes the cell of 10 as {sum(cell['counts'])}")
            p5 = after_step(ISSUE_LATE[1][0])
            key, seq, summary = period_of("week", issue_day, p5)
            expected = 10 + ISSUE_LATE[0][1] + ISSUE_LATE[1][1]
            if truth_of(seq, summary, REVISION_TOPIC, "TPTN", "ND") != expected:
                outcome.append(f"issue 19: at step {ISSUE_LATE[1][0]} {key[1]} (revision {summary['revision']}) holds "
                               f"{truth_of(seq, summary, REVISION_TOPIC, 'TPTN', 'ND')} in TPTN ND, expected {expected}")
            cell = cell_in(summary, REVISION_TOPIC, "TPTN", "ND")
            if not cell["suppressed"] and sum(cell["counts"]) != expected:
                outcome.append(f"issue 19: at step {ISSUE_LATE[1][0]} {key[1]} publishes TPTN ND as {sum(cell['counts'])}, expected {expected}")
        # Case a: a unit's whole week sent late (before its month is published) is in the month's
        # first version, and in the week's version of the step it arrived at.
        if "a" in case["cases"]:
            late_week, late_unit = case["cases"]["a"]
            monday = start + timedelta(days=7 * late_week)
            week_spans = {span_of[monday + timedelta(days=d)] for d in range(7)}
            month_key = next((key for key, seq_map in versions_of.items() if key[0] == "month"
                              and date.fromisoformat(next(iter(seq_map.values()))["period"]["start"]) <= monday
                              <= date.fromisoformat(next(iter(seq_map.values()))["period"]["end"])), None)
            if month_key is None:
                outcome.append(f"case a: the month of {monday} was never published")
            else:
                seq = min(versions_of[month_key])
                summary = versions_of[month_key][seq]
                p = shown_at[(*month_key, seq)]
                for topic in (REVISION_TOPIC,):
                    held, stored = truth_of(seq, summary, topic, late_unit, None, week_spans), stored_of(p, summary, topic, late_unit, None, week_spans)
                    if held != stored:
                        outcome.append(f"case a: the first version of {month_key[1]} ({publications[p]['label']}) holds {held} of {late_unit}'s "
                                       f"{stored} stored responses of the week of {monday}")
                if publications[p]["step"] <= late_week + 1:
                    outcome.append(f"case a: {month_key[1]} published at step {publications[p]['step']}, before the late week arrived")
                # Case b: the 2 late responses count for the month's first version.
                _, small_unit, small_group, small_day = case["cases"]["b"]
                held = truth_of(seq, summary, REVISION_TOPIC, small_unit, small_group, week_spans)
                stored = stored_of(p, summary, REVISION_TOPIC, small_unit, small_group, week_spans)
                if held != stored:
                    outcome.append(f"case b: the first version of {month_key[1]} holds {held} of the {stored} stored responses of "
                                   f"{small_unit} {small_group} (2 arrived after the week was published)")
            p = after_step(late_week + 1)
            found = period_of("week", monday, p)
            if found:
                key, seq, summary = found
                held, stored = truth_of(seq, summary, REVISION_TOPIC, late_unit, None), stored_of(p, summary, REVISION_TOPIC, late_unit, None)
                if held != stored:
                    outcome.append(f"case a: {key[1]} at step {late_week + 1} (revision {summary['revision']}) holds {held} of {late_unit}'s "
                                   f"{stored} responses (a whole late week, no small group)")
        # Case c: 7 late responses to a shown cell are shown while another unit's 2 late responses
        # to another topic, and a third unit's retracted 2, may be held.
        shown_week, shown_day = case["cases"]["c"]
        before = period_of("week", shown_day, after_step(shown_week))
        if before is None:
            outcome.append(f"case c: the week of {shown_day} not published at step {shown_week}")
        else:
            key, seq0, summary0 = before
            cell0 = cell_in(summary0, REVISION_TOPIC, *SHOWN_CELL)
            if cell0["suppressed"]:
                print(f"revisions: note: case c's cell of 10 is withheld in {key[1]} (a complement)")
            key, seq, summary = period_of("week", shown_day, P - 1)
            expected = truth_of(seq0, summary0, REVISION_TOPIC, *SHOWN_CELL) + SHOWN_LATE
            got = truth_of(seq, summary, REVISION_TOPIC, *SHOWN_CELL)
            if got != expected or seq == seq0:
                outcome.append(f"case c: the last version of {key[1]} (revision {summary['revision']}) holds {got} in "
                               f"{' '.join(SHOWN_CELL)}, expected {expected} ({SHOWN_LATE} late shown in a new version)")
            cell = cell_in(summary, REVISION_TOPIC, *SHOWN_CELL)
            if not cell["suppressed"] and sum(cell["counts"]) != got:
                outcome.append(f"case c: {key[1]} publishes {' '.join(SHOWN_CELL)} as {sum(cell['counts'])}, stored version {got}")
        # Case d: each round's results are released at the step its report_by allows, then revised
        # by late responses reaching its window (EARLY_ROUND: the issue-19 cell's 3 and 2, the 5
        # shown at step 5; LATE_ROUND: case c's 7 late shown at the last step, beside 2 late to
        # the other topic and 2 retracted).
        for code, cell_of, step in ((EARLY_ROUND, ("TPTN", "ND"), ISSUE_LATE[1][0]), (LATE_ROUND, SHOWN_CELL, case["steps"] - 1)):
            key = ("round", code)
            seq_map = versions_of.get(key, {})
            if len(seq_map) < 2:
                outcome.append(f"case d: round {code} has {len(seq_map)} versions, expected a first release at step "
                               f"{round_of[code]['start_step']} and a revision by late responses")
                continue
            first_step = publications[shown_at[(*key, min(seq_map))]]["step"]
            if first_step != round_of[code]["start_step"]:
                outcome.append(f"case d: round {code} first released at step {first_step}, expected {round_of[code]['start_step']}")
            p = after_step(step)
            seq = file_seq[p].get(key)
            if seq is None:
                outcome.append(f"case d: round {code} not published at step {step}")
                continue
            summary = versions_of[key][seq]
            held, stored = truth_of(seq, summary, REVISION_TOPIC, *cell_of), stored_of(p, summary, REVISION_TOPIC, *cell_of)
            if held != stored:
                outcome.append(f"case d: round {code} at step {step} (revision {summary['revision']}) holds {held} of the {stored} stored "
                               f"responses of {REVISION_TOPIC} {' '.join(cell_of)} (late ones not shown)")
            cell = cell_in(summary, REVISION_TOPIC, *cell_of)
            if not cell["suppressed"] and sum(cell["counts"]) != held:
                outcome.append(f"case d: round {code} publishes {' '.join(cell_of)} as {sum(cell['counts'])}, stored version {held}")

    if closed:
        # Case e: each Wednesday publication shows a provisional alarm of its designed unit and
        # topic (else the case bounds nothing).
        for week, look in case["cases"]["e"].items():
            monday = start + timedelta(days=7 * week)
            if (monday, look["unit"], LOOK_TOPIC) not in shown_looks:
                outcome.append(f"case e: no provisional alarm for {look['unit']} {LOOK_TOPIC} in the week of {monday} (its Wednesday "
                               "publication should show one): the case bounds nothing")

    # The report.
    failures = len(problems_found) + len(outcome)
    for p, publication in enumerate(publications):
        record = figures[p]
        held = held_back(publication["index"])
        new_versions = sum(1 for (kind, period, seq), q in shown_at.items() if q == p)
        withheld_now = sum(1 for summary in list(publication["files"].values()) + [r["summary"] for r in publication["rounds"].values()]
                           for *_, cell in positions(summary) if cell["suppressed"])
        print(f"revisions {p} ({publication['label']}): {len(publication['files'])} files and {len(publication['rounds'])} rounds' results, "
              f"{new_versions} new versions, {withheld_now} positions withheld, "
              f"{record['targets']} small withheld positions audited, {len(record['narrowed'])} narrowed below {MINIMUM + 1} values, "
              f"{len(record['pinned'])} sentiment counts pinned, narrowest count range {record['narrowest'] or f'≥ {MINIMUM + 1}'} values, "
              f"{record['differencing']} small changes audited, {len(record['diff_failed'])} revealed; "
              f"held back {held.get('added', 0)} added / {held.get('removed', 0)} removed")
        for line in (record["narrowed"] + record["pinned"] + record["diff_failed"])[:10]:
            print(f"  {line}")
        failures += len(record["narrowed"]) + len(record["pinned"]) + len(record["diff_failed"])
    if truncated[0]:
        print(f"revisions: the time budget of {budget} s ran out: {truncated[0]} targets and small changes left unaudited")
    if problems_found:
        print(f"revisions: {len(problems_found)} consistency problems (completeness, holding back, stored versions):")
        for line in problems_found[:25]:
            print(f"  {line}")
    if not closed:
        print(f"revisions: release {release}: the named cases not checked")
    elif outcome:
        print("revisions: the named cases FAILED:")
        for line in outcome:
            print(f"  {line}")
    else:
        print("revisions: the named cases passed (issue 19: 3 then 2 late into a cell of 10; a: a late unit-week in its month's first "
              "version; b: 2 late ones counted for the month; c: 7 late shown beside 2 late and 2 retracted elsewhere; "
              "d: both rounds released, then revised with the late ones shown; e: a provisional alarm at each Wednesday's look)")
    # Case e's small positions (LOOK_SMALL in week 3, ADVERSARY_SMALL in week 5): what the attacker
    # got for each version of a period holding them, and what the week's versions withhold of
    # LOOK_TOPIC (all of it: the plan's fallback for the topic).
    print(f"revisions: provisional look: {len(look_alarms)} alarms seen, {len(look_bounds_added)} lower bounds "
          f"{'added' if look_bounds else 'read but left out of the attacker (--without-look-bounds)'}; provisional_looks holds "
          f"{len(shown_looks)} (week, unit, topic): " + "; ".join(f"{w} {u or 'province'} {t}" for w, u, t in sorted(shown_looks, key=str)))
    for line in look_alarms:
        print(f"  alarm {line}")
    for line in look_bounds_added:
        print(f"  bound {line}")
    for line in look_notes:
        print(f"  {line}")
    if closed:
        for week, look in case["cases"]["e"].items():
            monday = start + timedelta(days=7 * week)
            week_spans = {span_of[monday + timedelta(days=d)] for d in range(7)}
            label = "adversarial" if week == 5 else "with partners"
            lines = []
            for k, (b, key, topic, unit, group, counts, period_spans) in enumerate(targets):
                if topic != LOOK_TOPIC or unit != look["small"] or not week_spans & set(period_spans):
                    continue
                result = target_results.get(k)
                true = sum(counts)
                if result is None:
                    got = "not audited (time budget)"
                else:
                    low, high = result
                    got = f"at least {MINIMUM + 1} values (up to {high} or more)" if low is None else f"{low}…{high}"
                    if low is not None and high - low + 1 < MINIMUM + 1:
                        got += " NARROWED"
                pinned_here = [SENTIMENTS[s] for s in sorted(pinned_of[k])]
                lines.append(f"{key[0]} {key[1]} seq {seqs[b]} {topic} {unit} {group or 'all groups'} (true {true}, "
                             f"{dict(zip(SENTIMENTS, counts))}): {got}{', pinned ' + ', '.join(pinned_here) if pinned_here else ''}")
            masks = []
            for key, seq_map in sorted(versions_of.items(), key=lambda item: (KIND_ORDER + ["round"]).index(item[0][0])):
                if key[0] == "round":
                    continue
                for seq, summary in sorted(seq_map.items()):
                    if not week_spans & set(spans_in(summary)):
                        continue
                    own = [cell["suppressed"] for t, u, g, cell in positions(summary) if t == LOOK_TOPIC]
                    others = [t["province"] for t in summary["topics"] if t["code"] != LOOK_TOPIC]
                    derived = ""
                    if all(not cell["suppressed"] for cell in others) and any(own):
                        derived = (f" (its total is the period's {summary['responses']} less the other topics' "
                                   f"{sum(cell['responses'] for cell in others)}: {summary['responses'] - sum(cell['responses'] for cell in others)})")
                    masks.append(f"{key[1]} seq {seq} withholds {sum(own)} of {len(own)} {LOOK_TOPIC} positions{derived}")
            print(f"revisions: case e, week {week} ({label}: {look['unit']} alarmed, {look['small']} {look['count']} in {look['group']}): "
                  + ("; ".join(masks) or "the week was not published"))
            for line in lines or ["no small position of it withheld"]:
                print(f"  {line}")
    narrowest = [figures[p]["narrowest"] for p in figures if figures[p]["narrowest"] is not None]
    round_versions = {key[1]: sorted(m) for key, m in versions_of.items() if key[0] == "round"}
    round_targets = [t for t in targets if t[1][0] == "round"]
    round_lines = [line for p in figures for line in figures[p]["narrowed"] + figures[p]["pinned"] + figures[p]["diff_failed"]
                   if line.startswith("round ")]
    print(f"revisions: rounds: {', '.join(f'{code} versions at seq {seqs_}' for code, seqs_ in round_versions.items()) or 'none published'}; "
          f"{round_figures['files']} results files read, {round_figures['positions']} positions in the round versions, "
          f"{round_figures['withheld']} withheld, {len(round_targets)} small ones audited, {len(round_lines)} narrowed, pinned or revealed; "
          f"{round_figures['compared']} shown figures against the database's recount, {round_figures['held']} differing by changes held back")
    print(f"revisions: schema {schema}; {len(responses)} responses, {P} publications, {B} releases, "
          f"{sum(len(m) for m in versions_of.values())} period and round versions, {withheld_positions} positions withheld in them, "
          f"{len(targets)} small ones, narrowest range {min(narrowest) if narrowest else f'≥ {MINIMUM + 1}'}; late: " + "; ".join(case["late"])
          + f" ({variables} variables, {len(keep)} solved, {len(low_list)} rows, {solves[0]} milp solves, {witnessed[0]} maxima "
          f"shown high enough by earlier exact solutions, "
          f"publishing {published_at - revisions_started:.0f} s, solving {time.monotonic() - published_at:.0f} s, {time.monotonic() - started:.0f} s so far)")
    known_in_rounds = sum(1 for line in known["pinned"] if line.startswith("round "))
    already = sum(1 for line in known["pinned"] if line.endswith("(already without the sizes)"))
    changes_in_rounds = sum(1 for line in known_changes["pinned"] if line.startswith("round "))
    changes_already = sum(1 for line in known_changes["pinned"] if line.endswith("published in both or pinned)"))
    left = [f"{known['unaudited']} positions" if known["unaudited"] else "", f"{known_changes['unaudited']} small changes" if known_changes["unaudited"] else ""]
    print(f"revisions: sizes known: {known['positions']} small withheld positions checked (every version), {known['sentiments']} "
          f"sentiments bounded, {len(known['pinned'])} pinned ({known_in_rounds} of these in rounds, {already} already without the sizes), "
          f"{known['solves']} milp solves; {known_changes['positions']} of {len(small_changes)} small changes checked, "
          f"{known_changes['sentiments']} sentiments' changes bounded, {len(known_changes['pinned'])} pinned ({changes_in_rounds} of "
          f"these in rounds, {changes_already} already without the sizes), {known_changes['solves']} milp solves "
          f"({time.monotonic() - changes_started:.0f} s); {time.monotonic() - sized_started:.0f} s"
          + (f", the time budget of {sized_budget} s ran out: {' and '.join(x for x in left if x)} left unaudited" if any(left) else "")
          + f" ({len(size_keys)} size groups, {len(size_values)} size rows; {known['unwitnessed'] + known_changes['unwitnessed']} "
          f"optima without an exact solution; "
          f"progress.json: {progress_compared} figures against what was "
          f"stored at each publication, {len(progress_failures)} differ; {progress_held} sizes where it counts changes held back, "
          f"{'modelled by' if held_model and closed else 'outside'} the stored unknowns L)")
    # New findings first (those already pinned without the sizes are listed with the first attacker's).
    for line in (sorted(known["pinned"], key=lambda x: x.endswith("(already without the sizes)"))[:10]
                 + sorted(known_changes["pinned"], key=lambda x: x.endswith("published in both or pinned)"))[:10]
                 + progress_failures[:10] + progress_gaps[:3]):
        print(f"  {line}")
    failures += len(known["pinned"]) - already + len(known_changes["pinned"]) - changes_already + len(progress_failures)
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
    parser.add_argument("--without-look-bounds", action="store_true",
                        help="revisions: leave the provisional alarms' lower bounds out of the attacker's knowledge (to see what they add)")
    parser.add_argument("--revisions-release", choices=["closed", "open"], default="closed",
                        help="open: check the audit itself (every publication revises every period: must find small differences)")
    arguments = parser.parse_args()
    print(f"privacy audit: SEED={arguments.seed}")
    rng = random.Random(arguments.seed)
    started = time.monotonic()
    cases = [("the issue's case", *issue_case())]
    shapes = [(UNITS[:12], TOPICS[:2], 6, 12), (UNITS[:8], TOPICS[:2], 10, 8), (UNITS[:4], TOPICS[:1], 14, 20)]
    for number, (units, topics, weeks, highest) in enumerate(shapes):
        cases.append((f"random {len(units)} units × {len(topics)} topics × {weeks} weeks, 0…{highest}",
                      *random_case(rng, units, topics, weeks, highest), shape_rounds(number, topics, weeks)))
    failures = 0
    if arguments.only != "revisions":
        for name, units, topics, responses, rounds in cases:
            found, *_ = audit(name, arguments.bin_dir, units, topics, responses, started, rounds)
            failures += found
    if arguments.only != "single" and not arguments.skip_revisions:
        # The sizes-known pass (positions, then small changes) has 120 s of its own (60 s in the
        # open-policy self-check, which finds pinned sentiments at once).
        failures += revisions_audit(arguments.bin_dir, arguments.seed, started, 180, arguments.revisions_release,
                                    not arguments.without_held_back, 120 if arguments.revisions_release == "closed" else 60,
                                    not arguments.without_look_bounds)
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
