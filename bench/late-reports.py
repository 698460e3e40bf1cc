#!/usr/bin/python3
"""A province simulated for a year (issue 26, "Proof"): late unit-weeks and retractions against the
real surveyd, and how many stored responses the published months, quarters and years miss.

Usage: bench/late-reports.py BIN_DIR [--seed N] [--weeks N] [--units N] [--start DAY] [--end DAY]
       [--publish-days daily|mon,wed,fri] [--grace-days N] [--json OUT] [--check]

The real surveyd is started as the privacy audit starts it (Tests/Privacy/audit.py's `Instance`:
a temporary folder, a free port, one collaborator per unit) with `release: closed` and
`grace_days` 2. The province: the first N units (16) of the example configuration, its 7 topics
active today, 3 groups, 3 sentiments. Each unit-week has 50–300 responses (uniform), spread
uniformly over the week's days, the topics and the groups, sentiments weighted 5:3:2; it is one
batch. One unit-week in five arrives 3–10 days after its week ends, the others on the Monday or
Tuesday after it. One batch in a hundred is retracted (`surveyctl batch retract`) 1–20 days after
it arrived.

The script walks the calendar day by day: it submits over the line protocol what arrives that day,
retracts what is retracted that day, and publishes with `surveyctl publish --as-of DAY` on the
publication days (--publish-days: Monday, Wednesday and Friday by default)
and on every day with a retraction. A publication's cost grows with the stored year (about 0.7 s in
February to 7 s in the next January on the debug build), so publishing every day of the full run
would take some 30 minutes. `batch retract` republishes at once with
the clock's today, which would release every period up to the real today, so it runs under
Debian's `faketime` (package faketime) at noon of the simulated day. The daemon checks collection
dates against the real today, so the configuration raises `dates.maximum_age_days` to reach the
simulated year.

After every publication it reads index.json and every summary.json whose revision changed, and
records per period (weeks, months, quarters, years): at its first publication, the responses with
a collection day in the period stored (and not retracted) by then, and the period's `responses` in
summary.json; the same at the first publication at least 30 days later (--later-days) and at the
end; and `held_back` (added + removed) of index.json at every publication. The missing share is
1 − shown / stored.

--check runs a bounded province (6 units, 10 weeks from Monday 1 September 2025: September, October
and Q3 are published and revised; at least one batch retracted; a few minutes on the debug build) and exits 1 unless every period's missing
share is 0 at its first publication, at most 1% 30 days later, and the responses held back are
below 1% of those stored (the final figure, and the mean over the publications). A period may show
more than is stored only by responses retracted (a retraction held back, which held_back counts). It prints the
figures either way. Exit 2: the run itself failed.
"""
import argparse
import json
import os
import random
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections import Counter, defaultdict
from datetime import date, timedelta

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "Tests", "Privacy"))
import audit  # noqa: E402  (Instance, config_text, read_reply, held_back, the reference data)

UNITS, TOPICS, GROUPS, SENTIMENTS = audit.UNITS, audit.TOPICS, audit.GROUPS, audit.SENTIMENTS
SENTIMENT_WEIGHTS = [5, 3, 2]
KINDS = ("week", "month", "quarter", "year")


def period_ids(day):
    """The (kind, id) of every period holding `day`, as index.json names them."""
    year, week, _ = day.isocalendar()
    return [("week", f"{year}-W{week:02d}"), ("month", f"{day.year}-{day.month:02d}"),
            ("quarter", f"{day.year}-Q{(day.month - 1) // 3 + 1}"), ("year", f"{day.year}")]


def simulate(rng, units, first_monday, weeks, late_share, retract_share, force_retraction):
    """The province's batches: [{id, unit, week, arrival, retract, responses: [(day, topic, group,
    sentiment)]}], arrival and retract (or None) being days."""
    batches = []
    for w in range(weeks):
        monday = first_monday + timedelta(days=7 * w)
        sunday = monday + timedelta(days=6)
        for unit in units:
            n = rng.randint(50, 300)
            responses = [(monday + timedelta(days=rng.randrange(7)), rng.choice(TOPICS), rng.choice(GROUPS),
                          rng.choices(SENTIMENTS, SENTIMENT_WEIGHTS)[0]) for _ in range(n)]
            late = rng.random() < late_share
            if late:
                arrival = sunday + timedelta(days=rng.randint(3, 10))
            else:
                arrival = sunday + timedelta(days=rng.randint(1, 2))
            retract = arrival + timedelta(days=rng.randint(1, 20)) if rng.random() < retract_share else None
            year, week, _ = monday.isocalendar()
            batches.append({"id": f"{unit}-{year}W{week:02d}", "unit": unit, "week": f"{year}-W{week:02d}",
                            "arrival": arrival, "late": late, "retract": retract, "responses": responses})
    if force_retraction and not any(b["retract"] for b in batches):
        batch = rng.choice(batches)
        batch["retract"] = batch["arrival"] + timedelta(days=rng.randint(1, 20))
    return batches


def submit(port, collaborators, batches):
    """Each batch over the protocol, one connection per unit; returns the stored batches."""
    by_unit = defaultdict(list)
    for batch in batches:
        by_unit[batch["unit"]].append(batch)
    for unit, unit_batches in by_unit.items():
        identity, token = collaborators[unit]
        with socket.create_connection(("127.0.0.1", port), timeout=60) as sock:
            reader = sock.makefile("rb")
            audit.read_reply(reader)
            sock.sendall(f"AUTH {identity} {token}\r\n".encode())
            if audit.read_reply(reader)[0] != 235:
                raise audit.Failure(f"AUTH refused for {unit}")
            for batch in unit_batches:
                lines = [f"R {d.isoformat()} {t} {g} {s}" for d, t, g, s in batch["responses"]]
                sock.sendall(f"BATCH {batch['id']} {len(lines)}\r\n".encode())
                code, reply = audit.read_reply(reader)
                if code != 354:
                    raise audit.Failure(f"BATCH {batch['id']} refused: {reply}")
                sock.sendall(("\r\n".join(lines + ["COMMIT"]) + "\r\n").encode())
                code, reply = audit.read_reply(reader)
                if code != 250 or " 2.6.0 " not in reply[-1]:
                    raise audit.Failure(f"batch {batch['id']} refused: {reply}")
            sock.sendall(b"QUIT\r\n")


class Simulation:
    def __init__(self, bin_dir, units, grace_days, later_days, maximum_age_days):
        self.bin_dir = bin_dir
        self.later_days = later_days
        # The example configuration's dates.maximum_age_days (366) refuses a past year's days:
        # Instance writes audit.config_text, extended here with a dates section.
        original = audit.config_text

        def config_text(*args, **kwargs):
            return original(*args, **kwargs) + f"dates:\n  maximum_age_days: {maximum_age_days}\n"
        audit.config_text = config_text
        try:
            self.instance = audit.Instance(bin_dir, units, TOPICS, "surveyd-late-reports-", release="closed", grace_days=grace_days)
        finally:
            audit.config_text = original
        self.summaries = os.path.join(self.instance.state, "summaries")
        # The daemon publishes once at start (nothing stored yet): let it finish before any batch.
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            with open(self.instance.log_path, encoding="utf-8", errors="replace") as file:
                text = file.read()
            if "publish done" in text or "publish failed" in text:
                break
            time.sleep(0.05)
        self.live = Counter()          # collection day → stored responses, not retracted
        self.retracted = Counter()     # collection day → responses of retracted batches
        self.stored_total = 0
        self.periods = {}              # (kind, id) → record
        self.held = []                 # (day, added, removed, stored_total)
        self.revision = {}             # (kind, id) → (revision, shown)
        self.publish_seconds = []
        self.days_of = defaultdict(list)

    def note_days(self, batch, sign):
        for day, *_ in batch["responses"]:
            if day not in self.live:
                for key in period_ids(day):
                    self.days_of[key].append(day)
            self.live[day] += sign
        self.stored_total += sign * len(batch["responses"])

    def stored(self, key):
        return sum(self.live[d] for d in self.days_of.get(key, ()))

    def figure(self, day, key, shown, revision):
        return {"day": day.isoformat(), "stored": self.stored(key), "shown": shown, "revision": revision,
                "retracted": sum(self.retracted[d] for d in self.days_of.get(key, ()))}

    def surveyctl(self, *arguments, fake_day=None):
        command = [os.path.join(self.bin_dir, "surveyctl"), *arguments, "--config", self.instance.config, "--state-dir", self.instance.state]
        env = dict(os.environ)
        if fake_day is not None:
            # Noon in the province (UTC+7), the clock running from there.
            command = ["faketime", "-f", f"@{fake_day.isoformat()} 05:00:00"] + command
            env.update(TZ="UTC", FAKETIME_DONT_FAKE_MONOTONIC="1")
        result = subprocess.run(command, capture_output=True, text=True, timeout=600, env=env)
        if result.returncode != 0:
            raise audit.Failure(f"surveyctl {' '.join(arguments)} failed ({result.returncode}): {result.stderr}{result.stdout}")
        return result.stdout

    def batch_ids(self, unit):
        listed = json.loads(self.surveyctl("batches", "--unit", unit, "--limit", "100000", "--json"))
        return {b.get("clientBatchID", b.get("client_batch_id")): b["id"] for b in listed}

    def retract(self, batch, day):
        number = self.batch_ids(batch["unit"])[batch["id"]]
        self.surveyctl("batch", "retract", str(number), "--reason", "simulated retraction", fake_day=day)
        self.note_days(batch, -1)
        for day, *_ in batch["responses"]:
            self.retracted[day] += 1

    def publish(self, day):
        started = time.monotonic()
        self.surveyctl("publish", "--as-of", day.isoformat())
        self.publish_seconds.append(time.monotonic() - started)
        self.observe(day)

    def observe(self, day):
        with open(os.path.join(self.summaries, "index.json"), encoding="utf-8") as file:
            index = json.load(file)
        held = audit.held_back(index)
        self.held.append((day.isoformat(), held.get("added", 0), held.get("removed", 0), self.stored_total))
        for granularity in index.get("granularities", []):
            kind = granularity["kind"]
            for entry in granularity["periods"]:
                key = (kind, entry["period"])
                if self.revision.get(key, (None,))[0] != entry["revision"]:
                    with open(os.path.join(self.summaries, entry["path"], "summary.json"), encoding="utf-8") as file:
                        summary = json.load(file)
                    self.revision[key] = (entry["revision"], summary["responses"])
                revision, shown = self.revision[key]
                record = self.periods.get(key)
                if record is None:
                    self.periods[key] = record = {"kind": kind, "period": entry["period"],
                                                  "first": self.figure(day, key, shown, revision),
                                                  "later": None}
                elif record["later"] is None and (day - date.fromisoformat(record["first"]["day"])).days >= self.later_days:
                    record["later"] = self.figure(day, key, shown, revision)
                record["last"] = self.figure(day, key, shown, revision)

    def stop(self):
        self.instance.stop()


def share(figure):
    return (figure["stored"] - figure["shown"]) / figure["stored"] if figure["stored"] else 0.0


def summarize(periods, held, stored_total):
    rows = []
    for kind in KINDS:
        records = [r for r in periods.values() if r["kind"] == kind]
        firsts = [r["first"] for r in records]
        laters = [r["later"] for r in records if r["later"]]
        row = {"kind": kind, "periods": len(records), "with_later": len(laters)}
        for name, figures in (("first", firsts), ("later", laters)):
            if figures:
                worst = max(figures, key=lambda f: (abs(share(f)), abs(f["stored"] - f["shown"])))
                row[name] = {"mean_share": sum(share(f) for f in figures) / len(figures),
                             "max_share": share(worst),
                             "max_responses": worst["stored"] - worst["shown"],
                             "periods_off": sum(1 for f in figures if f["stored"] != f["shown"]),
                             "missing_total": sum(f["stored"] - f["shown"] for f in figures),
                             "stored_total": sum(f["stored"] for f in figures)}
        rows.append(row)
    held_counts = [a + r for _, a, r, _ in held]
    largest = max(held_counts, default=0)
    final = held_counts[-1] if held_counts else 0
    years = {r["period"]: {"stored": r["last"]["stored"], "shown": r["last"]["shown"], "revision": r["last"]["revision"], "day": r["last"]["day"]}
             for r in periods.values() if r["kind"] == "year"}
    return {"rows": rows, "held": {"largest": largest, "largest_day": held[held_counts.index(largest)][0] if held_counts else None,
                                   "final": final, "final_added": held[-1][1] if held else 0, "final_removed": held[-1][2] if held else 0,
                                   "mean_share": sum(c / s for c, (_, _, _, s) in zip(held_counts, held) if s) / max(1, len(held)),
                                   "stored_total": stored_total},
            "years": years}


def percent(x):
    return f"{100 * x:.2f}%"


def table(summary, later_days):
    lines = ["| granularity | periods | missing at first release: mean (responses) | max | periods off | "
             "with a look {0} days later | {0} days later: mean | max | periods off |".format(later_days),
             "|---|---|---|---|---|---|---|---|---|"]
    for row in summary["rows"]:
        if not row["periods"]:
            continue
        first, later = row.get("first"), row.get("later")
        cells = [row["kind"], str(row["periods"])]
        cells += [f"{percent(first['mean_share'])} ({first['missing_total']} of {first['stored_total']})",
                  f"{percent(first['max_share'])} ({first['max_responses']})", str(first["periods_off"])]
        cells.append(str(row["with_later"]))
        cells += [f"{percent(later['mean_share'])} ({later['missing_total']} of {later['stored_total']})",
                  f"{percent(later['max_share'])} ({later['max_responses']})", str(later["periods_off"])] if later else ["–", "–", "–"]
        lines.append("| " + " | ".join(cells) + " |")
    held = summary["held"]
    total = held["stored_total"]
    lines.append("")
    lines.append(f"Held back (index.json held_back, added + removed), of {total} responses stored at the end: "
                 f"largest {held['largest']} ({percent(held['largest'] / total if total else 0)}) on {held['largest_day']}, "
                 f"final {held['final']} ({percent(held['final'] / total if total else 0)}: {held['final_added']} added, {held['final_removed']} removed), "
                 f"mean over the publications {percent(held['mean_share'])} of what was stored then.")
    lines.append("Missing = stored − shown, of the responses with a day in the period stored (not retracted) by that publication; "
                 "the mean is over periods, max is the period furthest off (negative: retracted responses still shown).")
    for year, figure in sorted(summary["years"].items()):
        lines.append(f"Year {year} at the end ({figure['day']}, revision {figure['revision']}): {figure['shown']} shown of {figure['stored']} stored, "
                     f"{figure['stored'] - figure['shown']} missing ({percent(share(figure))}).")
    return "\n".join(lines)


def check(summary, periods, later_days):
    problems = []
    for record in sorted(periods.values(), key=lambda r: (KINDS.index(r["kind"]), r["period"])):
        first, later = record["first"], record["later"]
        # Retracted responses may still be shown (a retraction held back, counted in held_back
        # below); more than those is an error, and so is any stored response missing.
        for name, figure, limit in (("first published", first, 0.0), (f"{later_days} days later", later, 0.01)):
            if figure and (share(figure) > limit or figure["shown"] - figure["stored"] > figure["retracted"]):
                problems.append(f"{record['kind']} {record['period']}: {name} ({figure['day']}) {figure['shown']} shown of {figure['stored']} "
                                f"stored ({percent(share(figure))} missing; {figure['retracted']} retracted)")
    held = summary["held"]
    if held["stored_total"] and held["final"] / held["stored_total"] >= 0.01:
        problems.append(f"held back at the end: {held['final']} of {held['stored_total']} stored")
    if held["mean_share"] >= 0.01:
        problems.append(f"held back on average {percent(held['mean_share'])} of what was stored")
    for kind, least in (("month", 2), ("quarter", 1)):
        row = next(r for r in summary["rows"] if r["kind"] == kind)
        if row["with_later"] < least:
            problems.append(f"only {row['with_later']} {kind}s published and seen {later_days} days later (the check needs {least})")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0], formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("bin", nargs="?", help="folder holding surveyd and surveyctl (or --bin)")
    parser.add_argument("--bin", dest="bin_flag", help="folder holding surveyd and surveyctl")
    parser.add_argument("--seed", type=int, default=1, help="replayable data (default 1)")
    parser.add_argument("--units", type=int, help="units (default 16; --check: 6)")
    parser.add_argument("--weeks", type=int, help="ISO weeks of data (default 53: 2025-W01 to 2026-W01; --check: 14)")
    parser.add_argument("--start", help="a day of the first week (default 2025-01-01; --check: 2025-06-30)")
    parser.add_argument("--end", help="the last publication day (default: the last week's Sunday + 55 days, 2026-02-28 by default)")
    parser.add_argument("--publish-days", help="days of the week to publish on, such as mon,wed,fri (the default), or daily (--check's default)")
    parser.add_argument("--grace-days", type=int, default=2, help="publish.grace_days (default 2)")
    parser.add_argument("--later-days", type=int, default=30, help="the second look at a period, days after its first publication (default 30)")
    parser.add_argument("--late-share", type=float, default=0.2, help="share of unit-weeks arriving 3-10 days after the week (default 0.2)")
    parser.add_argument("--retract-share", type=float, default=0.01, help="share of batches retracted 1-20 days after arrival (default 0.01)")
    parser.add_argument("--json", help="write every period's figures and the held-back series here")
    parser.add_argument("--check", action="store_true", help="the bounded run of the test suite: exit 1 unless the goals hold")
    parser.add_argument("--keep", action="store_true", help="keep the temporary folder (its path is printed)")
    arguments = parser.parse_args()
    if not (arguments.bin_flag or arguments.bin):
        parser.error("give the folder of the binaries (--bin DIR)")
    bin_dir = os.path.abspath(arguments.bin_flag or arguments.bin)
    units_count = arguments.units or (6 if arguments.check else 16)
    weeks = arguments.weeks or (10 if arguments.check else 53)
    start = date.fromisoformat(arguments.start or ("2025-09-01" if arguments.check else "2025-01-01"))
    first_monday = start - timedelta(days=start.weekday())
    last_sunday = first_monday + timedelta(days=7 * weeks - 1)
    end = date.fromisoformat(arguments.end) if arguments.end else last_sunday + timedelta(days=55)
    publish_days = arguments.publish_days or "mon,wed,fri"
    names = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    publish_weekdays = set(range(7)) if publish_days == "daily" else {names.index(d.strip().lower()[:3]) for d in publish_days.split(",")}
    if shutil.which("faketime") is None and arguments.retract_share > 0:
        print("late-reports: `batch retract` runs under faketime (Debian package faketime), which is missing; "
              "install it or pass --retract-share 0", file=sys.stderr)
        return 2
    units = UNITS[:units_count]
    rng = random.Random(arguments.seed)
    batches = simulate(rng, units, first_monday, weeks, arguments.late_share, arguments.retract_share, force_retraction=arguments.check)
    arriving, retracting = defaultdict(list), defaultdict(list)
    for batch in batches:
        arriving[batch["arrival"]].append(batch)
        if batch["retract"]:
            retracting[batch["retract"]].append(batch)
    first_day = min(arriving)
    maximum_age = (date.today() - first_monday).days + 30

    print(f"late-reports: {len(units)} units × {len(TOPICS)} topics × {len(GROUPS)} groups, {weeks} weeks from {first_monday} "
          f"({sum(len(b['responses']) for b in batches)} responses in {len(batches)} batches, "
          f"{sum(1 for b in batches if b['late'])} late, "
          f"{len([b for b in batches if b['retract']])} retracted), publishing {publish_days} from {first_day} to {end}, "
          f"grace_days {arguments.grace_days}, seed {arguments.seed}, binaries {bin_dir}", flush=True)
    started = time.monotonic()
    simulation = Simulation(bin_dir, units, arguments.grace_days, arguments.later_days, maximum_age)
    try:
        day = first_day
        while day <= end:
            if arriving.get(day):
                submit(simulation.instance.port, simulation.instance.collaborators, arriving[day])
                for batch in arriving[day]:
                    simulation.note_days(batch, +1)
            for batch in retracting.get(day, []):
                simulation.retract(batch, day)
            if day.weekday() in publish_weekdays or retracting.get(day):
                simulation.publish(day)
            if simulation.instance.daemon.poll() is not None:
                raise audit.Failure(f"surveyd stopped; its log: {simulation.instance.log_path}")
            if day.day == 1:
                elapsed = time.monotonic() - started
                print(f"  {day}: {elapsed:.0f} s, {len(simulation.publish_seconds)} publications "
                      f"(last {simulation.publish_seconds[-1] if simulation.publish_seconds else 0:.2f} s)", flush=True)
            day += timedelta(days=1)
    except audit.Failure as error:
        print(f"late-reports: {error}", file=sys.stderr)
        return 2
    finally:
        simulation.stop()
        if not arguments.keep:
            shutil.rmtree(simulation.instance.work, ignore_errors=True)
    elapsed = time.monotonic() - started
    summary = summarize(simulation.periods, simulation.held, simulation.stored_total)
    seconds = simulation.publish_seconds
    print(f"\n{len(seconds)} publications, {sum(seconds):.0f} s publishing (mean {sum(seconds) / max(1, len(seconds)):.2f} s, "
          f"largest {max(seconds, default=0):.2f} s); run {elapsed:.0f} s"
          + (f"; kept {simulation.instance.work}" if arguments.keep else ""))
    print()
    print(table(summary, arguments.later_days))
    if arguments.json:
        with open(arguments.json, "w", encoding="utf-8") as file:
            json.dump({"parameters": {"seed": arguments.seed, "units": units, "weeks": weeks, "first_monday": first_monday.isoformat(),
                                      "end": end.isoformat(), "publish_days": publish_days, "grace_days": arguments.grace_days,
                                      "later_days": arguments.later_days, "bin": bin_dir},
                       "seconds": {"run": elapsed, "publications": seconds},
                       "summary": summary,
                       "periods": sorted(simulation.periods.values(), key=lambda r: (KINDS.index(r["kind"]), r["period"])),
                       "held_back": simulation.held}, file, indent=1)
    if arguments.check:
        problems = check(summary, simulation.periods, arguments.later_days)
        if problems:
            print(f"\nlate-reports --check: FAILED, {len(problems)} problems:")
            for problem in problems:
                print(f"  {problem}")
            return 1
        print("\nlate-reports --check: passed")
    return 0


if __name__ == "__main__":
    sys.exit(main())
