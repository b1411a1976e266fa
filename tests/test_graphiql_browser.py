"""GraphiQL with no internet (issue 11 item 2): a real headless Chromium (Debian's, driven by
Selenium through Debian's chromedriver) loads the development page from a real server on
127.0.0.1, sets a token, runs a query and sees its answer; nothing the page loads comes from
anywhere but that server. ``.ci/run`` installs Chromium; on a machine without it the test is
skipped, except in CI (``CI`` set), where it fails."""

from __future__ import annotations

import asyncio
import json
import os
import socket
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn

from ca_api import ide
from ca_api.app import create_app
from ca_api.auth.tokens import SigningKey, TokenVerifier, mint_token
from ca_api.config import Settings

CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
QUERY = '{ policyFigures(name: "amount_maximum") { name money } }'

if not (CHROMIUM.exists() and CHROMEDRIVER.exists()):
    if os.environ.get("CI"):
        raise RuntimeError("CI runs the GraphiQL browser test: .ci/run installs chromium")
    pytest.skip(
        "no Chromium here (apt-get install chromium chromium-driver)", allow_module_level=True
    )

webdriver = pytest.importorskip("selenium.webdriver")
from selenium.webdriver.chrome.service import Service  # noqa: E402
from selenium.webdriver.common.by import By  # noqa: E402
from selenium.webdriver.support import expected_conditions  # noqa: E402
from selenium.webdriver.support.wait import WebDriverWait  # noqa: E402


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def assets() -> Path:
    """The pinned files, as scripts/setup installs them (fetched here if this venv lacks them)."""
    target = ide.default_assets_dir()
    ide.install(target)
    return target


@pytest.fixture(scope="module")
def server(
    database_url: str, settings: Settings, signing_key: SigningKey, assets: Path
) -> Iterator[str]:
    """The real application under uvicorn on 127.0.0.1, in a thread with its own loop."""
    configured = settings.model_copy(update={"graphiql_assets_dir": assets})
    verifier = TokenVerifier(signing_key.public_keyset(), configured)
    app = create_app(configured, database_url, verifier=verifier)
    port = _free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    uv = uvicorn.Server(config)
    thread = threading.Thread(target=lambda: asyncio.run(uv.serve()), daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while not uv.started:
        if time.monotonic() > deadline:
            raise RuntimeError("the server did not start")
        time.sleep(0.05)
    yield base
    uv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-dev-shm-usage",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--window-size=1280,900",
    ):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"performance": "ALL"})
    driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
    driver.set_page_load_timeout(30)
    yield driver
    driver.quit()


def _requested_urls(driver: object) -> list[str]:
    urls = []
    for entry in driver.get_log("performance"):  # type: ignore[attr-defined]
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            urls.append(message["params"]["request"]["url"])
    return urls


def test_graphiql_runs_a_query_with_a_token_and_no_internet(
    server: str, browser: object, settings: Settings, signing_key: SigningKey
) -> None:
    driver = browser
    token = mint_token(signing_key, settings=settings, subject="olu.scao", roles=["senior_officer"])
    driver.get(f"{server}/graphql?query={urllib.parse.quote(QUERY)}")  # type: ignore[attr-defined]
    wait = WebDriverWait(driver, 30)
    wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-container"))
    )
    field = driver.find_element(By.ID, "token")  # type: ignore[attr-defined]
    field.send_keys(token)
    assert driver.find_element(By.ID, "token-state").text == "token set"  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()  # type: ignore[attr-defined]
    wait.until(
        expected_conditions.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".result-window"), "10000000.00"
        )
    )
    answer = driver.find_element(By.CSS_SELECTOR, ".result-window").text  # type: ignore[attr-defined]
    assert "amount_maximum" in answer
    assert "errors" not in answer

    urls = _requested_urls(driver)
    assert any(u.endswith("/graphiql/graphiql.min.js") for u in urls)
    outside = [u for u in urls if not (u.startswith(server) or u.startswith("data:"))]
    assert outside == [], f"the page reached beyond the service: {outside}"


def test_without_a_token_the_page_shows_the_refusal(server: str, browser: object) -> None:
    driver = browser
    driver.execute_script("window.sessionStorage.clear(); window.localStorage.clear();")  # type: ignore[attr-defined]
    driver.get(f"{server}/graphql?query={urllib.parse.quote(QUERY)}")  # type: ignore[attr-defined]
    wait = WebDriverWait(driver, 30)
    wait.until(
        expected_conditions.presence_of_element_located((By.CSS_SELECTOR, ".graphiql-container"))
    )
    assert "no token" in driver.find_element(By.ID, "token-state").text  # type: ignore[attr-defined]
    driver.find_element(By.CSS_SELECTOR, ".graphiql-execute-button").click()  # type: ignore[attr-defined]
    wait.until(
        expected_conditions.text_to_be_present_in_element(
            (By.CSS_SELECTOR, ".result-window"), "UNAUTHENTICATED"
        )
    )


def test_the_page_and_its_files_come_from_the_service(server: str) -> None:
    page = httpx.get(f"{server}/graphql", headers={"Accept": "text/html"})
    assert page.status_code == 200
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert "unpkg" not in page.text and "cdn" not in page.text.lower()
    for name in ("graphiql.min.js", "graphiql.min.css", "react.production.min.js", "ide.js"):
        assert httpx.get(f"{server}/graphiql/{name}").status_code == 200, name
    missing = httpx.get(f"{server}/graphiql/../config.py")
    assert missing.status_code == 404
