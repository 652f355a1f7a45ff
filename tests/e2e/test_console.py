"""The web console at /console, driven in headless Chromium (Debian's chromium and
chromedriver, through Selenium) against the whole platform: it loads, shows the demo's
data type and model versions, a predict made through the API moves the charts (the
windowed stats series), they say so while the stats app is down, an
audit search finds that request with its decision and every score, and the admin's
actions reach the gateway (a refusal is shown, a policy set from the form is in force).

With CONSOLE_SCREENSHOT=path the page is saved there after the audit search, and
CONSOLE_SCREENSHOT_TRAFFIC_S=seconds keeps the traffic going that much longer first, for
a chart with some history; that is how docs/console.png is made (the README says how)."""
from __future__ import annotations

import json
import os
import random
import shutil
import signal
import threading
import time
from pathlib import Path

import httpx
import pytest

from stack import demo
from tests.e2e.conftest import ADMIN_TOKEN, AUDIT_TOKEN, wait_for_status

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(180)]
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"
CHARTS = ("throughput", "latency", "wins", "late", "errors")
CANARY = "console-canary"  # a warm version beside the demo's: the canary column, and what the admin actions act on


@pytest.fixture(scope="module")
def browser():
    if not (shutil.which(CHROMIUM) and shutil.which(CHROMEDRIVER)):
        pytest.fail(f"{CHROMIUM} and {CHROMEDRIVER} are needed: `make browser` installs them (apt-get)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # --no-sandbox: the tests run as root in CI, where Chromium's sandbox refuses to start.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--window-size=1400,1800"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


@pytest.fixture(scope="module")
def console(platform, browser):
    """The console, open with the audit token (read-only)."""
    browser.get(f"{platform.url}/console")
    use_token(browser, AUDIT_TOKEN)
    return browser


def use_token(driver, token: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.ID, "token-input").send_keys(token)
    driver.find_element(By.CSS_SELECTOR, "#token-form button[type=submit]").click()
    assert driver.find_element(By.ID, "token-input").get_attribute("value") == ""  # not left on the page


def wait_until(driver, condition, timeout: float = 30.0, what: str = "condition"):
    from selenium.webdriver.support.ui import WebDriverWait

    return WebDriverWait(driver, timeout, poll_frequency=0.2).until(condition, message=what)


# The tables are redrawn on every poll, so an element found now may be gone a moment
# later: these read and click in one step in the page, never through a held reference.
def text_of(driver, css: str) -> str:
    return driver.execute_script("const e = document.querySelector(arguments[0]); return e ? e.innerText : '';", css)


def click(driver, css: str) -> None:
    assert driver.execute_script("const e = document.querySelector(arguments[0]); e && e.click(); return !!e;", css), css


def chart(driver, name: str) -> dict:
    raw = driver.execute_script(f"return document.querySelector('figure[data-chart={name}]').dataset.latest || '{{}}'")
    return json.loads(raw)


def test_it_loads_and_shows_the_demo_data_type_and_models(console):
    assert console.title == "Rendezvous serving console"
    for model in (demo.CHAMPION, demo.BACKSTOP):
        row = wait_until(console, lambda d, m=model: "ready" in text_of(d, f'tr[data-model="{m}:1"]') and
                         text_of(d, f'tr[data-model="{m}:1"]'), what=f"{model}:1 listed as ready")
        assert "iris" in row and "1 / 1" in row  # its data type, and its replica ready
    assert "serve" in text_of(console, f'tr[data-model="{demo.CHAMPION}:1"]')
    assert "backstop" in text_of(console, f'tr[data-model="{demo.BACKSTOP}:1"]')
    data_type = wait_until(console, lambda d: "deadline" in text_of(d, 'tr[data-data-type="iris"]') and
                           text_of(d, 'tr[data-data-type="iris"]'), what="iris with its policy")
    assert f"preferred={demo.CHAMPION}" in data_type
    # The token is in this tab's sessionStorage, and in no URL.
    assert console.execute_script("return sessionStorage.getItem('rvs-console-token')") == AUDIT_TOKEN
    assert AUDIT_TOKEN not in console.current_url


def test_the_charts_plot_the_windows_series(console):
    """The chart data layer (series.js), run by the browser on a windows response made
    up here: one value per window on a time axis of window starts that ends at the
    window now filling; counts per second of window, zero where the endpoint left a
    window out (no answers), latency a gap there; windows older than the axis dropped."""
    now_ms = 1_000_000_005_000  # 5 s into the window that starts at 1_000_000_000
    windows = {
        "dataTypes": {"iris": [
            {"start": 999_000_000.0, "answers": 99, "latency_ms": {"p50": 9.0, "p99": 9.0}},  # before the axis
            {"start": 999_999_980.0, "answers": 20, "latency_ms": {"p50": 1.5, "p99": 4.0}},
            {"start": 1_000_000_000.0, "answers": 5, "latency_ms": {"p50": 2.0, "p99": None}}]},
        "models": {"z": {"1": []},  # answers arrive in any order; the lines are in name order
                   "m": {"1": [{"start": 999_999_990.0, "wins": 10, "late": 1, "errors": 0}],
                         "2": [{"start": 1_000_000_000.0, "wins": 0, "late": 0, "errors": 3}]}}}
    got = console.execute_async_script("""
        const [windows, now, done] = arguments;
        import("/console/series.js").then(({ chartSeries }) => done(chartSeries(windows, "10s", now)));""",
                                       windows, now_ms)
    times, charts = got["times"], got["charts"]
    assert len(times) == 60 and times[-1] == 1_000_000_000 and times[0] == 1_000_000_000 - 590
    last3 = {chart: {name: values[-3:] for name, values in lines.items()} for chart, lines in charts.items()}
    assert last3 == {"throughput": {"iris": [2.0, 0, 0.5]},
                     "latency": {"iris p50": [1.5, None, 2.0], "iris p99": [4.0, None, None]},
                     "wins": {"m:1": [0, 1.0, 0], "m:2": [0, 0, 0], "z:1": [0, 0, 0]},
                     "late": {"m:1": [0, 0.1, 0], "m:2": [0, 0, 0], "z:1": [0, 0, 0]},
                     "errors": {"m:1": [0, 0, 0], "m:2": [0, 0, 0.3], "z:1": [0, 0, 0]}}
    assert list(charts["wins"]) == ["m:1", "m:2", "z:1"]
    assert sum(charts["throughput"]["iris"]) == 2.5  # the window before the axis is not on it
    sixty = console.execute_async_script("""
        const [windows, now, done] = arguments;
        import("/console/series.js").then(({ chartSeries }) => done(chartSeries(windows, "60s", now)));""",
                                         {"dataTypes": {"iris": [{"start": 999_999_960.0, "answers": 30,
                                                                  "latency_ms": {"p50": 1.0, "p99": 2.0}}]},
                                          "models": {}}, now_ms)
    assert sixty["times"][-1] == 999_999_960 and sixty["charts"]["throughput"]["iris"][-1] == 0.5


@pytest.fixture(scope="module")
def canary(admin, retire_afterwards):
    """The logistic regression as a warm version: it scores all live traffic, never answers."""
    (_, _), (logreg, accuracy) = demo.train()
    descriptor = {"name": CANARY, "version": "1", "data_type": "iris", "format": "onnx", "role": "warm",
                  "input_schema": [{"name": f} for f in demo.FEATURES], "quality": {"metric": "accuracy", "value": accuracy}}
    retire_afterwards.append((CANARY, "1"))
    response = admin.post("/v1/models", data={"descriptor": json.dumps(descriptor)},
                          files={"file": ("m.onnx", demo.to_onnx(logreg, 4))})
    assert response.status_code == 202, response.text
    assert wait_for_status(admin, CANARY, "1", {"ready", "failed"})["status"] == "ready"
    return f"{CANARY}:1"


def newest(driver, name: str) -> tuple[float, dict]:
    """(the start of the chart's newest window, its values), read in one step."""
    raw = driver.execute_script(f"const f = document.querySelector('figure[data-chart={name}]'); "
                                f"return [f.dataset.newest || '0', f.dataset.latest || '{{}}'];")
    return float(raw[0]), json.loads(raw[1])


def test_a_predict_makes_the_charts_move(platform, console, canary):
    wait_until(console, lambda d: "iris" in chart(d, "throughput"), what="iris on the throughput chart")
    stop, statuses = threading.Event(), []

    def traffic():  # an uneven rate, so that the charts' lines show it
        with httpx.Client(base_url=platform.url, timeout=10) as client:
            while not stop.is_set():
                statuses.append(client.post("/v1/predict/iris", json={"features": [6.7, 3.0, 5.2, 2.3]}).status_code)
                time.sleep(random.uniform(0.02, 0.12))

    seen: dict[float, float] = {}  # window start -> the lowest throughput the chart showed for it

    def grew(d) -> bool:
        """The chart's newest window shows more answers than it did at an earlier poll."""
        start, values = newest(d, "throughput")
        value = values.get("iris", 0)
        seen.setdefault(start, value)
        return value > seen[start]

    sender = threading.Thread(target=traffic, daemon=True)
    sender.start()
    try:
        wait_until(console, grew, timeout=60, what="the current window's throughput growing under traffic")
        wait_until(console, lambda d: chart(d, "wins").get(f"{demo.CHAMPION}:1", 0) > 0, what="the champion winning")
        latency = wait_until(console, lambda d: "iris p99" in chart(d, "latency") and chart(d, "latency"),
                             what="the current window's latency")
        assert latency["iris p50"] > 0 and latency["iris p99"] >= latency["iris p50"]
        # The canary scores the same traffic beside the champion, and never wins.
        wait_until(console, lambda d: canary_cell(d, canary, "scored") not in ("", "0"), what="the canary scoring")
        assert chart(console, "wins").get(canary, 0) == 0
        time.sleep(float(os.environ.get("CONSOLE_SCREENSHOT_TRAFFIC_S", 0)))  # a longer history for the screenshot
    finally:
        stop.set()
        sender.join(15)
    # On a busy machine a request may miss its deadline: a 504 is still an answer (reason
    # timeout), and the charts count it. Anything else would be a fault.
    assert 200 in statuses and set(statuses) <= {200, 504}
    table = text_of(console, 'table.canary[data-data-type="iris"]')
    assert f"{demo.CHAMPION}:1\nchampion (serve)" in table and f"{canary}\ncanary (warm)" in table
    agreement = canary_cell(console, canary, "agreement with the official answer")
    assert agreement.endswith(" %") and 0 <= float(agreement.removesuffix(" %")) <= 100


def test_the_width_selector_reads_the_60_s_windows(console):
    from selenium.webdriver.support.ui import Select

    Select(console.find_element("id", "stats-width")).select_by_value("60s")
    try:
        wait_until(console, lambda d: d.execute_script(
            "return performance.getEntriesByType('resource').some((e) => e.name.includes('/stats/windows?width=60s'))"),
            what="the charts reading the 60 s windows")
        wait_until(console, lambda d: newest(d, "throughput")[0] % 60 == 0 and state(d, "throughput") == "ok",
                   what="the charts on 60 s windows")
    finally:
        Select(console.find_element("id", "stats-width")).select_by_value("10s")


def test_the_charts_say_so_while_the_stats_app_is_down(platform, console):
    """The stats app killed: the windows endpoint answers 503 until `stack up` has
    restarted it and it has recovered its windows. Meanwhile the charts say so, the
    rest of the page keeps polling, and then the series come back."""
    wait_until(console, lambda d: all(state(d, c) == "ok" for c in CHARTS), what="the charts drawn")
    os.kill(platform.pids["stats"], signal.SIGKILL)
    wait_until(console, lambda d: all(state(d, c) == "unavailable" for c in CHARTS), timeout=60,
               what="the charts showing the stats app down")
    assert "stats app down or recovering" in text_of(console, "figure[data-chart=throughput]")
    assert "error" not in console.find_element("id", "poll-state").get_attribute("class")  # the rest still polls
    assert text_of(console, 'table.canary[data-data-type="iris"]')
    wait_until(console, lambda d: all(state(d, c) == "ok" for c in CHARTS), timeout=120,
               what="the charts back once the stats app has recovered")
    assert "iris" in chart(console, "throughput")


def state(driver, name: str) -> str:
    return driver.execute_script(f"return document.querySelector('figure[data-chart={name}]').dataset.state || ''")


def canary_cell(driver, version: str, row: str) -> str:
    """The canary table's cell for `version` in the row named `row`."""
    return driver.execute_script("""
        const [version, row] = arguments;
        const table = document.querySelector('table.canary[data-data-type="iris"]');
        if (!table) return "";
        const column = [...table.tHead.rows[0].cells].findIndex((c) => c.dataset.model === version);
        const line = [...table.tBodies[0].rows].find((r) => r.cells[0].textContent === row);
        return column > 0 && line ? line.cells[column].textContent : "";""", version, row)


def test_an_audit_search_shows_the_decision_and_every_score(platform, console):
    from selenium.webdriver.common.by import By

    record_id = f"console-{time.time_ns()}"
    answer = httpx.post(f"{platform.url}/v1/predict/iris",
                        json={"features": [5.1, 3.5, 1.4, 0.2], "record_id": record_id}).json()
    # A busy machine may answer with a timeout (504, no model): its record is audited all the same.
    request_id, model = answer["request_id"], answer["model"]
    chosen = f"{model['name']}:{model['version']}" if model else "no model"

    def search(query: str, timeout: float = 30.0) -> str:
        box = console.find_element(By.ID, "audit-query")
        box.clear()
        box.send_keys(query)
        console.find_element(By.CSS_SELECTOR, "#audit-form button").click()
        return wait_until(console, lambda d: text_of(d, f'article[data-request-id="{request_id}"]'), timeout,
                          what=f"the audit record of {query}")

    # The audit record is written from the decisions topic, so it may lag the answer a little.
    record = wait_until(console, lambda d: _found(lambda: search(request_id, timeout=5)), timeout=40,
                        what="audit record")
    assert f"{answer['policy']}: {answer['reason']}, answered by {chosen}" in record
    scored = {row.get_attribute("data-model") for row in
              console.find_elements(By.CSS_SELECTOR, f'article[data-request-id="{request_id}"] table.scores tbody tr')}
    assert {f"{m['model']['name']}:{m['model']['version']}" for m in answer["answered"]} <= scored
    assert chosen in scored or model is None
    by_record = search(record_id)  # a record id lists its requests and opens the newest
    assert record_id in by_record and request_id in text_of(console, "#audit-result ul.requests")
    screenshot(console)


def _found(search):
    from selenium.common.exceptions import TimeoutException

    try:
        return search()
    except TimeoutException:
        return ""


def test_admin_actions_need_the_admin_token_and_reach_the_gateway(console, admin, canary):
    from selenium.webdriver.common.by import By

    retire = f'tr[data-model="{canary}"] button[data-role="retired"]'
    wait_until(console, lambda d: d.find_elements(By.CSS_SELECTOR, retire), what="the canary listed")
    click(console, retire)  # with the audit token: refused, and said so
    refused = wait_until(console, lambda d: "403" in text_of(d, "#admin-result") and text_of(d, "#admin-result"),
                         what="the refusal shown")
    assert "wrong token" in refused and "error" in console.find_element(By.ID, "admin-result").get_attribute("class")
    assert admin.get(f"/v1/models/{CANARY}").json()["versions"][0]["role"] == "warm"

    use_token(console, ADMIN_TOKEN)
    click(console, retire)
    wait_until(console, lambda d: "role retired published" in text_of(d, "#admin-result"), what="the retirement shown")
    wait_until(console, lambda d: admin.get(f"/v1/models/{CANARY}").json()["versions"][0]["role"] == "retired",
               what="the canary retired in the registry")
    wait_until(console, lambda d: "retired" in text_of(d, f'tr[data-model="{canary}"]'), what="the canary shown retired")


def test_a_policy_set_from_the_form_is_in_force(console, admin):
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import Select

    use_token(console, ADMIN_TOKEN)
    before = admin.get("/v1/data-types/iris/policy").json()
    # The form starts from the first data type's policy in force; "Load current" reloads it.
    loaded = "loaded the policy in force for iris"
    wait_until(console, lambda d: loaded in text_of(d, "#policy-result"), what="the form filled with iris's policy")
    assert console.find_element(By.ID, "policy-data-type").get_attribute("value") == "iris"
    console.execute_script("document.getElementById('policy-result').textContent = ''")
    console.find_element(By.ID, "policy-load").click()
    wait_until(console, lambda d: loaded in text_of(d, "#policy-result"), what="the policy reloaded")
    assert Select(console.find_element(By.ID, "policy-name")).first_selected_option.text == before["policy"]
    deadline = console.find_element(By.CSS_SELECTOR, '#policy-params [name="deadline_ms"]')
    assert deadline.get_attribute("value") == before["params"]["deadline_ms"]
    wanted = int(before["params"]["deadline_ms"]) - 10
    deadline.clear()
    deadline.send_keys(str(wanted))
    try:
        console.find_element(By.CSS_SELECTOR, "#policy-form button[type=submit]").click()
        wait_until(console, lambda d: "published" in text_of(d, "#policy-result"), what="the policy published")
        wait_until(console, lambda d: admin.get("/v1/data-types/iris/policy").json()["params"]["deadline_ms"]
                   == str(wanted), what="the new deadline in force")
        # A bad value is the gateway's 422, shown with what is wrong.
        deadline.clear()
        deadline.send_keys("0")
        console.find_element(By.CSS_SELECTOR, "#policy-form button[type=submit]").click()
        refused = wait_until(console, lambda d: "422" in text_of(d, "#policy-result") and text_of(d, "#policy-result"),
                             what="the refusal shown")
        assert "deadline_ms" in refused
    finally:
        assert admin.put("/v1/data-types/iris/policy", json={"policy": before["policy"], "params": {
            k: int(v) if k == "deadline_ms" else v for k, v in before["params"].items()}}).status_code == 202


def screenshot(driver) -> None:
    path = os.environ.get("CONSOLE_SCREENSHOT")
    if path:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        driver.save_screenshot(path)
