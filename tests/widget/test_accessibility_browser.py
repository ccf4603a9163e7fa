"""Accessibility of the chat widget in headless chromium: axe-core finds no serious or
critical violation (closed, open with quick replies, links and an urgent reply, at 360 px);
a patient can do everything by keyboard alone; the chat fits a 360 px wide phone. With
UPDATE_DOCS_SCREENSHOT=1 the phone's screenshot also replaces docs/widget-phone-360.png
(`make screenshot`)."""

from __future__ import annotations

import os
import shutil

import pytest

from bot.settings import PROJECT_ROOT

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ARTICLE = "/articles/ocrelizumab-side-effects"


def _describe(violations: list[dict]) -> str:
    lines = [f"{v['impact']} {v['id']}: {v['help']}\n  " + "\n  ".join(v["nodes"]) for v in violations]
    return "\n".join(lines)


def test_axe_finds_no_serious_violations(web, new_page, chat, run_axe) -> None:
    tab = new_page()
    page = tab.page
    page.goto(f"{web.base_url}{ARTICLE}")
    page.get_by_role("button", name="Ask about your medicine").wait_for()
    violations = run_axe(page)
    assert violations == [], _describe(violations)  # the page with the launcher

    chat.open_chat(page)
    chat.say(page, "what are the side effects?")
    chat.say(page, "my throat is swelling")
    page.locator(".pbw-msg--urgent").wait_for()
    violations = run_axe(page)
    assert violations == [], _describe(violations)  # answers, quick replies, urgent styling


def test_keyboard_only(web, new_page, chat) -> None:
    tab = new_page()
    page = tab.page
    page.goto(f"{web.base_url}{ARTICLE}")
    page.get_by_role("button", name="Ask about your medicine").wait_for()

    # Tab from the top of the page reaches the launcher
    for _ in range(30):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.matches('.pbw-launcher')"):
            break
    else:
        pytest.fail("the launcher cannot be reached with Tab")
    page.keyboard.press("Enter")
    page.locator(".pbw-msg--bot .pbw-quick-button").first.wait_for()
    assert page.evaluate("document.activeElement.matches('textarea.pbw-input')")  # focus moved in
    chat.settle(page)

    # a quick reply by keyboard: Shift+Tab back from the message box reaches the buttons
    before = chat.bot_messages(page).count()
    for _ in range(12):
        page.keyboard.press("Shift+Tab")
        if page.evaluate("document.activeElement.textContent === 'Side effects'"):
            break
    else:
        pytest.fail("the quick replies cannot be reached with the keyboard")
    page.keyboard.press("Enter")
    answer = "\n".join(chat.wait_for_reply(page, before))
    assert "Side effects of ocrelizumab" in answer
    assert page.evaluate("document.activeElement.matches('textarea.pbw-input')")  # back to typing

    # typing and Enter send; Shift+Enter makes a new line instead
    before = chat.bot_messages(page).count()
    page.keyboard.type("how is it given?")
    page.keyboard.press("Shift+Enter")
    assert page.evaluate("document.activeElement.value") == "how is it given?\n"
    page.keyboard.press("Enter")
    chat.wait_for_reply(page, before)

    # the conversation log is focusable, so it scrolls by keyboard
    assert page.locator(".pbw-log").get_attribute("tabindex") == "0"

    # Escape closes the chat and gives focus back to the launcher; Enter opens it again
    page.keyboard.press("Escape")
    assert page.locator(".pbw-panel").is_hidden()
    assert page.evaluate("document.activeElement.matches('.pbw-launcher')")
    page.keyboard.press("Enter")
    assert page.locator(".pbw-panel").is_visible()
    assert page.evaluate("document.activeElement.matches('textarea.pbw-input')")

    # every control in the panel has a visible focus indicator
    for selector in (".pbw-restart", ".pbw-close", ".pbw-send", ".pbw-input"):
        page.locator(selector).focus()
        outline = page.locator(selector).evaluate("e => getComputedStyle(e).outlineStyle")
        assert outline != "none", selector
    assert tab.errors == []


def test_phone_360px(web, new_page, chat, run_axe) -> None:
    tab = new_page(viewport={"width": 360, "height": 740}, is_mobile=True, has_touch=True)
    page = tab.page
    page.goto(f"{web.base_url}{ARTICLE}")
    launcher = page.get_by_role("button", name="Ask about your medicine")
    box = launcher.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 360
    chat.open_chat(page)
    panel = page.locator(".pbw-panel").bounding_box()
    assert panel is not None and panel["width"] == 360 and panel["x"] == 0  # the whole screen
    chat.say(page, "what are the side effects?")
    assert page.evaluate("document.documentElement.scrollWidth") <= 360  # no sideways scrolling
    send = page.get_by_role("button", name="Send").bounding_box()
    assert send is not None and send["x"] + send["width"] <= 360 and send["height"] >= 44
    # a second answer, as a phone shows it: footnote numbers, the sources folded behind their
    # toggle, the disclaimer as its one short line (the full one came with the first answer)
    answer = " ".join(chat.say(page, "how is it given?"))
    assert "[1]" in answer and "General label information, not medical advice" in answer
    assert "This is general information from the drug label" not in answer
    assert page.locator(".pbw-msg--bot").last.locator("details.pbw-sources").count() == 1
    page.wait_for_timeout(300)
    phone = chat.shot(page, "mobile-360.png")
    if os.environ.get("UPDATE_DOCS_SCREENSHOT") == "1":
        shutil.copyfile(phone, PROJECT_ROOT / "docs" / "widget-phone-360.png")
    violations = run_axe(page)
    assert violations == [], _describe(violations)
    assert tab.errors == []
