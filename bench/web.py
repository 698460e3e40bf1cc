#!/usr/bin/python3
"""The web front under load (issue 28): real nginx with TLS and auth_request in front of surveyweb
and surveyd, release binaries.

- wrk, 100 connections (100 administrators signed in, each with a session of their own, spread
  over the connections by a Lua script), 20 s each: the front page (index.html, about 190 KB with
  the heat map and trends of a year of data) and a week's summary.json; requests per second and
  latency percentiles, once as fast as the connections can ask (the machine's saturation, wrk on
  the same two cores) and once with each administrator asking every 100 ms (--pace-ms). Goal:
  p99 < 50 ms.
- An upload of a 5,000-response workbook (openpyxl) through nginx: seconds from the request to the
  result page, 3 runs (different responses each time, so each is stored). Goal: under 2 s.

    bench/web.py BIN_DIR [--seconds 20] [--connections 100]

Prints a Markdown table for docs/BENCHMARKS.md.
"""
import argparse
import datetime
import io
import json
import os
import pathlib
import random
import re
import subprocess
import sys
import time

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent.parent / "Tests" / "Web"))
from webstack import WebStack, cookies_of, csrf_of  # noqa: E402

import openpyxl  # noqa: E402


def sign_in(stack, form: str) -> str:
    """A session, made on surveyweb's own port: through nginx, 100 sign-ins from one address
    would meet its limit of 10 a minute."""
    url = f"http://127.0.0.1:{stack.web_port}/app/signin"
    status, headers, page = stack.http(url)
    signin = cookies_of(headers)["surveyd_signin"]
    status, headers, _ = stack.http(url, cookie=f"surveyd_signin={signin}",
                                    data=f"csrf={csrf_of(page)}&{form}".encode(),
                                    headers={"Content-Type": "application/x-www-form-urlencoded"})
    session = cookies_of(headers).get("surveyd_session")
    assert status == 303 and session, f"sign-in failed: {status}"
    return f"surveyd_session={session}"


def wrk(stack, path, cookies, seconds, connections, pace_ms=0):
    """wrk with each request carrying one of the sessions' cookies in turn; with `pace_ms`, each
    connection (an administrator) waits that long after each answer, as a person would, instead
    of asking again at once (closed loop: the machine's saturation)."""
    lua = stack.dir / "sessions.lua"
    lua.write_text("local cookies = {" + ",".join(f'"{c}"' for c in cookies) + "}\n"
                   + (f"function delay() return {pace_ms} end\n" if pace_ms else "")
                   + "local i = 0\n"
                   "request = function()\n"
                   "  i = i + 1\n"
                   "  return wrk.format('GET', nil, {['Cookie'] = cookies[(i % #cookies) + 1]})\n"
                   "end\n")
    out = subprocess.run(["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(lua), stack.url + path],
                         capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    percentiles = dict(re.findall(r"\s+(50|75|90|99)%\s+([\d.]+\w+)", out))
    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    errors = re.search(r"Socket errors: (.*)", out)
    return rps, percentiles, int(non2xx.group(1)) if non2xx else 0, errors.group(1) if errors else "none", out


def workbook(n: int, seed: int) -> bytes:
    rng = random.Random(seed)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Phiếu"
    sheet.append(["Ngày", "Chủ đề", "Nhóm", "Thái độ"])
    today = datetime.date.today()
    for _ in range(n):
        sheet.append([today - datetime.timedelta(days=rng.randint(1, 20)), rng.choice(["Chuyển đổi số", "Công tác cán bộ"]),
                      rng.choice(["Nhân dân", "Cán bộ", "Đảng viên"]), rng.choice(["Đồng tình", "Phân vân", "Không đồng tình"])])
    data = io.BytesIO()
    book.save(data)
    return data.getvalue()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("bin")
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=100)
    parser.add_argument("--pace-ms", type=int, default=100, help="a paced run too: each connection waits this long between requests")
    args = parser.parse_args()
    today = datetime.date.today()
    with WebStack(args.bin) as stack:
        # A year of data for 16 units, so the front page is as large as in use.
        units = [line.split()[0] for line in stack.store("units").stdout.splitlines()[1:] if line.strip()]
        rng = random.Random(1)
        for unit in units:
            cid, token = stack.add_collaborator(unit)
            for week in range(52):
                day = today - datetime.timedelta(days=7 * week + 8)
                lines = [f"{day.isoformat()} {rng.choice(['CDS', 'CANBO', 'YTE', 'GIAODUC'])} {rng.choice(['CB', 'DV', 'ND'])} "
                         f"{rng.choice(['DONGTINH', 'PHANVAN', 'KHONGDONGTINH'])}" for _ in range(60)]
                stack.submit(cid, token, lines, f"w{week}")
        stack.publish()
        weeks = sorted(p.name for p in (stack.summaries / "week").iterdir())
        password = "bench-password-2026"
        for index in range(args.connections):
            stack.add_account(f"admin{index}", password) if index < 3 else None
        # 100 sessions (three accounts, signed in many times: a session each, as 100 browsers).
        cookies = [sign_in(stack, f"kind=administrator&name=admin{i % 3}&password={password}") for i in range(args.connections)]
        size = len(stack.http("/index.html", cookie=cookies[0])[2])
        rows = []
        for label, path in [(f"front page (index.html, {size // 1024} KB)", "/index.html"),
                            (f"summary.json of week {weeks[-1]}", f"/week/{weeks[-1]}/summary.json")]:
            for pace in [0, args.pace_ms]:
                rps, p, bad, errors, raw = wrk(stack, path, cookies, args.seconds, args.connections, pace)
                print(raw, file=sys.stderr)
                load = "as fast as they can (saturation)" if pace == 0 else f"each every {pace} ms"
                rows.append(f"| {label} | {load} | {rps:,.0f} | {p.get('50')} | {p.get('90')} | {p.get('99')} | {bad} | {errors} |")
        # Uploads of 5,000 responses.
        cid, token = stack.add_collaborator("DH")
        cookie = sign_in(stack, f"kind=collaborator&collaborator={cid}&token={token}")
        _, _, page = stack.http("/app/collaborator", cookie=cookie)
        csrf = csrf_of(page)
        times = []
        for run in range(3):
            data = workbook(5000, seed=run)
            boundary = "benchboundary"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{csrf}\r\n"
                    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"phieu.xlsx\"\r\n"
                    "Content-Type: application/vnd.openxmlformats-officedocument.spreadsheetml.sheet\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
            start = time.monotonic()
            status, _, result = stack.http("/app/collaborator/upload", cookie=cookie, data=body,
                                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            elapsed = time.monotonic() - start
            assert status == 200 and "Đã nhận 5000 ý kiến" in result.decode(), result.decode()[-2000:]
            times.append(elapsed)
        print(f"\n{args.connections} connections, {args.seconds} s each, wrk -t2 --latency; {os.cpu_count()} cores\n")
        print("| request | 100 administrators asking | requests/s | p50 | p90 | p99 | non-2xx | socket errors |")
        print("|---|---|---|---|---|---|---|---|")
        print("\n".join(rows))
        print(f"\nupload of a 5,000-response workbook ({len(data) // 1024} KB): " + ", ".join(f"{t:.2f} s" for t in times))
        print(f"responses stored: {stack.count('SELECT COUNT(*) FROM responses')}")


if __name__ == "__main__":
    main()
