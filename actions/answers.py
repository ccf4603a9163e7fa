"""Answer actions: one per medical intent, all answering from the monographs the same way."""

from __future__ import annotations

import abc
from dataclasses import replace
from typing import Any, ClassVar

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.compose import (
    Footnotes,
    answer_budget,
    answer_text,
    first_point_words,
    full_disclaimer,
    send_answer,
)
from actions.drug_context import (
    DrugContext,
    entity_values,
    page_change,
    resolve_drug,
    side_effect_mentions,
)
from actions.handoff import form_answer_events
from actions.knowledge_base import knowledge_base
from actions.phrases import buttons, phrase
from knowledge import KnowledgeBase, Monograph, Selection, select
from knowledge.coverage import not_covered
from patient_text.safety import decision_requested

#: topics whose questions ask first for facts, even in the words of a decision ("can I still
#: have it while pregnant"): the decision line follows the facts
FACTS_FIRST_TOPICS = ("pregnancy",)

#: entity types whose values can pick a sub-topic (e.g. "pregnant", "hepatitis B")
TERM_ENTITIES = ("side_effect", "condition", "population", "vaccine", "drug")


class AnswerAction(Action, abc.ABC):
    """Answers one topic of a monograph for the drug in context; abstract."""

    topic: ClassVar[str]
    intent: ClassVar[str]
    intro_template: ClassVar[str] = ""
    offer_consultant: ClassVar[bool] = False

    @abc.abstractmethod
    def name(self) -> str: ...

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        form_answer = form_answer_events(tracker)
        if form_answer is not None:
            return form_answer
        kb = knowledge_base()
        message = tracker.latest_message or {}
        discussed = list(tracker.get_slot("drugs_discussed") or [])
        context = resolve_drug(
            kb,
            message,
            tracker.get_slot("drug"),
            allow_companions=self.topic == "interactions",
            discussed=discussed,
            moved_to=page_change(tracker.events),
        )
        if context.needs_choice:
            choices = context.choices or tuple(sorted(kb.monographs))
            return self._ask_which_drug(dispatcher, {d: kb.monographs[d] for d in choices})
        if context.monograph is None:
            return self._no_monograph(dispatcher, context, kb.covered())
        mono = context.monograph
        drug_name = mono.generic_name
        events: list[EventType] = [
            SlotSet("drug", mono.id),
            SlotSet("topic", self.topic),
            SlotSet("drugs_discussed", [*[d for d in discussed if d != mono.id], mono.id]),
        ]
        terms = [v for ent in TERM_ENTITIES for v in entity_values(message, ent)]
        effects = side_effect_mentions(message)
        selection = select(
            mono,
            self.topic,
            text=str(message.get("text") or ""),
            entity_values=terms,
            named_effects=effects,
        )
        if not selection.covered:
            title = phrase(f"topic_title_{self.topic}")
            template = (
                "topic_not_in_label" if selection.absent_reason == "not_in_label" else "topic_not_reviewed"
            )
            dispatcher.utter_message(text=phrase(template, drug_name=drug_name, topic_title=title))
            dispatcher.utter_message(text=phrase("offer_consultant"), buttons=buttons("offer_consultant"))
            return events + full_disclaimer(dispatcher)
        answered = selection.answered_topic or self.topic
        own_intro = self.intro_template if answered == self.topic else None
        intro = phrase(own_intro or f"intro_{answered}", drug_name=drug_name)
        question = str(message.get("text") or "")
        decision = decision_requested(question, entity_values(message, "triage"))
        # "can I still have it while pregnant?" is first a question of fact: the facts, then
        # the physician; elsewhere ("should I skip my dose?") the physician comes first
        facts_first = self.topic in FACTS_FIRST_TOPICS
        if decision and not facts_first:
            lead = phrase("personal_decision", drug_name=drug_name) + " " + phrase("personal_decision_lead")
            intro = lead + "\n" + intro
        uncovered = _not_covered_lines(kb, mono, message, self.topic)
        if uncovered:
            intro = "\n".join([intro, *uncovered])
        closing = (
            _interactions_not_named(kb, mono, message, selection) if self.topic == "interactions" else []
        )
        if decision and facts_first:
            closing.append(phrase("personal_decision", drug_name=drug_name))
        offer = bool(self.offer_consultant or decision or uncovered)
        notes, budget = Footnotes(), answer_budget(tracker, closing, offer=offer)
        # the situation's eligibility facts, unless the topic is the situation (pregnancy) or eligibility
        wants_situation = decision and not facts_first and self.topic != "eligibility"
        situation = _situation(mono, question, terms, selection) if wants_situation else None
        # the situation's first fact keeps its room: it is what the question is about
        held = first_point_words(mono, situation, phrase("decision_situation")) if situation else 0
        budget.remaining -= held
        named = [question, *terms, *effects]
        text = answer_text(mono, selection, intro, notes, budget=budget, named=named)
        if situation is not None:
            budget.remaining += held
            text += "\n" + answer_text(
                mono, situation, phrase("decision_situation"), notes, budget=budget, named=named
            )
        text = "\n".join([text, *closing])
        return events + send_answer(dispatcher, tracker, text, notes, offer=offer, left_out=budget.left_out)

    def _ask_which_drug(
        self, dispatcher: CollectingDispatcher, monographs: dict[str, Any]
    ) -> list[EventType]:
        choices = [
            {
                "title": mono.brands[0] if mono.brands else mono.generic_name,
                "payload": f'/{self.intent}{{"drug": "{drug_id}"}}',
            }
            for drug_id, mono in monographs.items()
        ]
        dispatcher.utter_message(text=phrase("which_drug"), buttons=choices)
        return []

    def _no_monograph(
        self, dispatcher: CollectingDispatcher, context: DrugContext, covered: list[str]
    ) -> list[EventType]:
        dispatcher.utter_message(
            text=phrase("no_monograph", drug_name=context.unknown_name, covered=", ".join(covered))
        )
        dispatcher.utter_message(text=phrase("offer_consultant"), buttons=buttons("offer_consultant"))
        return [
            SlotSet("drug", context.unknown_name),
            SlotSet("topic", self.topic),
            *full_disclaimer(dispatcher),
        ]


class ActionAnswerSideEffects(AnswerAction):
    topic, intent = "side_effects", "ask_side_effects"

    def name(self) -> str:
        return "action_answer_side_effects"


class ActionAnswerPml(AnswerAction):
    topic, intent = "pml", "ask_pml"

    def name(self) -> str:
        return "action_answer_pml"


class ActionAnswerEligibility(AnswerAction):
    topic, intent = "eligibility", "ask_eligibility"

    def name(self) -> str:
        return "action_answer_eligibility"


class ActionAnswerMonitoring(AnswerAction):
    topic, intent = "monitoring", "ask_monitoring"

    def name(self) -> str:
        return "action_answer_monitoring"


class ActionAnswerVaccines(AnswerAction):
    topic, intent = "vaccines", "ask_vaccines"

    def name(self) -> str:
        return "action_answer_vaccines"


class ActionAnswerPregnancy(AnswerAction):
    topic, intent = "pregnancy", "ask_pregnancy"

    def name(self) -> str:
        return "action_answer_pregnancy"


class ActionAnswerDosing(AnswerAction):
    topic, intent = "dosing", "ask_dosing"

    def name(self) -> str:
        return "action_answer_dosing"


class ActionAnswerAdministration(AnswerAction):
    topic, intent = "administration", "ask_administration"

    def name(self) -> str:
        return "action_answer_administration"


class ActionAnswerInteractions(AnswerAction):
    topic, intent = "interactions", "ask_interactions"

    def name(self) -> str:
        return "action_answer_interactions"


class ActionAnswerStorage(AnswerAction):
    topic, intent = "storage", "ask_storage"

    def name(self) -> str:
        return "action_answer_storage"


class ActionAnswerIndication(AnswerAction):
    topic, intent = "indication", "ask_indication"

    def name(self) -> str:
        return "action_answer_indication"


class ActionAnswerMechanism(AnswerAction):
    topic, intent = "mechanism", "ask_mechanism"

    def name(self) -> str:
        return "action_answer_mechanism"


class ActionAnswerSymptom(AnswerAction):
    """A symptom the patient has now: what the label says about it, and a person to talk to."""

    topic, intent = "side_effects", "report_symptom"
    intro_template = "intro_symptom"
    offer_consultant = True

    def name(self) -> str:
        return "action_answer_symptom"


class ActionAnswerSameTopic(Action):
    """'What about capmatinib?': the last topic again, for the drug just named."""

    def name(self) -> str:
        return "action_answer_same_topic"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        topic = tracker.get_slot("topic")
        action = next(
            (cls() for cls in AnswerAction.__subclasses__() if cls.topic == topic and not cls.intro_template),
            None,
        )
        if action is None:
            kb = knowledge_base()
            context = resolve_drug(kb, tracker.latest_message or {}, tracker.get_slot("drug"))
            name = context.monograph.generic_name if context.monograph else context.unknown_name
            dispatcher.utter_message(
                text=phrase("what_about_drug", drug_name=name or ""), buttons=buttons("what_about_drug")
            )
            events: list[EventType] = []
            if context.monograph is not None:
                events.append(SlotSet("drug", context.monograph.id))
            elif context.unknown_name:
                events.append(SlotSet("drug", context.unknown_name))
            return events
        return await action.run(dispatcher, tracker, domain)


def _not_covered_lines(kb: KnowledgeBase, mono: Monograph, message: dict[str, Any], topic: str) -> list[str]:
    """What the label does not cover, said plainly: an everyday thing it never mentions
    (alcohol, coffee, ...), or another medicine we have no monograph for (a comparison, a
    second drug); interaction questions name the other medicine themselves."""
    text = str(message.get("text") or "")
    lines = [phrase("label_silent", drug_name=mono.generic_name, subject=s) for s in not_covered(mono, text)]
    if topic != "interactions":
        named = kb.drug_names.mentioned(entity_values(message, "drug"), text)
        others = [n for n in named if kb.find_drug(n) is None]
        lines += [phrase("other_drug_not_covered", drug_name=mono.generic_name, other=o) for o in others]
    return lines


def _interactions_not_named(
    kb: KnowledgeBase, mono: Monograph, message: dict[str, Any], sel: Selection
) -> list[str]:
    """'The label does not mention X by name' for each other medicine of the question that no
    matched interaction sub-topic names."""
    others = [n for n in entity_values(message, "drug") if kb.find_drug(n) is None]
    unmatched = [
        n
        for n in others
        if not any(
            n.lower() in i.title.lower() or any(t.lower() == n.lower() for t in i.terms) for i in sel.items
        )
    ]
    return [phrase("interaction_not_named", drug_name=mono.generic_name, other=o) for o in unmatched]


def _situation(mono: Monograph, text: str, terms: list[str], shown: Selection) -> Selection | None:
    """For a decision question that describes a situation ("I have a cold"), the eligibility
    facts on that situation not shown already: they are often what the physician will weigh."""
    situation = select(mono, "eligibility", text=text, entity_values=terms)
    seen = {f.text for f in shown.facts}
    facts = [f for f in situation.facts if f.text not in seen]
    if not situation.items or not facts:
        return None
    return replace(situation, facts=facts, table_hits=[], unlisted=[])
