"""Spotting a personal treatment decision in a question ("should I skip my infusion?").

The bot never answers such a question yes or no: it gives the label's facts and sends the
decision to the patient's physician. Deterministic word patterns, no model.
"""

from __future__ import annotations

import re

_VERBS = (
    r"stop|skip|miss|delay|postpone|put off|push back|pause|quit|double|halve|cut|reduce|lower|increase|"
    r"change|switch|come off|go off|get off|drop|cancel|take less|take more|take a break|take two|"
    r"not take|not get|not have|keep taking|continue|restart|start|"
    r"take double|take a double|take extra|take half|take it less|take it more|take it every other|"
    r"go without|do without|manage without|leave out|give up|hold off|wait until|wait till|wait another|"
    r"keep going|carry on|stay on|"
    r"put (\w+ ){1,4}off|push (\w+ ){1,4}back|have (\w+ ){1,3}(later|earlier)|get (\w+ ){1,3}(later|earlier)"
)
#: "should" as patients type it in a hurry
_SHOULD = r"should|shoud|shold|shuld|sould|shud|shld|shoudl"
_PATTERNS = [
    rf"\b({_SHOULD}|shall|could|can|may|must|would)\s+(i|we|my \w+)\s+"
    rf"(just\s+|still\s+|really\s+)?({_VERBS})\b",
    rf"\b(is it|would it be|will it be)\s+(ok|okay|alright|all right|safe|fine|bad|better)\s+"
    rf"(to|if i|if we)\s+(just\s+)?({_VERBS})\b",
    r"\b(do i|do we)\s+(have|need)\s+to\s+(keep|continue|take|get|stay)\b",
    rf"\b(i want|i am going|im going|i plan|i am thinking|im thinking|thinking)\s+(to|about|of)\s+({_VERBS})",
    r"\bshould (i|we)\s+(still\s+)?(take|get|have|use)\s+\S+.*\b(if|when|while|since|after|before)\b",
    r"\bwhat (dose|amount) should i\b",
    rf"\b(i|we) (should|could|must) (just\s+|still\s+)?({_VERBS})\b",
    # asking the bot what it would do in the patient's place
    r"\bif you were me\b|\bin my (shoes|position|place)\b|\bwhat would you do\b",
    rf"\bwould you (\w+ )?({_VERBS}|take|have|get)\b",
    rf"\b(do|would) you (think|say|recommend|advise|suggest) (that )?(i|we) ({_SHOULD}|need|{_VERBS})\b",
    r"\b(do i|do we) (really|still|actually) (need|have to)\b",
    r"\bworth (continuing|taking|staying|keeping|starting|switching|stopping|carrying on)\b",
    rf"^(its |it is |is it )?(ok|okay|alright|fine|safe) (to|if i) (just\s+)?({_VERBS})\b",
    r"\bi (dont|do not) want (to take|to have|to get|the|my|another)\b.*\b(ok|okay|alright|fine|safe)\b",
]
_COMPILED = [re.compile(p) for p in _PATTERNS]


def asks_for_decision(text: str) -> bool:
    """True when the patient asks the bot to decide about their own treatment."""
    norm = " ".join(text.lower().replace("’", "'").replace("'", "").split())
    return any(p.search(norm) for p in _COMPILED)
