#!/usr/bin/python3
"""Power-loss test: surveyd's state folder on lazyfs.py (a FUSE file system that forgets what was
not flushed), many clients sending batches, the power cut at random moments.

Usage: Tests/System/powerloss.sh BIN_DIR   (as root; run through the .sh, which gives it a private
mount namespace). Environment: SEED (replay a run's choices), POWERLOSS_CUTS (default 50),
POWERLOSS_CLIENTS (default 12).

Each round starts surveyd on what the "disk" holds, checks the database, then lets the clients
send batches until a cut:
- a power cut during the load (most rounds): lazyfs fences the disk (every operation fails from
  then on) and drops every write, size change and directory entry not flushed, or, in about half of
  the cuts, first lets a random part of the dirty pages and entries reach the disk, as a page cache
  writing back on its own would; surveyd is killed (SIGKILL), lazyfs is unmounted (the kernel's page
  cache goes with it) and mounted again from the durable state;
- a power cut during surveyd's start-up (its recovery of the log, the start-up publication);
- a crash without power loss (SIGKILL only, the page cache kept): what the restart finds in the
  log but not yet on disk must be made durable before a retry of it is answered as a duplicate,
  which a later power cut proves.

After every restart: every acknowledged batch (a `250` the client received) is stored exactly
once, with the content sent and the reception time of its `250`; every stored batch is one that
was sent, whole; tallies equal a recount; `PRAGMA integrity_check` is ok and `foreign_key_check`
empty; the start-up publication succeeded and every published period has its files, whole. The
clients re-send their unanswered batch (same id and content: it must get `250`, stored once) and
their last acknowledged one (it must get the identical `250`). At the end the unanswered batches
are settled and exactly the acknowledged batches are stored, and `surveyctl publish` succeeds.
Right after each cut, before surveyd restarts, every period that index.json links to must have its
files, whole (what an administrator opening index.html finds).
"""
import collections
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime, timedelta, timezone

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
UNITS = ["TPTN", "TPSC", "TXPY", "DH", "PL", "DHY", "VN", "DT", "PB", "KCQ", "KDN", "QS", "CA", "DHTN", "BVTW", "BDBP"]
TOPICS = ["DAIHOI", "CANBO", "YTE", "GIAODUC", "TREEM", "KTXH", "CDS"]
GROUPS = ["CB", "DV", "ND"]
SENTIMENTS = ["DONGTINH", "PHANVAN", "KHONGDONGTINH"]
# Asia/Ho_Chi_Minh has been UTC+7 without daylight saving time since 1975.
PROVINCE = timezone(timedelta(hours=7))
ACCEPTED = re.compile(r"^250 2\.6\.0 batch (\S+) accepted: (\d+) responses?, received (\S+)$")
ALREADY = "250 2.6.0 already received before; nothing new stored"


def acceptance(lines):
    """The acknowledgement line of a 250 reply, as one line: a batch stored before is answered
    with the first acceptance's line (`250-…`) and then `250 2.6.0 already received before…`."""
    if len(lines) == 2 and lines[1] == ALREADY and lines[0].startswith("250-"):
        return "250 " + lines[0][4:]
    return lines[-1]


# Tallies against a recount, as Tests/IntegrationTests/Daemon.swift's talliesMatchRecount: 0 when equal.
RECOUNT = """
    WITH recount AS (
        SELECT b.unit_id, max(r.collected_on - (r.collected_on + 3) % 7, CAST(julianday(r.collected_on * 86400, 'unixepoch', 'start of month') - 2440587.5 AS INTEGER), COALESCE((SELECT MAX(day) FROM span_cuts WHERE day <= r.collected_on), 0)) AS span_start, r.topic_id, r.group_id, r.sentiment_id, COUNT(*) AS n
        FROM responses r JOIN batches b ON b.id = r.batch_id WHERE b.state = 'accepted' AND b.held = 0 GROUP BY 1, 2, 3, 4, 5)
    SELECT COUNT(*) FROM (
        SELECT unit_id, span_start, topic_id, group_id, sentiment_id, count FROM span_tallies WHERE count > 0
        EXCEPT SELECT * FROM recount
        UNION ALL
        SELECT * FROM recount EXCEPT SELECT unit_id, span_start, topic_id, group_id, sentiment_id, count FROM span_tallies)
"""


class Failure(Exception):
    pass


# Children are killed when the driver dies (timeout, Ctrl-C): neither surveyd nor lazyfs outlives it.
DIE_WITH_PARENT = ["setpriv", "--pdeathsig", "KILL", "--"]


def log(message):
    print(f"powerloss: {message}", flush=True)


# The clients.

class Client:
    """One collaborator sending batches, across every restart of surveyd."""

    def __init__(self, index, collaborator, token):
        self.index, self.collaborator, self.token = index, collaborator, token
        self.next = 0
        self.pending = None                 # (id, lines): sent, no reply yet; re-sent until one comes
        self.sent = {}                      # id -> lines, every batch ever sent
        self.acknowledged = {}              # id -> (lines, the 250 line)
        self.last_acknowledged = None
        self.retries = 0                    # re-sent unanswered batches, answered 250
        self.repeats = 0                    # re-sent acknowledged batches, answered with their first acknowledgement

    def new_batch(self):
        number = self.next
        self.next += 1
        rng = random.Random(f"{self.index}/{number}")
        today = datetime.now(PROVINCE).date()
        lines = [f"R {today - timedelta(days=rng.randrange(21))} {rng.choice(TOPICS)} {rng.choice(GROUPS)} {rng.choice(SENTIMENTS)}"
                 for _ in range(1 + (number * 7 + self.index) % 40)]
        return f"p{self.index}-{number}", lines


class Load:
    """The clients' sessions of one round: each connects, settles its unanswered batch, re-sends its
    last acknowledged one, then sends new batches until the connection dies (the cut) or `batches`
    are sent."""

    def __init__(self, clients, port, batches):
        self.clients, self.port, self.batches = clients, port, batches
        self.cutting = threading.Event()    # set just before a cut: errors from then on are expected
        self.violations = []
        self.lock = threading.Lock()
        self.threads = [threading.Thread(target=self.session, args=(client,), daemon=True) for client in clients]

    def start(self):
        for thread in self.threads:
            thread.start()

    def join(self, timeout=60):
        deadline = time.monotonic() + timeout
        for thread in self.threads:
            thread.join(max(0, deadline - time.monotonic()))
        if any(thread.is_alive() for thread in self.threads):
            raise Failure("a client session did not end within 60 s of the round's end")

    def violation(self, text):
        with self.lock:
            self.violations.append(text)

    @staticmethod
    def read_reply(reader):
        lines = []
        while True:
            raw = reader.readline()
            if not raw:
                raise ConnectionError("connection closed by surveyd")
            lines.append(raw.decode("utf-8").rstrip("\r\n"))
            if len(lines[-1]) < 4 or lines[-1][3] == " ":
                return int(lines[-1][:3]), lines

    def session(self, client):
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=20) as sock:
                reader = sock.makefile("rb")
                code, lines = self.read_reply(reader)
                if code != 220:
                    return self.unexpected(client, "greeting", lines)
                sock.sendall(f"AUTH {client.collaborator} {client.token}\r\n".encode())
                code, lines = self.read_reply(reader)
                if code != 235:
                    return self.unexpected(client, "AUTH", lines)

                def commit(batch_id, batch):
                    sock.sendall(f"BATCH {batch_id} {len(batch)}\r\n".encode())
                    code, lines = self.read_reply(reader)
                    if code != 354:
                        return code, lines
                    sock.sendall(("\r\n".join(batch + ["COMMIT"]) + "\r\n").encode())
                    return self.read_reply(reader)

                if client.pending:
                    batch_id, batch = client.pending
                    code, lines = commit(batch_id, batch)
                    if not self.accepted(client, batch_id, batch, code, lines, "retry of unanswered batch"):
                        return
                    client.retries += 1
                if client.last_acknowledged:
                    batch_id = client.last_acknowledged
                    batch, reply = client.acknowledged[batch_id]
                    code, lines = commit(batch_id, batch)
                    if acceptance(lines) != reply or lines[-1] != ALREADY:
                        if code == 250 or not self.cutting.is_set():
                            self.violation(f"client {client.index}: re-sent acknowledged batch {batch_id} got {lines!r}, first {reply!r}")
                        return
                    client.repeats += 1
                sent = 0
                while sent < self.batches:
                    batch_id, batch = client.new_batch()
                    client.pending = (batch_id, batch)
                    client.sent[batch_id] = batch
                    code, lines = commit(batch_id, batch)
                    if not self.accepted(client, batch_id, batch, code, lines, "new batch"):
                        return
                    sent += 1
        except (OSError, ConnectionError, ValueError):
            pass  # surveyd was killed or is restarting: the unanswered batch is re-sent next round

    def accepted(self, client, batch_id, batch, code, lines, what):
        if code != 250:
            return self.unexpected(client, f"{what} {batch_id}", lines)
        match = ACCEPTED.match(acceptance(lines))
        if not match or match.group(1) != batch_id or int(match.group(2)) != len(batch):
            self.violation(f"client {client.index}: {what} {batch_id} ({len(batch)} responses) got {lines!r}")
            return False
        client.acknowledged[batch_id] = (batch, acceptance(lines))
        client.last_acknowledged = batch_id
        client.pending = None
        return True

    def unexpected(self, client, what, lines):
        # During a cut, surveyd may answer 451 (its disk fails) before it is killed.
        if not self.cutting.is_set():
            self.violation(f"client {client.index}: {what}: unexpected reply {lines!r}")
        return False


# The file system and the daemon.

class LazyFS:
    def __init__(self, work, mountpoint):
        self.mountpoint = mountpoint
        self.socket = os.path.join(work, "lazyfs.sock")
        self.image = os.path.join(work, "lazyfs.image")
        self.log = os.path.join(work, "lazyfs.log")
        self.process = None

    def mount(self):
        with open(self.log, "a") as log_file:
            self.process = subprocess.Popen(DIE_WITH_PARENT + [sys.executable, os.path.join(HERE, "lazyfs.py"), self.mountpoint,
                                             "--control", self.socket, "--image", self.image],
                                            stdout=log_file, stderr=log_file)
        deadline = time.monotonic() + 30
        while not (os.path.exists(self.socket) and os.path.ismount(self.mountpoint)):
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"lazyfs did not mount {self.mountpoint}:\n{tail(self.log)}")
            time.sleep(0.02)

    def command(self, text, timeout=180):
        if self.process.poll() is not None:
            raise Failure(f"lazyfs exited ({self.process.returncode}):\n{tail(self.log)}")
        with socket.socket(socket.AF_UNIX) as sock:
            sock.settimeout(timeout)
            sock.connect(self.socket)
            sock.sendall(text.encode() + b"\n")
            reply = json.loads(sock.makefile().readline())
        if not reply.pop("ok"):
            raise Failure(f"lazyfs refused '{text}': {reply}")
        return reply

    def unmount(self, after_cut=False):
        """After a cut, lazyfs has saved the durable state (which can no longer change): if it does
        not answer within a minute, it is killed and the next mount loads that image. Twice in CI
        its event loop stalled after surveyd was killed during start-up (no reply in 60, then
        180 s); the state the test checks is the same either way. Returns whether it was killed."""
        if after_cut:
            try:
                self.command("unmount", timeout=60)
            except (TimeoutError, socket.timeout):
                log("lazyfs did not answer 'unmount' within 60 s after a cut; killed, the durable state is mounted from its image")
                self.kill()
                self.process = None
                if os.path.exists(self.socket):
                    os.unlink(self.socket)  # the next lazyfs binds its own
                return True
        else:
            self.command("unmount")
        try:
            self.process.wait(30)
        except subprocess.TimeoutExpired:
            raise Failure(f"lazyfs did not unmount:\n{tail(self.log)}")
        if self.process.returncode != 0 or os.path.ismount(self.mountpoint):
            raise Failure(f"lazyfs exited {self.process.returncode} (mounted: {os.path.ismount(self.mountpoint)}):\n{tail(self.log)}")
        self.process = None
        return False

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()
        subprocess.run(["umount", "-l", self.mountpoint], stderr=subprocess.DEVNULL)


class Surveyd:
    def __init__(self, bin_dir, work, config, state, port):
        self.bin_dir, self.work, self.config, self.state, self.port = bin_dir, work, config, state, port
        self.process = None
        self.runs = 0
        self.log = None

    def start(self):
        self.runs += 1
        self.log = os.path.join(self.work, "logs", f"surveyd-{self.runs:03}.log")
        with open(self.log, "w") as log_file:
            self.process = subprocess.Popen(DIE_WITH_PARENT + [os.path.join(self.bin_dir, "surveyd"), "--config", self.config, "--state-dir", self.state,
                                             "--listen", f"127.0.0.1:{self.port}", "--log-target", "stderr"],
                                            stdout=log_file, stderr=log_file, cwd="/")

    def text(self):
        with open(self.log, encoding="utf-8", errors="replace") as file:
            return file.read()

    def wait_for(self, needle, timeout=30):
        deadline = time.monotonic() + timeout
        while needle not in self.text():
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"surveyd ({'exited ' + str(self.process.returncode) if self.process.poll() is not None else 'running'}) "
                              f"never logged '{needle}'; its log ({self.log}):\n{tail(self.log)}")
            time.sleep(0.01)

    def wait_until_published(self):
        """Start-up: ready, and its publication done (a failed one is a failure of the test)."""
        self.wait_for("] ready")
        deadline = time.monotonic() + 60
        while True:
            text = self.text()
            if re.search(r"reason=start .*\] publish failed", text):
                raise Failure(f"the start-up publication failed; surveyd's log ({self.log}):\n{tail(self.log)}")
            if re.search(r"reason=start .*\] publish done", text):
                return
            if self.process.poll() is not None or time.monotonic() > deadline:
                raise Failure(f"no start-up publication; surveyd's log ({self.log}):\n{tail(self.log)}")
            time.sleep(0.01)

    def kill(self):
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process:
            self.process.wait()

    def surveyctl(self, *arguments):
        return subprocess.run([os.path.join(self.bin_dir, "surveyctl"), *arguments, "--config", self.config, "--state-dir", self.state],
                              capture_output=True, text=True, timeout=120)


def tail(path, lines=40):
    try:
        with open(path, encoding="utf-8", errors="replace") as file:
            return "".join(file.readlines()[-lines:])
    except OSError:
        return "(no log)"


def missing_summaries(summaries):
    """Periods that index.json links to whose files are not there, or not whole (what an
    administrator opening index.html would find); index.json itself must be whole when present."""
    try:
        with open(os.path.join(summaries, "index.json"), encoding="utf-8") as file:
            index = json.load(file)
    except FileNotFoundError:
        return []
    except ValueError as error:
        return [f"index.json is not whole: {error}"]
    paths, todo = [], [index]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if isinstance(item.get("path"), str) and "period" in item:
                paths.append(item["path"])
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
    missing = []
    for path in sorted(paths):
        names = [name for name in ("summary.json", "summary.csv", "report.html") if not os.path.isfile(os.path.join(summaries, path, name))]
        if names:
            missing.append(f"{path}: no {', '.join(names)}")
            continue
        try:
            with open(os.path.join(summaries, path, "summary.json"), encoding="utf-8") as file:
                json.load(file)
        except ValueError as error:
            missing.append(f"{path}/summary.json is not whole: {error}")
    return missing


def plural(count, noun):
    return f"{count} {noun}" + ("" if count == 1 else "s")


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# The checks.

class Checker:
    def __init__(self, database, summaries):
        self.database, self.summaries = database, summaries
        self.checks = 0
        self.batches_checked = 0
        self.responses_checked = 0
        self.acknowledged_checked = 0
        self.joined = {}
        self.unanswered_stored = self.unanswered_missing = 0  # batches whose reply the cut took

    def expected(self, batch_id, lines):
        """A sent batch's lines as the check query joins them (cached: batches are never changed)."""
        if batch_id not in self.joined:
            self.joined[batch_id] = "\n".join(lines)
        return self.joined[batch_id]

    def check(self, clients, context, final=False):
        """Checks the database against what the clients sent and were told; returns the number of
        stored batches and responses."""
        try:
            return self.check_database(clients, context, final)
        except sqlite3.Error as error:
            raise Failure(f"after {context}: the database cannot be read: {error}")

    def check_database(self, clients, context, final):
        problems = []
        connection = sqlite3.connect(f"file:{self.database}?mode=ro", uri=True, timeout=30, isolation_level=None)
        try:
            connection.execute("BEGIN")
            integrity = [row[0] for row in connection.execute("PRAGMA integrity_check")]
            if integrity != ["ok"]:
                problems.append(f"PRAGMA integrity_check: {integrity[:10]}")
            dangling = connection.execute("PRAGMA foreign_key_check").fetchall()
            if dangling:
                problems.append(f"PRAGMA foreign_key_check: {dangling[:10]}")
            mismatches = connection.execute(RECOUNT).fetchone()[0]
            if mismatches:
                problems.append(f"span_tallies differ from a recount of the responses in {mismatches} rows")
            # Each batch's responses as the lines that were sent, in order, joined by SQLite.
            stored = {}
            responses = 0
            for batch_id, count, received_at, state, held, rows, content in connection.execute("""
                    SELECT b.client_batch_id, b.response_count, b.received_at, b.state, b.held,
                           (SELECT COUNT(*) FROM responses r WHERE r.batch_id = b.id),
                           (SELECT group_concat(line, char(10)) FROM (
                               SELECT 'R ' || date(r.collected_on * 86400, 'unixepoch') || ' ' || t.code || ' ' || g.code || ' ' || s.code AS line
                               FROM responses r JOIN topics t ON t.id = r.topic_id JOIN respondent_groups g ON g.id = r.group_id
                               JOIN sentiments s ON s.id = r.sentiment_id WHERE r.batch_id = b.id ORDER BY r.id))
                    FROM batches b ORDER BY b.id"""):
                if batch_id in stored:
                    problems.append(f"batch {batch_id} is stored twice")
                stored[batch_id] = (count, received_at, state, held, rows, content or "")
                responses += rows
            connection.execute("COMMIT")
            publications = connection.execute("SELECT kind, period, revision FROM publications").fetchall()
        finally:
            connection.close()

        sent = {}
        for client in clients:
            sent.update(client.sent)
        for batch_id, (count, received_at, state, held, rows, content) in stored.items():
            if batch_id not in sent:
                problems.append(f"batch {batch_id} is stored but was never sent")
            elif content != self.expected(batch_id, sent[batch_id]):
                problems.append(f"batch {batch_id} is stored with {rows} responses (count {count}), not the {len(sent[batch_id])} sent"
                                + (" (in part)" if rows < len(sent[batch_id]) else " (other content)"))
            elif count != rows:
                problems.append(f"batch {batch_id}: response_count {count}, {rows} responses stored")
            if state != "accepted" or held:
                problems.append(f"batch {batch_id}: state {state}, held {held}")
        acknowledged = 0
        for client in clients:
            for batch_id, (lines, reply) in client.acknowledged.items():
                acknowledged += 1
                if batch_id not in stored:
                    problems.append(f"acknowledged batch {batch_id} is missing ({reply!r})")
                elif not reply.endswith(f" received {stored[batch_id][1]}"):
                    problems.append(f"acknowledged batch {batch_id}: stored as received {stored[batch_id][1]}, acknowledged as {reply!r}")
        for client in clients:
            if client.pending:
                if client.pending[0] in stored:
                    self.unanswered_stored += 1
                else:
                    self.unanswered_missing += 1
        if final:
            unacknowledged = sorted(set(stored) - {batch_id for client in clients for batch_id in client.acknowledged})
            if unacknowledged:
                problems.append(f"{len(unacknowledged)} batches stored but never acknowledged, although every client settled its batches: {unacknowledged[:10]}")
            unsettled = [client.index for client in clients if client.pending]
            if unsettled:
                problems.append(f"clients {unsettled} still have an unanswered batch")

        for kind, period, revision in publications:
            folder = os.path.join(self.summaries, kind, period)
            for name in ("summary.json", "summary.csv", "report.html"):
                if not os.path.isfile(os.path.join(folder, name)):
                    problems.append(f"published period {kind}/{period} (revision {revision}) has no {name}")
        for folder, _, names in os.walk(self.summaries):
            for name in names:
                if name.endswith(".json") and not name.startswith("."):
                    try:
                        with open(os.path.join(folder, name), encoding="utf-8") as file:
                            json.load(file)
                    except (OSError, ValueError) as error:
                        problems.append(f"summary file {os.path.join(folder, name)} is not whole: {error}")

        if problems:
            raise Failure(f"after {context}:\n  " + "\n  ".join(problems[:40]) + (f"\n  … and {len(problems) - 40} more" if len(problems) > 40 else ""))
        self.checks += 1
        self.batches_checked += len(stored)
        self.responses_checked += responses
        self.acknowledged_checked += acknowledged
        return len(stored), responses


# The run.

def main():
    if len(sys.argv) != 2:
        print(__doc__, file=sys.stderr)
        return 64
    bin_dir = os.path.abspath(sys.argv[1])
    for tool in ("surveyd", "surveyctl"):
        if not os.access(os.path.join(bin_dir, tool), os.X_OK):
            print(f"powerloss: no {tool} in {bin_dir}", file=sys.stderr)
            return 64
    seed = int(os.environ["SEED"]) if os.environ.get("SEED") else random.SystemRandom().randrange(1 << 32)
    cuts_wanted = int(os.environ.get("POWERLOSS_CUTS") or 50)
    client_count = int(os.environ.get("POWERLOSS_CLIENTS") or 12)
    if client_count < 1 or cuts_wanted < 0:
        print("powerloss: POWERLOSS_CLIENTS must be at least 1 and POWERLOSS_CUTS at least 0", file=sys.stderr)
        return 64
    log(f"seed {seed} (SEED={seed} replays the choices: cut moments, kinds, pages kept; not the threads' timing); "
        f"{cuts_wanted} power cuts, {client_count} clients")
    def stopped(*_):
        raise Failure("stopped by SIGTERM (the time limit of scripts/test?)")
    signal.signal(signal.SIGTERM, stopped)
    rng = random.Random(seed)
    started = time.monotonic()
    work = tempfile.mkdtemp(prefix="surveyd-powerloss-")
    os.makedirs(os.path.join(work, "logs"))
    mountpoint = os.path.join(work, "disk")
    os.makedirs(mountpoint)
    state = os.path.join(mountpoint, "state")
    config = os.path.join(work, "surveyd.conf")
    shutil.copy(os.path.join(REPO, "config", "surveyd.conf"), config)
    fs = LazyFS(work, mountpoint)
    daemon = Surveyd(bin_dir, work, config, state, free_port())
    checker = Checker(os.path.join(state, "surveyd.sqlite"), os.path.join(state, "summaries"))
    kinds = {"load/lose": 0, "load/writeback": 0, "start-up/lose": 0, "start-up/writeback": 0}
    crashes = 0
    pages_lost = collections.Counter()     # file name -> unflushed pages the cuts dropped
    entries_lost = collections.Counter()   # directory -> cuts that dropped unflushed entries in it
    summaries_checked = [0]                # cuts after which the linked summaries were all there
    stalls = [0]                           # unmounts lazyfs did not answer (killed; its image mounted)
    try:
        fs.mount()
        os.makedirs(state)
        clients = []
        for index in range(client_count):
            added = daemon.surveyctl("collaborator", "add", "--unit", UNITS[index % len(UNITS)], "--name", f"Cộng tác viên {index}", "--json")
            if added.returncode != 0:
                raise Failure(f"surveyctl collaborator add failed ({added.returncode}): {added.stderr}")
            result = json.loads(added.stdout)
            clients.append(Client(index, result["collaborator"]["id"], result["token"]))
        fs.command("sync")   # the setup is on disk

        def power_cut(where):
            mode = rng.choice(["lose", "writeback"])
            cut = fs.command(f"cut {mode} {rng.randrange(1 << 32)}")
            daemon.kill()
            if fs.unmount(after_cut=True):
                stalls[0] += 1
            fs.mount()
            kinds[f"{where}/{mode}"] += 1
            # Before surveyd republishes: the summaries as an administrator finds them after the cut.
            missing = missing_summaries(checker.summaries)
            if missing:
                raise Failure(f"right after cut {cuts + 1} ({mode}), before surveyd restarts, index.json links to periods "
                              f"whose files the cut took away:\n  " + "\n  ".join(missing[:20]))
            summaries_checked[0] += 1
            for path, pages in cut["files"].items():
                pages_lost[os.path.basename(path)] += pages["dirty_pages_lost"]
            entries_lost.update(cut["directories_with_entries_lost"])
            return cut

        cuts = 0
        context = "setup"
        while True:
            daemon.start()
            if cuts < cuts_wanted and rng.random() < 0.12:
                time.sleep(rng.uniform(0, 0.15))
                power_cut("start-up")
                cuts += 1
                context = f"cut {cuts} (during start-up)"
                log(context)
                continue
            daemon.wait_until_published()
            checker.check(clients, context)
            if cuts == cuts_wanted:
                break
            load = Load(clients, daemon.port, batches=1 << 60)
            load.start()
            deadline = time.monotonic() + rng.uniform(0.1, 1.0)
            reload = rng.random() < 0.3 and time.monotonic() + rng.uniform(0, 1.0)
            while time.monotonic() < deadline:
                if reload and time.monotonic() >= reload:
                    daemon.process.send_signal(signal.SIGHUP)   # a publication during the load
                    reload = False
                time.sleep(0.005)
            if daemon.process.poll() is not None:
                raise Failure(f"surveyd exited {daemon.process.returncode} during the load, before any cut:\n{tail(daemon.log)}")
            load.cutting.set()
            if rng.random() < 0.2:
                daemon.kill()
                crashes += 1
                context = f"crash {crashes} (SIGKILL, no power loss)"
            else:
                cut = power_cut("load")
                mode = cut["mode"]
                cuts += 1
                lost = ", ".join(f"{os.path.basename(path)} {pages['dirty_pages_lost']}" + (f"+{pages['dirty_pages_written_back']}" if mode == "writeback" else "")
                                 for path, pages in sorted(cut["files"].items()))
                entries = f"; entries lost in {', '.join(cut['directories_with_entries_lost'])}" if cut["directories_with_entries_lost"] else ""
                context = f"cut {cuts} ({cut['mode']}; unflushed pages lost{'+written back' if mode == 'writeback' else ''}: {lost or 'none'}{entries})"
            load.join()
            log(f"{context}; {sum(len(client.acknowledged) for client in clients)} batches acknowledged so far")
            if load.violations:
                raise Failure(f"before {context}:\n  " + "\n  ".join(load.violations[:20]))

        # Settle: every client re-sends its unanswered batch and its last acknowledged one.
        load = Load(clients, daemon.port, batches=0)
        load.start()
        load.join()
        if load.violations:
            raise Failure("while settling:\n  " + "\n  ".join(load.violations[:20]))
        batches, responses = checker.check(clients, "the last restart, every batch settled", final=True)
        if batches < 4 * cuts:
            raise Failure(f"the load was too light to prove anything: {batches} batches for {cuts} cuts")
        published = daemon.surveyctl("publish")
        if published.returncode != 0:
            raise Failure(f"surveyctl publish failed ({published.returncode}): {published.stderr}{published.stdout}")
        daemon.process.send_signal(signal.SIGTERM)
        status = daemon.process.wait(60)
        if status != 0:
            raise Failure(f"surveyd exited {status} on SIGTERM:\n{tail(daemon.log)}")
        fs.unmount()
    except Failure as failure:
        daemon.kill()
        fs.kill()
        log(f"FAILED (seed {seed}; SEED={seed} to replay; logs kept in {work}): {failure}")
        return 1
    except BaseException:
        daemon.kill()
        fs.kill()
        log(f"ERROR (seed {seed}; logs kept in {work})")
        raise
    acknowledged = sum(len(client.acknowledged) for client in clients)
    retries = sum(client.retries for client in clients)
    repeats = sum(client.repeats for client in clients)
    elapsed = time.monotonic() - started
    log(f"{cuts} power cuts ({kinds['load/lose']} during the load losing every unflushed write, {kinds['load/writeback']} with part of them "
        f"written back; {kinds['start-up/lose'] + kinds['start-up/writeback']} during start-up), {crashes} crashes without power loss, "
        f"{daemon.runs} starts of surveyd")
    log(f"{acknowledged} batches acknowledged ({responses} responses), all found once, whole; {retries} unanswered batches re-sent "
        f"and acknowledged, {repeats} acknowledged batches re-sent and answered with their first acknowledgement; after the restarts, "
        f"{checker.unanswered_stored} unanswered batches were found stored (whole) and {checker.unanswered_missing} not at all")
    log(f"{checker.checks} checks after restarts: {checker.batches_checked} stored batches and {checker.responses_checked} responses "
        f"compared with what was sent, {checker.acknowledged_checked} acknowledgements looked up; tallies equal a recount, "
        f"integrity ok, summaries republished; right after each of the {summaries_checked[0]} cuts every period index.json "
        f"links to had its files, whole")
    log("unflushed 4 KiB pages the cuts dropped: " + ", ".join(f"{name} {count}" for name, count in pages_lost.most_common()))
    if entries_lost:
        log("cuts that dropped unflushed directory entries: " + ", ".join(f"{path} {count}" for path, count in sorted(entries_lost.items())))
    if stalls[0]:
        log(f"lazyfs did not answer 'unmount' after {stalls[0]} cuts; each time it was killed and its image mounted")
    log(f"passed in {elapsed:.0f} s (seed {seed})")
    shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
