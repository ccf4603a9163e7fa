"""The handoff to a human consultant: the form's validation, its questions, filing the ticket.

The form (``handoff_form`` in the domain) asks for a name, an email or phone number, the
best time (optional), the question (prefilled from the conversation) and consent, shows a
summary, and on confirmation files a ticket through ``bot.tickets``.
"""

from __future__ import annotations

import abc
import asyncio
import logging
import re
from typing import Any

from rasa_sdk import Action, FormValidationAction, Tracker
from rasa_sdk.events import ActiveLoop, EventType, FollowupAction, SlotSet
from rasa_sdk.executor import CollectingDispatcher
from rasa_sdk.types import DomainDict

from actions.contact import clean_name, parse_contact
from actions.drug_context import entity_values
from actions.knowledge_base import knowledge_base
from actions.phrases import buttons, phrase
from bot.tickets import TicketDraft, TicketError, file_ticket, transcript_from_events

log = logging.getLogger(__name__)

FORM = "handoff_form"
FORM_SLOTS = ("contact_name", "contact", "best_time", "question", "consent", "handoff_confirmed")
#: everything the form collected, cleared when it ends however it ends
PERSONAL_SLOTS = (*FORM_SLOTS, "contact_email", "contact_phone", "question_prefill")
MEDICAL_INTENTS = {
    "ask_side_effects",
    "ask_pml",
    "ask_eligibility",
    "ask_monitoring",
    "ask_vaccines",
    "ask_pregnancy",
    "ask_dosing",
    "ask_administration",
    "ask_interactions",
    "ask_storage",
    "ask_indication",
    "ask_mechanism",
    "report_symptom",
}
NO_PREFERENCE = {"no", "none", "skip", "any", "anytime", "any time", "whenever", "no preference", "dont mind"}


def _clear_personal() -> list[EventType]:
    return [SlotSet(slot, None) for slot in PERSONAL_SLOTS]


def form_answer_events(tracker: Tracker) -> list[EventType] | None:
    """Events that take the message as the answer to the form's name or contact question.

    A name or an email address can look like anything to the NLU ("Ada Lovelace" was once
    taken for a side-effect question); when the form is waiting for one and the message
    plainly is one, it is the answer, and the form goes on. None otherwise.
    """
    if tracker.active_loop.get("name") != FORM:
        return None
    text = str((tracker.latest_message or {}).get("text") or "")
    requested = tracker.get_slot("requested_slot")
    if requested == "contact_name" and (name := clean_name(text)):
        return [SlotSet("contact_name", name), FollowupAction(FORM)]
    if requested == "contact":
        email, phone = parse_contact(text)
        if email or phone:
            return [
                SlotSet("contact", email or phone),
                SlotSet("contact_email", email),
                SlotSet("contact_phone", phone),
                FollowupAction(FORM),
            ]
    return None


def last_question(tracker: Tracker) -> str | None:
    """The patient's last medical question before the form, to prefill the form's question.

    Only messages from before the form started count: answers typed into the form (a name
    the NLU took for a question) are never offered as the question.
    """
    events = list(tracker.events)
    starts = [i for i, e in enumerate(events) if e.get("event") == "active_loop" and e.get("name") == FORM]
    if starts:
        events = events[: starts[-1]]
    asked: list[str] = []
    for event in reversed(events):
        if event.get("event") != "user":
            continue
        intent = ((event.get("parse_data") or {}).get("intent") or {}).get("name")
        text = str(event.get("text") or "").strip()
        if intent in MEDICAL_INTENTS and text and not text.startswith("/"):
            asked.append(text)
            if not _FOLLOW_UP.match(text) or len(asked) == 2:
                break
    if len(asked) == 2:  # a follow-up ("and with alcohol?") goes with the question it follows
        return f"{asked[1]} (then: {asked[0]})"
    return asked[0] if asked else None


#: a message that only makes sense after the one before it ("and with alcohol?", "what about kids")
_FOLLOW_UP = re.compile(r"^\s*(and|or|also|plus|what about|how about|same for)\b|^\W*(\w+\W*){1,3}$", re.I)


def _page_drug(tracker: Tracker) -> str | None:
    """The drug of the page the patient is on: the widget's metadata of the latest message
    that has one, else of the session start."""
    candidates = [e.get("metadata") for e in reversed(list(tracker.events)) if e.get("event") == "user"]
    candidates.append(tracker.get_slot("session_started_metadata"))
    for metadata in candidates:
        drug = metadata.get("drug") if isinstance(metadata, dict) else None
        if isinstance(drug, str) and drug.strip():
            return drug.strip()
    return None


def _question_event(tracker: Tracker, question: str) -> dict[str, Any] | None:
    """The patient's message the ticket's question was taken from (latest first)."""
    wanted = " ".join(question.split()).casefold()
    for event in reversed(list(tracker.events)):
        said = " ".join(str(event.get("text") or "").split()).casefold()
        if event.get("event") == "user" and said == wanted:
            return dict(event)
    return None


def ticket_drug(tracker: Tracker) -> str | None:
    """The ticket's drug: the page's, then the one the question names (a covered drug
    first), then the conversation's."""
    kb = knowledge_base()
    page = _page_drug(tracker)
    if page:
        mono = kb.find_drug(page)
        return mono.id if mono else page
    question = str(tracker.get_slot("question") or "")
    covered = kb.find_drugs_in_text(question)
    if covered:
        return covered[0]
    asked = _question_event(tracker, question) if question else None
    if asked is not None:
        named = kb.drug_names.mentioned(entity_values(asked.get("parse_data") or {}, "drug"), question)
        if named:
            mono = kb.find_drug(named[0])
            return mono.id if mono else named[0]
    drug = tracker.get_slot("drug")
    return str(drug) if drug else None


def ticket_topic(tracker: Tracker) -> str | None:
    """The ticket's topic: the one of the question's intent, else the last topic answered."""
    from actions.answers import AnswerAction  # here: actions.answers imports this module

    topics: dict[str, str] = {}
    classes: list[type] = [AnswerAction]
    while classes:
        cls = classes.pop()
        classes.extend(cls.__subclasses__())
        own = vars(cls)
        if "intent" in own and "topic" in own:
            topics.setdefault(str(own["intent"]), str(own["topic"]))
    question = str(tracker.get_slot("question") or "")
    asked = _question_event(tracker, question) if question else None
    intent = (((asked or {}).get("parse_data") or {}).get("intent") or {}).get("name")
    if intent in topics:
        return topics[intent]
    topic = tracker.get_slot("topic")
    return str(topic) if topic else None


class ValidateHandoffForm(FormValidationAction):
    """Checks each answer; a bad one gets a clear message and the question again."""

    def name(self) -> str:
        return f"validate_{FORM}"

    async def required_slots(
        self, domain_slots: list[str], dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> list[str]:
        if tracker.get_slot("consent") is False:
            # no consent: nothing more to ask (the summary is skipped), nothing is filed
            return [slot for slot in FORM_SLOTS if slot != "handoff_confirmed"]
        return list(FORM_SLOTS)

    async def validate_contact_name(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        name = clean_name(str(value or ""))
        if name is None:
            dispatcher.utter_message(text=phrase("handoff_bad_name"))
        return {"contact_name": name}

    async def validate_contact(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        email, phone = parse_contact(str(value or ""))
        if email is None and phone is None:
            dispatcher.utter_message(text=phrase("handoff_bad_contact", value=str(value or "")[:80]))
            return {"contact": None}
        return {"contact": email or phone, "contact_email": email, "contact_phone": phone}

    async def validate_best_time(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        text = " ".join(str(value or "").split())[:100]
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        if not text or intent == "deny" or text.lower().replace("'", "") in NO_PREFERENCE:
            text = phrase("handoff_no_preference")
        return {"best_time": text}

    async def validate_question(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        intent = (tracker.latest_message.get("intent") or {}).get("name")
        prefill = tracker.get_slot("question_prefill")
        text = str(value or "").strip()
        if (intent == "affirm" or text == "/affirm") and prefill:
            return {"question": prefill}
        if not text or text.startswith("/") or len(text) > 2000:
            dispatcher.utter_message(text=phrase("handoff_bad_question"))
            return {"question": None}
        return {"question": text}

    async def validate_consent(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        if value is False:
            dispatcher.utter_message(text=phrase("handoff_no_consent"))
        return {"consent": value}

    async def validate_handoff_confirmed(
        self, value: Any, dispatcher: CollectingDispatcher, tracker: Tracker, domain: DomainDict
    ) -> dict[str, Any]:
        return {"handoff_confirmed": value}


class ActionAskQuestion(Action):
    """Asks for the question, offering the patient's last question to confirm or edit."""

    def name(self) -> str:
        return "action_ask_question"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        prefill = tracker.get_slot("question_prefill") or last_question(tracker)
        if prefill:
            dispatcher.utter_message(
                text=phrase("handoff_ask_question_prefilled", question=prefill),
                buttons=buttons("handoff_ask_question_prefilled"),
            )
            return [SlotSet("question_prefill", prefill)]
        dispatcher.utter_message(text=phrase("handoff_ask_question"))
        return []


class ActionAskHandoffConfirmed(Action):
    """Shows everything the ticket will hold and asks whether to send it."""

    def name(self) -> str:
        return "action_ask_handoff_confirmed"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=phrase(
                "handoff_summary",
                name=tracker.get_slot("contact_name"),
                contact=tracker.get_slot("contact"),
                best_time=tracker.get_slot("best_time"),
                question=tracker.get_slot("question"),
            ),
            buttons=buttons("handoff_summary"),
        )
        return []


class ActionCancelHandoff(Action):
    """The patient stops the form: nothing is filed and what they typed is cleared.

    An email address or phone number typed as the answer to the contact question is an
    answer, however the NLU classified it ("ada@example.org" once looked like "cancel"):
    it is kept and the form goes on.
    """

    def name(self) -> str:
        return "action_cancel_handoff"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        answer = form_answer_events(tracker)
        if answer is not None and tracker.get_slot("requested_slot") == "contact":
            return answer
        dispatcher.utter_message(text=phrase("handoff_cancelled"))
        return [ActiveLoop(None), SlotSet("requested_slot", None), *_clear_personal()]


class ActionFileTicket(Action):
    """After the form: files the confirmed ticket and gives the patient its reference."""

    def name(self) -> str:
        return "action_file_ticket"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        if tracker.get_slot("consent") is not True:
            return _clear_personal()  # the no-consent message was given by the form
        if tracker.get_slot("handoff_confirmed") is not True:
            dispatcher.utter_message(text=phrase("handoff_not_sent"))
            return _clear_personal()
        draft = TicketDraft(
            patient_name=str(tracker.get_slot("contact_name") or ""),
            question=str(tracker.get_slot("question") or ""),
            consent=True,
            email=tracker.get_slot("contact_email"),
            phone=tracker.get_slot("contact_phone"),
            best_time=tracker.get_slot("best_time"),
            drug=ticket_drug(tracker),
            topic=ticket_topic(tracker),
            urgent=bool(tracker.get_slot("urgent")),
            sender_id=tracker.sender_id,
            transcript=transcript_from_events(tracker.events),
        )
        try:
            filed = await asyncio.to_thread(file_ticket, draft)
        except TicketError:
            log.exception("could not file the handoff ticket of %s", tracker.sender_id)
            dispatcher.utter_message(text=phrase("handoff_failed"), buttons=buttons("handoff_failed"))
            return [SlotSet("handoff_confirmed", None)]
        template = "handoff_queued" if filed.queued else "handoff_filed"
        channel = phrase("handoff_by_email") if draft.email else phrase("handoff_by_phone")
        dispatcher.utter_message(
            text=phrase(template, reference=filed.reference, name=draft.patient_name, channel=channel)
        )
        if draft.urgent:
            dispatcher.utter_message(text=phrase("handoff_urgent_note"))
        return [SlotSet("ticket_reference", filed.reference), *_clear_personal()]


class AskFromTemplate(Action, abc.ABC):
    """Asks the form question of ``action_ask_<slot>`` with the template ``handoff_ask_<slot>``."""

    @abc.abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        template = "handoff_ask_" + self.name().removeprefix("action_ask_")
        dispatcher.utter_message(text=phrase(template), buttons=buttons(template))
        return []


class ActionAskContactName(AskFromTemplate):
    def name(self) -> str:
        return "action_ask_contact_name"


class ActionAskContact(AskFromTemplate):
    def name(self) -> str:
        return "action_ask_contact"


class ActionAskBestTime(AskFromTemplate):
    def name(self) -> str:
        return "action_ask_best_time"


class ActionAskConsent(AskFromTemplate):
    def name(self) -> str:
        return "action_ask_consent"
