"""The web front as it runs for real, for the tests and the benchmark: surveyd, surveyweb and an
nginx of its own (TLS with a generated certificate), each as the current user on free local ports,
in a temporary folder; stopped on exit."""
import os
import pathlib
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import tempfile
import time
import urllib.request
import ssl

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
# Debian installs nginx in /usr/sbin, outside an ordinary user's PATH.
NGINX = shutil.which("nginx") or shutil.which("nginx", path="/usr/sbin:/sbin") or "nginx"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(what, predicate, timeout=30.0, interval=0.05):
    """Waits until predicate() is true; raises with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    raise TimeoutError(f"waited {timeout} s for {what}")


def port_open(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.5):
            return True
    except OSError:
        return False


class WebStack:
    def __init__(self, bin_dir: str, config: str | None = None, idle_minutes: float = 30, keep: bool = False):
        self.bin = pathlib.Path(bin_dir)
        self.dir = pathlib.Path(tempfile.mkdtemp(prefix="surveyd-web-"))
        self.keep = keep
        self.config = config or str(ROOT / "config" / "surveyd.conf")
        self.state = self.dir / "state"
        self.web_state = self.dir / "web"
        self.summaries = self.state / "summaries"
        self.surveyd_port = free_port()
        self.web_port = free_port()
        self.https_port = free_port()
        self.http_port = free_port()
        self.idle_minutes = idle_minutes
        self.processes = {}
        self.url = f"https://127.0.0.1:{self.https_port}"

    # -- processes ---------------------------------------------------------------------------
    def start(self):
        self.state.mkdir()
        self.start_surveyd()
        self.start_web()
        self.start_nginx()
        return self

    def start_surveyd(self):
        log = open(self.dir / "surveyd.log", "ab")
        self.processes["surveyd"] = subprocess.Popen(
            [self.bin / "surveyd", "--config", self.config, "--state-dir", self.state,
             "--listen", f"127.0.0.1:{self.surveyd_port}", "--log-target", "stderr"],
            stdout=log, stderr=log)
        wait_for("surveyd", lambda: port_open(self.surveyd_port))

    def start_web(self):
        log = open(self.dir / "web.log", "ab")
        self.processes["surveyweb"] = subprocess.Popen(
            [self.bin / "surveyweb", "--config", self.config, "--state-dir", self.web_state,
             "--listen", f"127.0.0.1:{self.web_port}", "--surveyd", f"127.0.0.1:{self.surveyd_port}",
             "--summaries-dir", self.summaries, "--idle-minutes", str(self.idle_minutes), "--log", "stderr"],
            stdout=log, stderr=log)
        wait_for("surveyweb", lambda: port_open(self.web_port))

    def stop_web(self):
        self.stop("surveyweb")

    def start_nginx(self):
        nginx_dir = self.dir / "nginx"
        nginx_dir.mkdir()
        subprocess.run(
            ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", nginx_dir / "key.pem",
             "-out", nginx_dir / "cert.pem", "-days", "2", "-subj", "/CN=localhost",
             "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
            check=True, capture_output=True)
        config = subprocess.run(
            [ROOT / "scripts" / "web-config", "--standalone", nginx_dir, "--https", f"127.0.0.1:{self.https_port}",
             "--http", f"127.0.0.1:{self.http_port}", "--web", f"127.0.0.1:{self.web_port}",
             "--summaries", self.summaries.resolve(), "--cert", nginx_dir / "cert.pem", "--key", nginx_dir / "key.pem"],
            check=True, capture_output=True, text=True).stdout
        (nginx_dir / "nginx.conf").write_text(config)
        log = open(self.dir / "nginx.log", "ab")
        self.processes["nginx"] = subprocess.Popen(
            [NGINX, "-c", nginx_dir / "nginx.conf", "-p", nginx_dir], stdout=log, stderr=log)
        wait_for("nginx", lambda: port_open(self.https_port))

    def stop(self, name):
        process = self.processes.pop(name, None)
        if process and process.poll() is None:
            process.send_signal(signal.SIGTERM if name != "nginx" else signal.SIGQUIT)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def close(self):
        for name in ["nginx", "surveyweb", "surveyd"]:
            self.stop(name)
        if not self.keep:
            shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # -- administration ------------------------------------------------------------------------
    def surveyctl(self, *arguments, check=True):
        result = subprocess.run(
            [self.bin / "surveyctl", *map(str, arguments)], capture_output=True, text=True,
            env={**os.environ, "SURVEYD_CONFIG": self.config, "SURVEYWEB_STATE_DIR": str(self.web_state)})
        if check and result.returncode != 0:
            raise RuntimeError(f"surveyctl {' '.join(map(str, arguments))}: {result.returncode} {result.stderr}")
        return result

    def store(self, *arguments, check=True):
        return self.surveyctl(*arguments, "--state-dir", self.state, check=check)

    def add_collaborator(self, unit: str):
        out = self.store("collaborator", "add", "--unit", unit, "--name", f"CTV {unit}", "--json").stdout
        import json
        added = json.loads(out)
        return added["collaborator"]["id"], added["token"]

    def add_account(self, name: str, password: str, unit: str | None = None):
        path = self.dir / f"pw-{name}"
        path.write_text(password + "\n")
        scope = ["--unit", unit] if unit else ["--province"]
        self.surveyctl("account", "add", name, *scope, "--password-file", path)

    def submit(self, collaborator, token, lines: list[str], batch: str):
        """Sends a batch over the protocol, as a collaborator's program would."""
        with socket.create_connection(("127.0.0.1", self.surveyd_port), timeout=30) as s:
            f = s.makefile("rwb")
            f.readline()
            f.write(f"AUTH {collaborator} {token}\r\nBATCH {batch} {len(lines)}\r\n".encode())
            f.flush()
            assert f.readline().startswith(b"235"), "AUTH"
            assert f.readline().startswith(b"354"), "BATCH"
            f.write(("".join(f"R {line}\r\n" for line in lines) + "COMMIT\r\nQUIT\r\n").encode())
            f.flush()
            reply = f.readline()
            assert reply.startswith(b"250"), reply

    def publish(self):
        self.store("publish")

    def count(self, sql: str) -> int:
        with sqlite3.connect(self.state / "surveyd.sqlite") as db:
            return db.execute(sql).fetchone()[0]

    def log(self, name: str) -> str:
        return (self.dir / f"{name}.log").read_text(errors="replace")

    # -- HTTP without a browser ----------------------------------------------------------------
    def http(self, path: str, cookie: str | None = None, data: bytes | None = None, headers: dict | None = None,
             method: str | None = None, follow=False):
        """(status, headers, body) of one request through nginx; redirects are not followed."""
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE

        class NoRedirect(urllib.request.HTTPRedirectHandler):
            def redirect_request(self, *args, **kwargs):
                return None

        handlers = [urllib.request.HTTPSHandler(context=context)]
        if not follow:
            handlers.append(NoRedirect())
        opener = urllib.request.build_opener(*handlers)
        request = urllib.request.Request(self.url + path if path.startswith("/") else path, data=data, method=method)
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        if cookie:
            request.add_header("Cookie", cookie)
        try:
            with opener.open(request, timeout=60) as response:
                return response.status, response.headers, response.read()
        except urllib.error.HTTPError as error:
            return error.code, error.headers, error.read()


def csrf_of(html: bytes | str) -> str:
    text = html.decode() if isinstance(html, bytes) else html
    found = re.search(r'name="csrf" value="([0-9a-f]+)"', text)
    assert found, "no csrf field in the page"
    return found.group(1)


def cookies_of(headers) -> dict:
    jar = {}
    for value in headers.get_all("Set-Cookie") or []:
        name, _, rest = value.partition("=")
        jar[name] = rest.split(";")[0]
    return jar
