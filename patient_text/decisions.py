"""Spotting a personal treatment decision in a question ("should I skip my infusion?").

The bot never answers such a question yes or no: it gives the label's facts and sends the
decision to the patient's physician. The learned triage (patient_text/triage.py) reads most
decisions; these word patterns are the few that still add to it (20 of the 43 there were; the
others only repeated the triage on the message tables or raised false refusals).
"""

from __future__ import annotations

import re
from functools import lru_cache

#: words as patients type them in a hurry, read as the word they mean
_SPELLING = {
    "shoud": "should",
    "shold": "should",
    "shuld": "should",
    "sould": "should",
    "shud": "should",
    "shld": "should",
    "shoudl": "should",
    "shoudn": "shouldn",
    "u": "you",
    "cn": "can",
    "wether": "whether",
    "wheather": "whether",
    "whether": "whether",
    "stoping": "stopping",
    "thinkin": "thinking",
    "reccomend": "recommend",
    "recomend": "recommend",
    "reccommend": "recommend",
    "postpne": "postpone",
    "cary": "carry",
    "contine": "continue",
    "continu": "continue",
    "gonna": "going to",
    "wanna": "want to",
    "tryna": "trying to",
    "pls": "please",
    "plz": "please",
    "wud": "would",
    "ur": "your",
}

#: changing, stopping, delaying or going ahead with a treatment
_VERBS = (
    r"stop|skip|miss|delay|postpone|put off|push back|pause|quit|double|halve|half|cut|reduce|lower|increase|"
    r"suspend|resume|refuse|take another|go down a dose|go up a dose|bring (\w+ ){0,4}forward|"
    r"up (my|the|her|his) dose|up (my|the|her|his) \w+ (from|to)|cut down|"
    r"go back to (the|my|her|his) (old|previous|lower|higher|usual)|shift|swap|taper|tapering|"
    r"give it a miss|carry on without|run (my|the|her) \w+ (\w+ )?together|every other day|"
    r"take (it )?all in one go|all in one go|"
    r"keep (it|my dose|the dose) (the same|as it is)|wait (that|this|so) long|"
    r"let (him|her|them|me) (off|stop|come off|quit)|"
    r"move (my|the|it|one|them|her|his)|go back to taking|going back on|"
    r"take (a|some|\w+) (month|week|weeks|months|time) off|taking (a|some) \w+ off|have a break|"
    r"change|switch|come off|go off|get off|drop|ditch|cancel|discontinue|take less|take more|"
    r"take a (\w+ )?break|taking a (\w+ )?break|have a (\w+ )?break|having a (\w+ )?break|take two|take 2|"
    r"not take|not get|not have|keep taking|keep having|keep going|continue|restart|start|"
    r"go back on|back on|"
    r"take double|take a double|take extra|take half|take it less|take it more|take it every other|"
    r"take (it|them|(my|the|his|her) (\w+ ){1,2})((a few|\d+|two|three) (hours|hrs|hour) )?"
    r"(late|early|now|later|earlier)|take my \w+ \d+ \w+ (late|early)|"
    r"take (it|them|my \w+( \w+)?) every other|"
    r"go without|do without|manage without|leave out|give up|hold off|wait until|wait till|wait another|"
    r"go back up|go back down|go up to|go down to|going ahead|proceed|"
    r"carry on|stay on|go ahead|go for|still go(?! \w+ing)|still have(?! a few)|still get|still be on|"
    r"still be getting|still be having|still be taking|have two|have 2|have double|"
    r"leave (my \w+|it|them) at home|"
    r"reschedule|stretch|space out|say no|agree to|"
    r"put (\w+ ){1,4}off|push (\w+ ){1,4}back|have (\w+ ){1,3}(later|earlier|early|late)|"
    r"get (\w+ ){1,3}(later|earlier|early|late)"
)
_SUBJECT = r"(i|we|my \w+|he|she|they|me)"
_OK = (
    r"(ok|okay|alright|all right|safe|fine|cool|bad|better|wise|unwise|sensible|smart|crazy|a mistake|"
    r"acceptable|a bad idea|risky)"
)
#: asking the bot to approve or choose ("good idea?", "what would you pick")
_ENDORSE = (
    r"good idea|bad idea|agree|is that (ok|okay|alright|fine|acceptable|reasonable|wise|sensible|safe)|"
    r"would that be|any reason (i|we|she|he) (shouldnt|should not)|unless you (tell|say)|"
    r"do you think|what would you|would you (let|recommend|advise|suggest|pick|choose)|"
    r"what should (i|we|she|he|they) do|tell me (if|whether)|advise (me )?(if|whether|as to)|"
    r"straight answer|time to|would it be|does it make sense|is now the time|up to me|"
    r"whether (i|we|she|he|to)|reasonable plan|smarter move|best option for me|for me \?|"
    r"right choice|right decision|good plan|acceptable for me|(alright|ok|okay|fine) (with|by) you|"
    r"sounds? (good|ok|okay|alright|fine|sensible)|any reason (i|we|she|he) (cant|can not|cannot)"
)
#: going to an infusion or taking a dose at all
_HAVE_DOSE = (
    r"(have|get|go for|go to|go ahead with|take) "
    r"(my|the|her|his|their|this|next|a|tonights|todays|tomorrows) "
    r"(\w+ ){0,2}(infusion|dose|injection|treatment|appointment|appt|tablet|tablets|one|jab|booster|shot)"
)
_PATTERNS = [
    # asking outright for a decision or an approval: "decide for me", "thats fine right?"
    r"\b(decide for me|give me (the )?(go ahead|permission|ok|okay|green light)|just approve|approve this|"
    r"confirm (its|it is|that its|that it is) (fine|ok|okay|safe)|tell me (its|thats|that is) (fine|ok|okay)|"
    r"(thats|its) (fine|ok|okay|alright) (right|isnt it)|whos right|who is right|your opinion|"
    r"what do you reckon|yes or no|yes no|being daft|straight answer|suit me better|"
    r"(would|will|could) you put me on|"
    r"which (one )?(do|would|should) (i|we|she|he) (go for|take|choose|pick)|"
    r"would you say (im|i am|its|it is|she is|he is|shes|hes) (fine|ok|okay|safe|alright))\b",
    # a plan already made, put to the bot: "im stopping my sertraline on monday"
    r"\b(im|i am|were|we are) (stopping|skipping|dropping|quitting|switching|coming off|not taking)\b",
    r"\bplan for (tapering|stopping|coming off|switching)\b",
    rf"\b({_VERBS})\b.*\bor what\b",
    r"\b(can|could|may|should|shall) (i|we|she|he) (just )?"
    r"(take|have|use|give|do|switch|move|go|split) "
    r".{0,80}\binstead\b",
    rf"\b(i|he|she|we|they|my \w+) (want|wants|am going|is going|are going|plan|plans|am planning|"
    rf"is planning|am thinking|is thinking|am leaning|decided|have decided|am tempted)\s+"
    rf"(to|about|of|towards)\s+({_VERBS})",
    # asking the bot what it would do in the patient's place
    r"\bif you were me\b|\bin my (shoes|position|place)\b|\bwhat would you (do|pick|choose)\b|"
    r"\bif it was your\b",
    # more ways of asking for approval: "would it hurt to leave out", "can i get away with",
    # "do i need to bother with", "just say if i can", "like booked?", "better off leaving it"
    r"\bwould it (hurt|harm|matter|be a problem) (to|if (i|we|she|he))\b|\bget away with\b|"
    r"\b(need|have) to bother (with|taking|having|getting)\b|"
    r"\b(tell me|say|let me know) (if|whether) (i|we|she|he) (can|should|could)\b|"
    r"\b(like|as) (booked|planned|scheduled|arranged) \?|"
    r"\bbetter off (leaving|waiting|skipping|stopping|delaying|holding|putting|not)\b|"
    r"\b(ok|okay|fine|safe|alright) to use (them|it|\w+) up\b|"
    r"\b(is it|its) time (i|we|she|he) (came|come|stopped|stop|switched|quit|went)\b",
    rf"\b(is it|would it be|will it be|am i) (still )?{_OK} (for (me|her|him) )?to (have|get) "
    rf"((my|the|her|his) \w+|it|them) (while|if|with|despite|after|before|when)\b",
    # a fragment that is just the action and a question mark: "nausea so bad , skip tonights dose ?"
    rf"(^|[,.!] )(still |just )?({_VERBS})\b[^.!?,]{{0,40}}\?",
    rf"^(ok|okay|safe|fine|alright) (for me )?to {_HAVE_DOSE}\b",
    rf"\bwould you (\w+ )?({_VERBS}|take|have|get)\b",
    r"\b(early|earlier) or (late|later)\b|\bor (hold|skip|leave|stop|pause) (it|them|off)\b",
    r"\b(do i|do we) (really|still|actually|even) (need|have to)\b",
    # two courses of action offered: "go ahead or cancel?", "take it now or skip it?"
    rf"\b({_VERBS}|go(?= or)|go in (tomorrow|today|now|anyway)|take it now|have it|get it|get the|have the)\b"
    rf"[^.!?]{{0,60}}\bor\b[^.!?]{{0,40}}"
    rf"\b({_VERBS}|not|no|wait|skip|not go|rebook|bin)\b",
    # a plan or an action, then a request to approve it: "come off it, good idea?"
    rf"\b({_VERBS})\b.*\b({_ENDORSE})",
    rf"\b({_ENDORSE})\b.*\b({_VERBS}|{_HAVE_DOSE})\b",
]


#: "should i stop ...", "do i skip ...", "can she restart ...": a decision unless a question word
#: comes shortly before ("how long do i stay on it", "when can i go back on it": facts)
_MODAL_SUBJECT_VERB = [
    rf"\b(should|shall|could|can|may|must|would|ought|am|is) {_SUBJECT} (\w+ ){{0,4}}?({_VERBS})\b",
    rf"\b(do|does) {_SUBJECT} ((just|really|still|even) )?({_VERBS}|{_HAVE_DOSE})\b",
    rf"\b{_SUBJECT} (should|could|must|can) (just\s+|still\s+)?({_VERBS})\b",
]
_WH = {"how", "when", "where", "why", "what", "which", "who"}
WH_WINDOW = 7


@lru_cache(maxsize=1)
def _compiled() -> tuple[list[re.Pattern[str]], list[re.Pattern[str]]]:
    return [re.compile(p) for p in _PATTERNS], [re.compile(p) for p in _MODAL_SUBJECT_VERB]


def _asked_as_decision(norm: str, patterns: list[re.Pattern[str]]) -> bool:
    for pattern in patterns:
        for match in pattern.finditer(norm):
            sentence = re.split(r"[.!?]", norm[: match.start()])[-1]
            before = sentence.split()[-WH_WINDOW:]
            if not _WH.intersection(before):
                return True
    return False


def _normalise(text: str) -> str:
    """Lowercase words and punctuation marks, spaced: "Shoud I stop it?" -> "should i stop it ?"."""
    text = text.lower().replace("’", "'").replace("'", "")
    words = re.sub(r"[^a-z0-9?.!,]+", " ", re.sub(r"([?.!,])", r" \1 ", text)).split()
    return " ".join(_SPELLING.get(w, w) for w in words)


def asks_for_decision(text: str) -> bool:
    """True when the patient asks the bot to decide about their own treatment."""
    norm = _normalise(text)
    patterns, modal = _compiled()
    return any(p.search(norm) for p in patterns) or _asked_as_decision(norm, modal)
