"""The widget in Chromium through nginx, the layout of ``make run-prod`` (the session's
``prod_stack``): the article page, the chat's socket.io connection (a websocket upgraded by
nginx, sticky to one Rasa server) and a conversation down to a ticket, all on nginx's one
public port, the Rasa servers never reached directly."""

from __future__ import annotations

import re
import time

import pytest

from bot.prodstack import ProdStack
from bot.tickets import TicketRepository

pytestmark = [pytest.mark.browser, pytest.mark.e2e]

REFERENCE = re.compile(r"\b(MC-[A-Z0-9]{4,8})\b")
ARTICLE = "/articles/ocrelizumab-side-effects"
UPGRADE_LINE = re.compile(r'"GET /socket\.io/\?[^"]*transport=websocket[^"]*" 101 .*upstream="([^"]*)"')


def test_a_widget_conversation_through_nginx(
    prod_stack: ProdStack, widget_built: None, new_page, chat
) -> None:
    tab = new_page()
    page = tab.page
    sockets: list[str] = []
    page.on("websocket", lambda socket: sockets.append(socket.url))
    page.goto(f"{prod_stack.public_url}{ARTICLE}")
    assert page.get_by_role("heading", level=1).inner_text() == "What are the side effects of ocrelizumab?"
    chat.open_chat(page)
    answer = "\n".join(chat.say(page, "what are the side effects?"))
    assert "Side effects of ocrelizumab" in answer and "[1]" in answer
    assert "section 6.1" in (page.locator(".pbw-sources").last.text_content() or "")  # folded sources

    assert "name" in "\n".join(chat.say(page, "can a pharmacist call me?"))
    assert "email address or phone number" in "\n".join(chat.say(page, "Ada Lovelace"))
    assert "best time" in "\n".join(chat.say(page, "ada.lovelace@example.com"))
    assert "Is this the question" in "\n".join(chat.click_reply(page, "No preference"))  # prefilled
    assert "consent" in "\n".join(chat.say(page, "Can I have the infusion with a cold?"))
    assert "Ada Lovelace" in "\n".join(chat.click_reply(page, "Yes, I agree"))
    match = REFERENCE.search("\n".join(chat.click_reply(page, "Yes, send it")))
    assert match

    ticket = TicketRepository.for_url(prod_stack.env["DATABASE_URL"]).get(match.group(1))
    assert ticket.patient_name == "Ada Lovelace"
    assert ticket.sender_id == chat.session_id(page).split(".")[0]
    public = prod_stack.public_url.replace("http://", "ws://")
    assert sockets and all(url.startswith(f"{public}/socket.io/") for url in sockets), sockets
    assert tab.errors == []
    page.close()  # nginx logs a websocket when it closes
    rasa = {f"127.0.0.1:{port}" for port in prod_stack.ports.rasa}
    deadline = time.monotonic() + 10
    while not (upgraded := _upgrades(prod_stack)) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert upgraded and set(upgraded) <= rasa, upgraded  # upgraded by nginx, to a Rasa server


def _upgrades(stack: ProdStack) -> list[str]:
    """The Rasa servers (upstream addresses) of the websockets nginx has logged."""
    log = (stack.log_dir / "nginx-access.log").read_text(errors="replace")
    return [match.group(1) for match in UPGRADE_LINE.finditer(log)]
