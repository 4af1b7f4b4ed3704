"""The web chat widget in a real headless Chromium, against the running assistant.

Needs Debian's `chromium` and `chromium-driver` (apt-get install -y chromium chromium-driver) and
selenium in the actions environment.
"""

from __future__ import annotations

import shutil
import time

import pytest
import requests

from channels.ids import webchat_conversation
from tests.servers import ROOT

OUTPUT = ROOT / "tests" / "output"
WAIT = 90  # seconds; the first answer loads the models


@pytest.fixture
def browser(tmp_path):
    chromium = shutil.which("chromium")
    driver_path = shutil.which("chromedriver")
    if not chromium or not driver_path:
        pytest.fail("the web chat test needs Chromium and its driver: "
                    "run `apt-get install -y chromium chromium-driver` (as root)")
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        pytest.fail("the web chat test needs selenium: `.venv/actions/bin/pip install selenium`")
    options = webdriver.ChromeOptions()
    options.binary_location = chromium
    for flag in ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync",
                 "--disable-dev-shm-usage", "--window-size=1280,900",
                 f"--user-data-dir={tmp_path / 'chromium-profile'}"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(executable_path=driver_path), options=options)
    driver.set_page_load_timeout(60)
    try:
        yield driver
    finally:
        driver.quit()


def _wait(driver, condition, what: str, timeout: float = WAIT):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = condition()
        if result:
            return result
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}; chat shows:\n{_transcript(driver)}")


def _transcript(driver) -> str:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#nw-chat-log .nw-msg'))"
        ".map(e => (e.classList.contains('nw-msg--user') ? 'user: ' : 'bot:  ') + e.innerText)"
        ".join('\\n');")


def _bot_texts(driver) -> list[str]:
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('#nw-chat-log .nw-msg--bot'))"
        ".map(e => e.innerText);")


def _say(driver, text: str) -> bool:
    """Type and send; return whether the typing indicator showed right after sending."""
    return driver.execute_script(
        "const input = document.getElementById('nw-chat-input');"
        "input.value = arguments[0];"
        "document.getElementById('nw-chat-form').requestSubmit();"
        "return document.querySelector('#nw-chat-log .nw-typing') !== null;", text)


def _answer_after(driver, before: int, needle: str) -> str:
    """Wait for a bot message after the first `before` ones that contains `needle`."""
    def found():
        new = _bot_texts(driver)[before:]
        return next((t for t in new if needle.lower() in t.lower()), None)
    return _wait(driver, found, f"a bot message containing {needle!r}")


def _session_id(driver, rasa_url: str) -> str | None:
    return driver.execute_script(
        "return JSON.parse(localStorage.getItem(arguments[0]) || 'null');",
        f"nwchat:{rasa_url}:session")


def _click(driver, title: str) -> None:
    button = _wait(driver, lambda: [b for b in driver.find_elements("css selector", "#nw-chat-log .nw-btn")
                                    if b.text == title and b.is_enabled()], f"the {title!r} button")[0]
    button.click()


def test_a_refund_in_the_widget_survives_a_reload(running, browser):
    driver = browser
    driver.get(f"{running.actions_url}/webchat/")
    assert "Northwind Outfitters" in driver.title
    driver.find_element("id", "nw-chat-launcher").click()
    _wait(driver, lambda: _session_id(driver, running.rasa_url), "the session_confirm from Rasa")
    session = _session_id(driver, running.rasa_url)

    assert _say(driver, "I'd like to send back my down vest and get a refund"), \
        "no typing indicator after sending"
    _answer_after(driver, 0, "order number")
    _wait(driver, lambda: not driver.find_elements("css selector", "#nw-chat-log .nw-typing"),
          "the typing indicator to go away")
    for text, question in (("NW-845120", "reason"), ("I changed my mind", "email")):
        before = len(_bot_texts(driver))
        _say(driver, text)
        _answer_after(driver, before, question)
    before = len(_bot_texts(driver))
    _say(driver, "alex.morgan@example.com")
    _answer_after(driver, before, "return window")
    OUTPUT.mkdir(parents=True, exist_ok=True)
    driver.save_screenshot(str(OUTPUT / "webchat-refund-offer.png"))

    before = len(_bot_texts(driver))
    _click(driver, "No, thanks")
    _answer_after(driver, before, "anything else")
    users = [e.text for e in driver.find_elements("css selector", "#nw-chat-log .nw-msg--user")]
    assert users[-2:] == ["alex.morgan@example.com", "No, thanks"]
    assert not any(b.is_enabled() for b in driver.find_elements("css selector", "#nw-chat-log .nw-btn")), \
        "answered buttons stay disabled"
    # Rasa got the button's payload, not its title. The conversation id is a hash of the token.
    tracker = running.assistant.tracker(webchat_conversation(session))
    assert [e.get("text") for e in tracker["events"] if e["event"] == "user"][-1] == "/deny"

    # A help-center answer links to its article, and the link opens it.
    before = len(_bot_texts(driver))
    _say(driver, "how long until the money is back on my card?")
    _answer_after(driver, before, "Source")
    link = driver.find_elements("css selector", "#nw-chat-log .nw-msg--bot a")[-1]
    assert "[" not in link.text and "http" not in link.text  # the article's title, not Markdown or a URL
    assert link.get_attribute("href").startswith(f"{running.actions_url}/help/")
    article = requests.get(link.get_attribute("href"), timeout=30)
    assert article.status_code == 200 and "<h1>" in article.text

    shown = _transcript(driver)
    driver.refresh()
    _wait(driver, lambda: driver.find_elements("css selector", "#nw-chat-log .nw-msg"), "the history")
    assert driver.find_element("id", "nw-chat-panel").is_displayed(), "the chat should stay open"
    assert _transcript(driver) == shown
    assert _session_id(driver, running.rasa_url) == session
    # The reloaded page continues the same Rasa conversation.
    before = len(_bot_texts(driver))
    _say(driver, "am I talking to a bot?")
    _answer_after(driver, before, "virtual assistant")
    tracker = running.assistant.tracker(webchat_conversation(session))
    assert [e.get("text") for e in tracker["events"] if e["event"] == "user"][-1] == "am I talking to a bot?"
    driver.save_screenshot(str(OUTPUT / "webchat.png"))


def test_an_agent_reply_pushed_by_the_server_shows_with_its_link(running, browser):
    driver = browser
    driver.get(f"{running.actions_url}/webchat/")
    driver.find_element("id", "nw-chat-launcher").click()
    _wait(driver, lambda: _session_id(driver, running.rasa_url), "the session_confirm from Rasa")
    session = _session_id(driver, running.rasa_url)
    # As the handover bridge does: a bot event sent through the socket.io output channel.
    pushed = "Here is our returns page:\nhttps://northwind.example/help/returns."
    running.assistant.api("POST", f"/conversations/{webchat_conversation(session)}/tracker/events",
                          params={"output_channel": "socketio", "execute_side_effects": "true"},
                          json=[{"event": "bot", "text": pushed}]).raise_for_status()
    _answer_after(driver, 0, "returns page")
    link = driver.find_element("css selector", "#nw-chat-log .nw-msg--bot a")
    assert link.get_attribute("href") == "https://northwind.example/help/returns"
    assert link.text == "https://northwind.example/help/returns"
    assert "returns page:\nhttps://" in _bot_texts(driver)[-1]
