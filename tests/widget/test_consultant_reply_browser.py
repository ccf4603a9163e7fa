"""A consultant's reply in the widget (issue 25, part 2), in headless chromium against the real
bot: a reply pushed to the open chat shows at once as a message from the consultant, apart
from the assistant's answers and as plain text; a reply pushed while the patient is away
shows when they come back in the same tab, and every reply shows once, also after reloads.
The replies go straight to Rasa's push route (tests/e2e/test_consultant_chat_reply.py covers
the way from the inbox)."""

from __future__ import annotations

from typing import Any

import pytest

from bot.localbot import LocalBot
from testkit import post_json

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

ARTICLE = "/articles/ocrelizumab-side-effects"
PUSH_PATH = "/webhooks/socketio/consultant_reply"


def _push(bot: LocalBot, conversation: str, reply_id: int, text: str) -> dict[str, Any]:
    body = {
        "conversation": conversation,
        "text": text,
        "consultant": "alice",
        "reference": "MC-7K3Q9",
        "reply_id": reply_id,
    }
    bearer = {"Authorization": f"Bearer {bot.chat_push_secret}"}
    status, answer = post_json(f"{bot.url}{PUSH_PATH}", body, bearer)
    assert status == 200, answer
    return dict(answer)


def test_the_consultants_reply_in_the_widget_live_and_on_coming_back(
    web, new_page, chat, run_axe, widget_bot: LocalBot
) -> None:
    tab = new_page()
    page = tab.page
    page.goto(f"{web.base_url}{ARTICLE}")
    chat.open_chat(page)
    conversation = chat.session_id(page).split(".")[0]
    replies = page.locator(".pbw-msg--consultant")

    text = 'Hello,\nplease call us. <img src=x onerror="window.__pwned=1"><b>soon</b>'
    assert _push(widget_bot, conversation, 9001, text) == {"recorded": True, "live": True}
    replies.first.wait_for()
    assert replies.count() == 1
    shown = replies.first
    assert shown.locator(".pbw-consultant-label").inner_text() == "Your consultant alice · request MC-7K3Q9"
    assert shown.locator(".pbw-text").inner_text() == text  # as typed, line break kept, no HTML
    assert page.locator(".pbw img, .pbw b").count() == 0 and page.evaluate("window.__pwned") is None
    assert chat.bot_messages(page).filter(has_text="please call us").count() == 0  # not the assistant's
    assert run_axe(page) == []
    chat.shot(page, "consultant-reply.png")

    # the patient leaves the page; a second reply waits and shows when they come back
    page.goto("about:blank")
    later = "A second note: bring your medication list."
    assert _push(widget_bot, conversation, 9002, later) == {"recorded": True, "live": False}
    page.goto(f"{web.base_url}{ARTICLE}")
    page.locator(".pbw-msg--consultant", has_text="second note").wait_for()
    page.wait_for_timeout(500)
    assert [r.split("\n")[-1] for r in replies.all_inner_texts()] == [text.split("\n")[-1], later]

    # each reply once, also after another reload (the server sends both again)
    page.reload()
    page.locator(".pbw-panel").wait_for()
    page.wait_for_timeout(1500)
    assert replies.count() == 2
    # the chat goes on
    assert any("infusion" in m for m in chat.say(page, "how is it given?"))
    assert tab.errors == []
