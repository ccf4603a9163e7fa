"""'Which label version is this from?': the sources of the drug in context, their revision,
when our editors last checked them, and any newer revision not yet checked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from rasa_sdk import Action, Tracker
from rasa_sdk.events import EventType, SlotSet
from rasa_sdk.executor import CollectingDispatcher

from actions.drug_context import resolve_drug
from actions.knowledge_base import knowledge_base
from actions.phrases import phrase
from knowledge import Monograph


def _month(day: dt.date | None) -> str:
    return day.strftime("%B %Y") if day else ""


def source_lines(mono: Monograph) -> list[str]:
    """One line per source the monograph cites, labels first, then any newer revision."""
    cited = {
        f.source
        for topic in mono.topics.values()
        for f in [*topic.summary, *(x for i in topic.items for x in i.facts)]
    }
    cited |= {t.source for t in mono.adverse_reaction_tables}
    sources = [(key, src) for key, src in mono.sources.items() if key in cited]
    sources.sort(key=lambda kv: kv[1].kind != "label")
    lines: list[str] = []
    for _, src in sources:
        if src.kind == "secondary" and src.revised is None:
            lines.append(phrase("label_version_secondary", title=src.title, accessed=_month(src.accessed)))
        elif src.checked:
            lines.append(
                phrase(
                    "label_version_source",
                    title=src.title,
                    revised=_month(src.revised),
                    checked=_month(src.checked),
                )
            )
        else:
            lines.append(
                phrase("label_version_source_unchecked", title=src.title, revised=_month(src.revised))
            )
    for _, src in sources:
        if src.newer_revision:
            lines.append(phrase("label_version_newer", title=src.title, newer=_month(src.newer_revision)))
    return lines


class ActionLabelVersion(Action):
    """Lists the label revisions the answers about the drug in context come from."""

    def name(self) -> str:
        return "action_label_version"

    async def run(
        self, dispatcher: CollectingDispatcher, tracker: Tracker, domain: dict[str, Any]
    ) -> list[EventType]:
        context = resolve_drug(knowledge_base(), tracker.latest_message or {}, tracker.get_slot("drug"))
        mono = context.monograph
        if mono is None:
            dispatcher.utter_message(text=phrase("label_version_no_drug"))
            return []
        text = "\n".join([phrase("label_version_intro", drug_name=mono.generic_name), *source_lines(mono)])
        dispatcher.utter_message(text=text)
        return [SlotSet("drug", mono.id)]
