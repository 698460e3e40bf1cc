#!/usr/bin/python3
"""The web front end to end (issue 28): real nginx (TLS, auth_request), the real surveyweb and
surveyd, headless Chromium driven by Selenium with Debian's chromium-driver, workbooks filled in by
openpyxl. Checks what each kind of user sees and may not see, what an upload stores (in the
database), and that wrong tokens, ended sessions, missing CSRF tokens and large uploads are refused
with a clear page and nothing stored. Screenshots go to WEB_SCREENSHOTS (default
.build/web-screenshots).

    Tests/Web/web-e2e.py BIN_DIR
"""
import datetime
import io
import json
import os
import pathlib
import sys
import re
import time
import urllib.parse

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))
from webstack import WebStack, cookies_of, csrf_of, wait_for  # noqa: E402

import openpyxl  # noqa: E402
from selenium import webdriver  # noqa: E402
from selenium.webdriver.chrome.options import Options  # noqa: E402
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.common.exceptions import WebDriverException  # noqa: E402
from selenium.webdriver.support.ui import WebDriverWait  # noqa: E402

ROOT = pathlib.Path(__file__).resolve().parent.parent.parent
SHOTS = pathlib.Path(os.environ.get("WEB_SCREENSHOTS", ROOT / ".build" / "web-screenshots"))
PASSWORD = "mật-khẩu-tỉnh-2026"
failures = []


def check(condition, message):
    if condition:
        print(f"ok: {message}")
    else:
        print(f"FAIL: {message}")
        failures.append(message)


def browser():
    options = Options()
    options.add_argument("--headless=new")
    options.add_argument("--no-sandbox")
    options.add_argument("--ignore-certificate-errors")
    options.add_argument("--window-size=1000,1300")
    options.add_argument("--lang=vi")
    options.add_experimental_option("prefs", {"intl.accept_languages": "vi-VN,vi"})
    options.binary_location = "/usr/bin/chromium"
    driver = webdriver.Chrome(service=Service("/usr/bin/chromedriver"), options=options)
    driver.set_page_load_timeout(60)
    return driver


def shot(driver, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(SHOTS / f"{name}.png"))


def click_and_wait(driver, button):
    """Clicks a form's button and waits for the next page to replace this one."""
    old = driver.find_element(By.TAG_NAME, "html")
    button.click()

    def replaced(_):
        # Chromium says "stale element" or, while the old page is torn down, "node does not belong
        # to the document": either way the next page has replaced it.
        try:
            old.is_enabled()
            return False
        except WebDriverException:
            return True

    WebDriverWait(driver, 60).until(replaced)
    WebDriverWait(driver, 60).until(lambda d: d.execute_script("return document.readyState") == "complete")
    return driver.find_element(By.TAG_NAME, "body").text


def sign_in_admin(driver, stack, name, password):
    driver.delete_all_cookies()
    driver.get(stack.url + "/")
    forms = driver.find_elements(By.TAG_NAME, "form")
    form = next(f for f in forms if f.find_elements(By.NAME, "password"))
    form.find_element(By.NAME, "name").send_keys(name)
    form.find_element(By.NAME, "password").send_keys(password)
    click_and_wait(driver, form.find_element(By.TAG_NAME, "button"))


def sign_in_collaborator(driver, stack, collaborator, token):
    driver.delete_all_cookies()
    driver.get(stack.url + "/app/signin")
    form = next(f for f in driver.find_elements(By.TAG_NAME, "form") if f.find_elements(By.NAME, "token"))
    form.find_element(By.NAME, "collaborator").send_keys(str(collaborator))
    form.find_element(By.NAME, "token").send_keys(token)
    click_and_wait(driver, form.find_element(By.TAG_NAME, "button"))


def sign_in_over_http(stack, fields, address="127.0.0.1"):
    """Signs in without a browser, straight at surveyweb as nginx would pass it on (X-Real-IP): the
    browser's sign-ins before have spent nginx's allowance of 10 a minute for this address, which
    is checked at the end on its own. (status, headers, page) of the sign-in's answer."""
    direct = f"http://127.0.0.1:{stack.web_port}/app/signin"
    status, headers, page = stack.http(direct)
    signin = cookies_of(headers)["surveyd_signin"]
    return stack.http(direct, cookie=f"surveyd_signin={signin}", data=urllib.parse.urlencode({"csrf": csrf_of(page), **fields}).encode(),
                      headers={"Content-Type": "application/x-www-form-urlencoded", "X-Real-IP": address})


def session_cookie(driver):
    value = (driver.get_cookie("surveyd_session") or {}).get("value")
    return f"surveyd_session={value}" if value else None


def upload(driver, stack, path):
    driver.get(stack.url + "/app/collaborator")
    driver.find_element(By.NAME, "file").send_keys(str(path))
    return click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[enctype] button"))


def main(bin_dir):
    today = datetime.date.today()
    # A week released under the default calendar (weeks the Monday after), within the date window.
    day = today - datetime.timedelta(days=today.weekday() + 14)
    week = f"{day.isocalendar()[0]}-W{day.isocalendar()[1]:02d}"
    # The example configuration with a round open today, so the upload page shows its progress.
    config = pathlib.Path(os.environ.get("TMPDIR", "/tmp")) / f"web-e2e-{os.getpid()}.conf"
    config.write_text((ROOT / "config" / "surveyd.conf").read_text() + f"""
rounds:
  - code: WEB-TEST
    title: "Đợt thử nghiệm chuyển đổi số"
    topics: [CDS]
    from: {today - datetime.timedelta(days=10)}
    to: {today + datetime.timedelta(days=10)}
    targets:
      default: 100
  - code: WEB-PAST
    title: "Đợt đã kết thúc về công tác cán bộ"
    topics: [CANBO]
    from: {day - datetime.timedelta(days=3)}
    to: {day + datetime.timedelta(days=2)}
    targets:
      default: 30
""", encoding="utf-8")
    with WebStack(bin_dir, config=str(config)) as stack:
        print(f"stack in {stack.dir}: {stack.url}")
        stack.add_account("tinh", PASSWORD)
        stack.add_account("dh.quantri", PASSWORD, unit="DH")
        # The accounts file holds scrypt hashes that Python's hashlib (OpenSSL) verifies.
        import hashlib, base64, sqlite3
        with sqlite3.connect(stack.web_state / "accounts.sqlite") as db:
            stored = db.execute("SELECT password FROM account WHERE name = 'tinh'").fetchone()[0]
        _, log_n, r, p, salt, digest = stored.split("$")
        check(hashlib.scrypt(PASSWORD.encode(), salt=base64.b64decode(salt), n=1 << int(log_n), r=int(r), p=int(p),
                             maxmem=256 << 20, dklen=32) == base64.b64decode(digest) and log_n == "15",
              "the stored password is a scrypt hash (N=2^15) that OpenSSL's scrypt verifies")

        # Data for three units; the week is published.
        collaborators = {unit: stack.add_collaborator(unit) for unit in ["DH", "CA", "BDBP"]}
        for n, (unit, (cid, token)) in enumerate(collaborators.items()):
            lines = []
            for topic in ["CDS", "CANBO"]:
                for group, counts in [("ND", (12 + n, 6, 4)), ("CB", (7, 2, 1 + n)), ("DV", (2, 1, 0))]:
                    for sentiment, count in zip(["DONGTINH", "PHANVAN", "KHONGDONGTINH"], counts):
                        lines += [f"{day.isoformat()} {topic} {group} {sentiment}"] * count
            stack.submit(cid, token, lines, f"seed-{unit}")
        stack.publish()
        check((stack.summaries / "week" / week / "summary.json").exists(), f"week {week} is published")
        check((stack.summaries / "units" / "DH" / "week" / week / "report.html").exists(), "the unit's view of the week is published")

        # HTTP is redirected to HTTPS; nobody signed in is sent to the sign-in page.
        status, headers, _ = stack.http(f"http://127.0.0.1:{stack.http_port}/index.html")
        check(status == 301 and headers["Location"] == f"{stack.url}/index.html", f"HTTP redirects to HTTPS ({status})")
        status, headers, _ = stack.http("/week/" + week + "/summary.json")
        check(status == 303 and headers["Location"].endswith("/app/signin"), f"a file without a session sends to the sign-in page ({status})")

        driver = browser()
        try:
            # --- The province's administrator sees the front page -------------------------------
            sign_in_admin(driver, stack, "tinh", PASSWORD)
            wait_for("the front page", lambda: driver.current_url.endswith("/index.html"))
            body = driver.find_element(By.TAG_NAME, "body").text
            check("Cần chú ý" in body or "Tuần" in body, "the province administrator sees the front page")
            shot(driver, "1-province-front-page")
            province_cookie = session_cookie(driver)
            for path in ["/index.json", f"/week/{week}/summary.json", f"/week/{week}/summary.csv", "/alerts.html", "/units/CA/index.html"]:
                status, headers, _ = stack.http(path, cookie=province_cookie)
                check(status == 200, f"province administrator reads {path} ({status})")
            status, headers, _ = stack.http("/index.html", cookie=province_cookie)
            check(headers["Cache-Control"] == "no-cache" and "default-src 'none'" in headers["Content-Security-Policy"]
                  and headers["Strict-Transport-Security"], "summary files carry no-cache, CSP and HSTS")

            # --- A unit's administrator: their unit's view, 403 on everything else -------------
            sign_in_admin(driver, stack, "dh.quantri", PASSWORD)
            wait_for("the unit's page", lambda: driver.current_url.endswith("/units/DH/index.html"))
            shot(driver, "2-unit-front-page")
            click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "td a"))
            wait_for("the unit's report", lambda: "/units/DH/week/" in driver.current_url)
            report = driver.find_element(By.TAG_NAME, "body").text
            check("Huyện Định Hóa" in report and "Công an" not in report, "the unit's report shows its unit and no other")
            shot(driver, "3-unit-report")
            unit_cookie = session_cookie(driver)
            own = [f"/units/DH/week/{week}/{name}" for name in ["summary.json", "summary.csv", "report.html"]] + ["/units/DH/index.html"]
            # A closed round's results: the unit's view, linked from its front page.
            own += [f"/units/DH/rounds/WEB-PAST/results.{ext}" for ext in ["html", "csv", "json"]]
            status, _, unit_page = stack.http("/units/DH/index.html", cookie=unit_cookie)
            check('href="rounds/WEB-PAST/results.html"' in unit_page.decode(), "the unit's front page links the closed round's results")
            for path in own:
                status, _, _ = stack.http(path, cookie=unit_cookie)
                check(status == 200, f"unit administrator reads {path} ({status})")
            forbidden = ["/index.html", "/index.json", "/alerts.json", "/alerts.html", f"/week/{week}/summary.json",
                         f"/week/{week}/summary.csv", f"/week/{week}/report.html", "/units/CA/index.html",
                         f"/units/CA/week/{week}/summary.json", f"/units/CA/week/{week}/summary.csv",
                         f"/units/CA/week/{week}/report.html", "/units/DH/../CA/index.html", "/units/DH/%2e%2e/CA/index.html",
                         "/units/DH/..%2FCA%2Findex.html"]
            # Every kind of file of every granularity, another unit's and the province's: nginx asks
            # before it looks for the file, so the answer does not depend on which periods exist yet.
            periods = {"week": week, "month": f"{day.year}-{day.month:02d}", "quarter": f"{day.year}-Q{(day.month - 1) // 3 + 1}",
                       "year": f"{day.year}"}
            for kind, name in periods.items():
                for file in ["summary.json", "summary.csv", "report.html"]:
                    forbidden += [f"/{kind}/{name}/{file}", f"/units/CA/{kind}/{name}/{file}"]
            # The rounds' progress holds every unit's row: the province's only.
            forbidden += [f"/rounds/WEB-TEST/progress.{ext}" for ext in ["html", "csv", "json"]] + ["/units/CA/rounds/WEB-TEST/progress.json"]
            # The round's results for the province hold every unit's rows; another unit's view is its own.
            forbidden += [f"/rounds/WEB-PAST/results.{ext}" for ext in ["html", "csv", "json"]] + ["/units/CA/rounds/WEB-PAST/results.json"]
            check((stack.summaries / "rounds" / "WEB-PAST" / "results.json").exists(), "the closed round's results are published")
            check((stack.summaries / "rounds" / "WEB-TEST" / "progress.json").exists(), "the round's progress is published")
            forbidden = list(dict.fromkeys(forbidden))
            for path in forbidden:
                status, _, body = stack.http(path, cookie=unit_cookie)
                check(status == 403 and "Không được phép" in body.decode(), f"unit administrator gets 403 on {path} ({status})")
            # On a phone: the unit's front page and its report scroll down, not sideways.
            driver.set_window_size(390, 844)
            for page in ["/units/DH/index.html", f"/units/DH/week/{week}/report.html"]:
                driver.get(stack.url + page)
                width, wide = driver.execute_script("const e = document.documentElement; return [window.innerWidth, e.scrollWidth - e.clientWidth]")
                check(width <= 400 and wide <= 0, f"{page} fits a phone's width ({width} px window, {wide} px too wide)")
            shot(driver, "3b-unit-front-page-phone")
            driver.set_window_size(1000, 1300)
            driver.get(stack.url + "/units/CA/index.html")
            shot(driver, "4-unit-forbidden")
            # The unit's view holds the province's rows and the unit's exactly as the province file.
            status, _, own_json = stack.http(f"/units/DH/week/{week}/summary.json", cookie=unit_cookie)
            status, _, province_json = stack.http(f"/week/{week}/summary.json", cookie=province_cookie)
            mine, theirs = json.loads(own_json), json.loads(province_json)
            same = all(a["province"] == b["province"] and a["units"] == [u for u in b["units"] if u["unit"] == "DH"]
                       for a, b in zip(mine["topics"], theirs["topics"]))
            check(same and [u["code"] for u in mine["units"]] == ["DH"], "the unit's view equals the province file's rows for the province and DH")
            status, _, own_results = stack.http("/units/DH/rounds/WEB-PAST/results.json", cookie=unit_cookie)
            status, _, province_results = stack.http("/rounds/WEB-PAST/results.json", cookie=province_cookie)
            mine, theirs = json.loads(own_results)["summary"], json.loads(province_results)["summary"]
            same = all(a["province"] == b["province"] and a["units"] == [u for u in b["units"] if u["unit"] == "DH"]
                       for a, b in zip(mine["topics"], theirs["topics"]))
            check(same and len(theirs["topics"][0]["units"]) > 1 and [u["code"] for u in mine["units"]] == ["DH"],
                  "the unit's view of the round's results equals the province's results for the province and DH")
            driver.get(stack.url + "/units/DH/rounds/WEB-PAST/results.html")
            text = driver.find_element(By.TAG_NAME, "body").text
            check("Kết quả đợt điều tra" in text and "Huyện Định Hóa" in text and "Công an" not in text,
                  "the unit's administrator reads the round's results in the browser, their unit's and no other's")
            shot(driver, "3c-unit-round-results")

            # --- A collaborator: workbook, upload, already received ----------------------------
            cid, token = collaborators["DH"]
            sign_in_collaborator(driver, stack, cid, token)
            wait_for("the collaborator's page", lambda: driver.current_url.endswith("/app/collaborator"))
            shot(driver, "5-collaborator-page")
            # On a phone: no sideways scrolling.
            driver.set_window_size(390, 844)
            driver.get(stack.url + "/app/collaborator")
            width, wide = driver.execute_script("const e = document.documentElement; return [window.innerWidth, e.scrollWidth - e.clientWidth]")
            check(width <= 400 and wide <= 0, f"the collaborator's page fits a phone's width ({width} px window, {wide} px too wide)")
            shot(driver, "5b-collaborator-page-phone")
            driver.set_window_size(1000, 1300)
            cookie = session_cookie(driver)
            for path in ["/units/DH/index.html", f"/units/DH/week/{week}/summary.json", "/index.html"]:
                status, _, _ = stack.http(path, cookie=cookie)
                check(status == 403, f"a collaborator reads no summary file: {path} ({status})")
            status, headers, workbook = stack.http("/app/collaborator/workbook.xlsx", cookie=cookie)
            check(status == 200 and workbook[:2] == b"PK", f"the collaborator downloads the unit's workbook ({status})")
            book = openpyxl.load_workbook(io.BytesIO(workbook))
            sheet = book["Phiếu"]
            rows = [(today - datetime.timedelta(days=1 + i % 5), "Chuyển đổi số", ["Nhân dân", "Cán bộ"][i % 2],
                     ["Đồng tình", "Phân vân", "Không đồng tình"][i % 3]) for i in range(30)]
            for index, row in enumerate(rows, start=2):
                for column, value in enumerate(row, start=1):
                    sheet.cell(row=index, column=column, value=value)
            filled = stack.dir / "phieu-DH.xlsx"
            book.save(filled)
            before = stack.count("SELECT COUNT(*) FROM responses")
            text = upload(driver, stack, filled)
            check("Đã nhận 30 ý kiến" in text, "the upload is accepted with its count")
            check("Đợt thử nghiệm chuyển đổi số" in text and "30 (gồm 30 của tệp này)" in text, "the page shows the unit's progress in the open round, this file included")
            shot(driver, "6-upload-accepted")
            check(stack.count("SELECT COUNT(*) FROM responses") == before + 30, "30 responses stored")
            text = upload(driver, stack, filled)
            check("Đã nhận từ trước" in text, "the same file again says already received")
            shot(driver, "7-upload-already-received")
            check(stack.count("SELECT COUNT(*) FROM responses") == before + 30, "nothing stored twice")

            # A CSV of the collaborator's own, with labels, and one with a bad cell.
            own_csv = stack.dir / "cua-toi.csv"
            own_csv.write_text("Ngày,Chủ đề,Nhóm,Thái độ\n" + "".join(
                f"{(today - datetime.timedelta(days=2)).strftime('%d/%m/%Y')},Công tác cán bộ,Nhân dân,Đồng tình\n" for _ in range(4)), encoding="utf-8")
            text = upload(driver, stack, own_csv)
            check("Đã nhận 4 ý kiến" in text, "a CSV with labels (Công tác cán bộ, Nhân dân) is accepted")
            bad_book = openpyxl.Workbook()
            bad_sheet = bad_book.active
            bad_sheet.title = "Phiếu"
            bad_sheet.append(["Ngày", "Chủ đề", "Nhóm", "Thái độ"])
            bad_sheet.append([today - datetime.timedelta(days=1), "Chuyển đổi số", "Nhân dân", "Đồng tình"])
            bad_sheet.append([today - datetime.timedelta(days=1), "Chuyển đổi số", "Nông dân", "Đồng tình"])
            bad_path = stack.dir / "sai.xlsx"
            bad_book.save(bad_path)
            stored = stack.count("SELECT COUNT(*) FROM responses")
            text = upload(driver, stack, bad_path)
            check("Phiếu!C3" in text and "Nông dân" in text and "Chưa lưu gì" in text, "a bad cell is named (Phiếu!C3) and nothing stored")
            check(stack.count("SELECT COUNT(*) FROM responses") == stored, "nothing of the bad file stored")
            shot(driver, "8-upload-problems")

            # A missing CSRF token: refused, nothing stored.
            boundary = "b0undary"
            body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n"
                    + own_csv.read_text() + f"\r\n--{boundary}--\r\n").encode()
            status, _, page = stack.http("/app/collaborator/upload", cookie=cookie, data=body,
                                         headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
            check(status == 403 and "mã bảo vệ" in page.decode(), f"an upload without its CSRF token is refused ({status})")
            check(stack.count("SELECT COUNT(*) FROM responses") == stored, "nothing stored without the CSRF token")
            status, _, page = stack.http("/app/signin", data=b"kind=administrator&name=tinh&password=x",
                                         headers={"Content-Type": "application/x-www-form-urlencoded"})
            check(status == 403 and "hết hạn" in page.decode(), f"a sign-in without its CSRF token is refused ({status})")

            # Too large: nginx stops it and surveyweb's page says so.
            big = stack.dir / "lon.csv"
            big.write_bytes(b"x" * (18 << 20))
            driver.get(stack.url + "/app/collaborator")
            driver.find_element(By.NAME, "file").send_keys(str(big))
            text = click_and_wait(driver, driver.find_element(By.CSS_SELECTOR, "form[enctype] button"))
            check("Tệp quá lớn" in text, "a too-large upload gets a clear page")
            status, headers, page = stack.http("/app/collaborator/upload", cookie=cookie, data=b"x" * (18 << 20),
                                               headers={"Content-Type": "multipart/form-data; boundary=b"})
            check(status == 413 and "Tệp quá lớn" in page.decode() and "default-src 'none'" in (headers["Content-Security-Policy"] or "")
                  and headers["Strict-Transport-Security"] and headers["X-Content-Type-Options"] == "nosniff",
                  f"the too-large page is a 413 with the usual security headers ({status})")
            shot(driver, "9-upload-too-large")
            # Chromium keeps sending the body nginx refused; a new browser goes on.
            driver.quit()
            driver = browser()
            check(stack.count("SELECT COUNT(*) FROM responses") == stored, "nothing stored from the large upload")

            # A wrong token: a clear page, no session.
            sign_in_collaborator(driver, stack, cid, token + "x")
            text = driver.find_element(By.TAG_NAME, "body").text
            check("Sai mã cộng tác viên hoặc mã truy cập" in text and session_cookie(driver) is None, "a wrong token is refused")
            shot(driver, "10-wrong-token")

            # Revoking the collaborator ends the session at once.
            sign_in_collaborator(driver, stack, cid, token)
            wait_for("the collaborator's page", lambda: driver.current_url.endswith("/app/collaborator"))
            stack.store("collaborator", "revoke", str(cid))
            driver.get(stack.url + "/app/collaborator")
            text = driver.find_element(By.TAG_NAME, "body").text
            check("không còn hiệu lực" in text, "a revoked collaborator's session ends at once")

            # Removing an account ends its sessions at once.
            sign_in_admin(driver, stack, "tinh", PASSWORD)
            wait_for("the front page", lambda: driver.current_url.endswith("/index.html"))
            stack.surveyctl("account", "remove", "tinh")
            status, headers, _ = stack.http("/index.html", cookie=session_cookie(driver))
            check(status == 303 and headers["Location"].endswith("/app/signin"), f"a removed account's session ends ({status})")

            # Five wrong passwords lock the account; each failure is logged.
            for attempt in range(5):
                sign_in_admin(driver, stack, "dh.quantri", f"wrong-{attempt}")
            text = driver.find_element(By.TAG_NAME, "body").text
            check("tạm khoá" in text, "five wrong passwords lock the account")
            sign_in_admin(driver, stack, "dh.quantri", PASSWORD)
            check("tạm khoá" in driver.find_element(By.TAG_NAME, "body").text, "the right password does not open a locked account")
            log = stack.log("web")
            check(log.count("sign-in failed") >= 5 and "sign-in locked out" in log, "failures and the lockout are logged")
            listed = stack.surveyctl("account", "list", "--json").stdout
            check(json.loads(listed)[0]["locked"] is True, "surveyctl account list shows the lock")
            stack.surveyctl("account", "passwd", "dh.quantri", "--password-file", stack.dir / "pw-dh.quantri")
            sign_in_admin(driver, stack, "dh.quantri", PASSWORD)
            check(driver.current_url.endswith("/units/DH/index.html"), "a new password lifts the lock")

            # English on request.
            driver.get(stack.url + "/app/signin?lang=en")
            check("Administrators" in driver.find_element(By.TAG_NAME, "body").text, "?lang=en gives English")
            shot(driver, "11-signin-english")
        finally:
            driver.quit()

        # An expired session: surveyweb restarted with sessions that last 3 seconds idle.
        stack.stop_web()
        stack.idle_minutes = 0.05
        stack.start_web()
        status, headers, _ = sign_in_over_http(stack, {"kind": "administrator", "name": "dh.quantri", "password": PASSWORD})
        session = cookies_of(headers).get("surveyd_session")
        set_cookie = next((c for c in headers.get_all("Set-Cookie") or [] if c.startswith("surveyd_session=")), "")
        check(all(a in set_cookie for a in ["HttpOnly", "Secure", "SameSite=Strict"]) and "Max-Age" not in set_cookie and "Expires" not in set_cookie,
              f"the session cookie is HttpOnly, Secure, SameSite=Strict, and forgotten when the browser closes ({set_cookie})")
        status, _, _ = stack.http("/units/DH/index.html", cookie=f"surveyd_session={session}")
        check(status == 200, "a fresh session reads the unit's page")
        # A collaborator's session (one not revoked above), with the upload form's token taken while it is fresh.
        other_cid, other_token = collaborators["CA"]
        status, headers, page = sign_in_over_http(stack, {"kind": "collaborator", "collaborator": other_cid, "token": other_token})
        collaborator_session = cookies_of(headers).get("surveyd_session")
        check(status == 303 and collaborator_session, f"a collaborator signs in ({status}{'' if status == 303 else ': ' + re.sub(r'<[^>]+>', ' ', page.decode())[-300:]})")
        status, _, page = stack.http("/app/collaborator", cookie=f"surveyd_session={collaborator_session}")
        check(status == 200 and collaborator_session, f"a fresh collaborator's session reads its page ({status})")
        upload_csrf = csrf_of(page)
        time.sleep(3.5)
        status, headers, _ = stack.http("/units/DH/index.html", cookie=f"surveyd_session={session}")
        check(status == 303, f"an expired session is sent to sign in ({status})")
        stored = stack.count("SELECT COUNT(*) FROM responses")
        boundary = "b0undary"
        body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"csrf\"\r\n\r\n{upload_csrf}\r\n"
                f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"x.csv\"\r\n\r\n"
                f"Ngày,Chủ đề,Nhóm,Thái độ\n{(today - datetime.timedelta(days=1)).strftime('%d/%m/%Y')},Chuyển đổi số,Nhân dân,Đồng tình\n"
                f"\r\n--{boundary}--\r\n").encode()
        status, headers, page = stack.http("/app/collaborator/upload", cookie=f"surveyd_session={collaborator_session}", data=body,
                                           headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
        check(status == 303 and "/app/signin" in (headers["Location"] or "") and stack.count("SELECT COUNT(*) FROM responses") == stored,
              f"an upload with an expired session is sent to sign in and stores nothing ({status} {headers['Location']})")
        status, headers, page = stack.http("/app/signin", cookie=f"surveyd_session={session}")
        check("hết hạn" in page.decode() and any(c.startswith("surveyd_session=;") and "Max-Age=0" in c for c in headers.get_all("Set-Cookie") or []),
              "the sign-in page says the session expired, and the browser forgets its cookie")

        # nginx limits sign-in attempts per address: 10 a minute with bursts of 10, then 429.
        statuses = []
        for _ in range(25):
            status, _, _ = stack.http("/app/signin", data=b"csrf=0&kind=administrator&name=tinh&password=x",
                                      headers={"Content-Type": "application/x-www-form-urlencoded"})
            statuses.append(status)
        check(statuses.count(429) >= 10, f"nginx answers 429 once an address has spent its sign-in attempts ({statuses.count(429)} of 25)")
        # surveyweb's own limit per address (behind nginx, which names the address in X-Real-IP):
        # after 10 failures from one address, even a right password is refused for 15 minutes.
        def attempt(name, password, address="203.0.113.9"):
            return sign_in_over_http(stack, {"kind": "administrator", "name": name, "password": password}, address=address)
        for n in range(10):
            attempt(f"khong-co-{n}", "sai")
        status, _, page = attempt("dh.quantri", PASSWORD)
        check(status == 429 and "Quá nhiều lần đăng nhập sai" in page.decode(), f"after 10 failures from one address, its next sign-in is refused ({status})")
        status, headers, _ = attempt("dh.quantri", PASSWORD, address="203.0.113.10")
        check(status == 303 and "surveyd_session" in cookies_of(headers), f"another address still signs in ({status})")
        check("too many failed sign-ins from this address" in stack.log("web"), "the address's lockout is logged")

    config.unlink(missing_ok=True)
    if failures:
        print(f"web-e2e: {len(failures)} checks failed", file=sys.stderr)
        return 1
    print(f"web-e2e: every check passed; screenshots in {SHOTS}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
