"""Red-flag detection on a table of messages: positives, negatives, negations, past mentions."""

from __future__ import annotations

import pytest

from bot.nlu.red_flag_detector import RedFlagDetector
from knowledge import KnowledgeBase
from knowledge.red_flags import URGENCY_ORDER, RedFlagMatcher

# (message, most urgent level or None, a flag key that must be among the detections or "")
CASES = [
    # severe allergic / infusion reaction: emergency
    ("my throat is swelling", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("i cant breathe after the infusion", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("I can’t breathe", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("i cant breath properly", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("having trouble breathing since my ocrevus dose", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("my lips are swelling up", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("my face is swelling", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("I feel faint", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("i passed out after the infusion", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("my tongue is swollen and i feel weird", "emergency", "ocrelizumab/severe_allergic_reaction"),
    # PML signs: same day
    ("one side of my body feels weak", "same_day", "ocrelizumab/pml_signs"),
    ("i am getting clumsy with my left hand", "same_day", "ocrelizumab/pml_signs"),
    ("my vision is blurry since yesterday", "same_day", "ocrelizumab/pml_signs"),
    ("I feel confused all the time", "same_day", "ocrelizumab/pml_signs"),
    ("my husband says my personality has changed", "same_day", "ocrelizumab/pml_signs"),
    # infection
    ("i have a fever since my last dose", "same_day", "ocrelizumab/serious_infection"),
    ("I have fever and chills", "same_day", "ocrelizumab/serious_infection"),
    ("it burns when i pee", "same_day", "ocrelizumab/serious_infection"),
    ("I have a cough that wont go away", "same_day", "ocrelizumab/serious_infection"),
    ("i think i have shingles", "same_day", "ocrelizumab/serious_herpes"),
    ("i have a stiff neck and a headache", "same_day", "ocrelizumab/serious_herpes"),
    # liver
    ("my eyes look yellow", "same_day", "ocrelizumab/liver_injury"),
    ("my skin is yellow", "same_day", "ocrelizumab/liver_injury"),
    ("I have dark urine", "same_day", "ocrelizumab/liver_injury"),
    # colitis
    ("there is blood in my stool", "same_day", "ocrelizumab/colitis"),
    ("I have bloody diarrhea", "same_day", "ocrelizumab/colitis"),
    ("diarrhea for a week now", "same_day", "ocrelizumab/colitis"),
    # capmatinib
    ("i have a new cough on tabrecta", "same_day", "capmatinib/lung_inflammation"),
    ("my cough is getting worse", "same_day", "capmatinib/lung_inflammation"),
    # general emergencies and crisis
    ("I have chest pain", "emergency", "general/chest_pain"),
    ("my chest hurts", "emergency", "general/chest_pain"),
    ("his face is drooping and his speech is slurred", "emergency", "general/stroke_signs"),
    ("she is having a seizure", "emergency", "general/seizure"),
    ("my wife collapsed", "emergency", "general/collapse"),
    ("I want to kill myself", "crisis", "general/self_harm"),
    ("i feel suicidal since starting ocrevus", "crisis", "general/self_harm"),
    ("sometimes i think i would be better off dead", "crisis", "general/self_harm"),
    ("I want to end my life", "crisis", "general/self_harm"),
    # a question whether the drug can cause it is a side-effect question, not a report
    ("can ocrevus make you suicidal", None, ""),
    # the most urgent wins when there are several
    ("I have a fever and my throat is swelling", "emergency", "ocrelizumab/serious_infection"),
    ("i feel suicidal and i have chest pain", "crisis", "general/chest_pain"),
    ("my eyes look kinda yellow lately", "same_day", "ocrelizumab/liver_injury"),
    ("since starting ocrevus i feel so low i dont want to be alive anymore", "crisis", "general/self_harm"),
    # negated
    ("I have no fever", None, ""),
    ("no trouble breathing, just tired", None, ""),
    ("I don't have chest pain", None, ""),
    ("my throat is not swelling", None, ""),
    ("I'm not suicidal, just sad", None, ""),
    ("never had a seizure", None, ""),
    ("without any fever", None, ""),
    # resolved or in the past
    ("I had trouble breathing last year", None, ""),
    ("I had a fever last week but it went away", None, ""),
    ("my eyes were yellow years ago", None, ""),
    ("I used to have seizures as a child", None, ""),
    ("the chest pain is gone now", None, ""),
    # hypothetical or general questions
    ("does ocrevus cause trouble breathing", None, ""),
    ("can it cause chest pain", None, ""),
    ("what if my throat is swelling during the infusion", None, ""),
    ("is fever a common side effect", None, ""),
    ("can ocrevus cause seizures?", None, ""),
    # ordinary messages
    ("what are the side effects of ocrevus", None, ""),
    ("how often do i get the infusion", None, ""),
    ("can i breastfeed on ocrevus", None, ""),
    ("I had a rash last year", None, ""),
    ("I'm a bit tired after the infusion", None, ""),
    ("hello", None, ""),
    ("my name is Faith Walker", None, ""),
    ("call me on 555 0100", None, ""),
    ("how much does it cost", None, ""),
    ("what is the fever reducer before the infusion", None, ""),
]


# Messy, misspelt and reordered ways of saying the same symptoms ("+" patterns, stems,
# fuzzy words), and the questions and negations that must stay quiet.
MESSY_CASES = [
    ("i cant breath after the infusion", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("lips swolen", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("face swelling up after ocrevus", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("short of breath and wheezing", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("my mouth is swelling up", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("my tongue feels huge and swollen", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("eyelids puffed up and itchy after infusion", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("i can hardly breathe", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("breathing is really hard right now", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("swollen throat after my dose", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("puffy face and lips after the infusion today", "emergency", "ocrelizumab/severe_allergic_reaction"),
    ("i keep blacking out", "emergency", "general/collapse"),
    ("my left arm is weak since yesterday", "same_day", "ocrelizumab/pml_signs"),
    ("my right leg has gone weak this week", "same_day", "ocrelizumab/pml_signs"),
    ("i feel clumsy and keep dropping things", "same_day", "ocrelizumab/pml_signs"),
    ("cant walk straight suddenly", "same_day", "ocrelizumab/pml_signs"),
    ("things look blurry out of my left eye since monday", "same_day", "ocrelizumab/pml_signs"),
    ("my partner says i'm not myself lately and forgetting things", "same_day", "ocrelizumab/pml_signs"),
    ("i'm confused and my wife says i'm acting different", "same_day", "ocrelizumab/pml_signs"),
    ("having a fever of 39", "same_day", "ocrelizumab/serious_infection"),
    ("high temperature and shivering", "same_day", "ocrelizumab/serious_infection"),
    ("i have a temp of 102", "same_day", "ocrelizumab/serious_infection"),
    ("burning up with fever", "same_day", "ocrelizumab/serious_infection"),
    ("temp is 38.9 and rising", "same_day", "ocrelizumab/serious_infection"),
    ("my skin has gone a yellowish colour", "same_day", "ocrelizumab/liver_injury"),
    ("my wee is brown like tea", "same_day", "ocrelizumab/liver_injury"),
    ("blood in my poo", "same_day", "ocrelizumab/colitis"),
    ("ive had the runs for 10 days and theres blood", "same_day", "ocrelizumab/colitis"),
    ("bleeding from my bottom", "same_day", "ocrelizumab/colitis"),
    ("thinking about ending it all", "crisis", "general/self_harm"),
    ("i honestly feel like ending my life", "crisis", "general/self_harm"),
    ("whats the point of going on, i want to die", "crisis", "general/self_harm"),
    ("chest pressure and sweating", "emergency", "general/chest_pain"),
    ("my dad's face looks lopsided and he is slurring his words", "emergency", "general/stroke_signs"),
    ("my son is fitting", "emergency", "general/seizure"),
    ("she fainted and wont wake up", "emergency", "general/collapse"),
    ("can ocrevus make your face swell?", None, ""),
    ("what drugs can cause swelling of the lips", None, ""),
    ("i had a fever two weeks ago but i'm fine now", None, ""),
    ("i had a fever last week and im fine now", None, ""),
    ("new cough since starting tabrecta 2 weeks ago", "same_day", "capmatinib/lung_inflammation"),
    ("fever n chills", "same_day", "ocrelizumab/serious_infection"),
    ("38.5 temp this morning", "same_day", "ocrelizumab/serious_infection"),
    ("chest pian", "emergency", "general/chest_pain"),
    ("my son says he wants to end his life", "crisis", "general/self_harm"),
    ("no swelling at all", None, ""),
    ("is blurry vision a side effect of ocrevus", None, ""),
    ("how long does blurred vision from eye drops last", None, ""),
    ("what is the temperature for storing it", None, ""),
    ("can i keep it at room temp", None, ""),
    ("is the vaccine given as drops in the mouth", None, ""),
    ("i'm not feeling suicidal", None, ""),
    ("how do i know if i'm having an allergic reaction", None, ""),
    ("i'm confused about how often to take it", None, ""),
    # everyday messages the first set-8 patterns ("enough saved up", "hope i dont make it", "so i
    # dont wake up", "its goodbye", ...) answered with the crisis line
    ("i have enough saved up for the copay, how much is ocrevus", None, ""),
    ("who should my family call if something happens to me tonight after the infusion", None, ""),
    ("will the morphine help my mum go peacefully in the hospice", None, ""),
    ("how high is the car park barrier for my wheelchair van", None, ""),
    ("im not planning on making it to the pharmacy before it closes", None, ""),
    ("i hope i dont make it worse by going to the gym", None, ""),
    ("im on prednisone but not for much longer thankfully", None, ""),
    ("should i take my painkiller before bed so i dont wake up in pain", None, ""),
    ("ok thats all, its goodbye from me", None, ""),
    ("i hope i dont wake up with a rash tomorrow", None, ""),
]


@pytest.fixture(scope="module")
def matcher() -> RedFlagMatcher:
    return RedFlagMatcher.from_knowledge(KnowledgeBase.load())


#: everyday messages the learned triage still answers with the crisis line (the old patterns'
#: false alarms, kept as quiet cases): visible until the corpus teaches it otherwise
KNOWN_FALSE_ALARMS = {
    "who should my family call if something happens to me tonight after the infusion",
    "im not planning on making it to the pharmacy before it closes",
    "i hope i dont make it worse by going to the gym",
    "should i take my painkiller before bed so i dont wake up in pain",
    "ok thats all, its goodbye from me",
    "i hope i dont wake up with a rash tomorrow",
}


def _table_params() -> list[object]:
    return [
        pytest.param(*case, id=case[0], marks=pytest.mark.xfail(strict=True))
        if case[0] in KNOWN_FALSE_ALARMS
        else pytest.param(*case, id=case[0])
        for case in CASES + MESSY_CASES
    ]


@pytest.mark.parametrize(("message", "level", "key"), _table_params())
def test_red_flag_table(
    red_flag_detector: RedFlagDetector, message: str, level: str | None, key: str
) -> None:
    """The whole safety reader: the pattern's own flag, or the triage's at the same level or a
    more pressing one (when unsure, caution)."""
    (verdict,) = red_flag_detector.reader.read([message])
    found = verdict.red_flags
    if level is None:
        assert found == [], [d.key for d in found]
        return
    assert found, f"no red flag found in {message!r}"
    assert URGENCY_ORDER[found[0].urgency] <= URGENCY_ORDER[level], [(d.key, d.urgency) for d in found]
    keys = [d.key for d in found]
    assert key in keys or any(k.startswith("general/triage_") for k in keys), keys


def test_table_is_large_enough() -> None:
    assert len(CASES) >= 60
    assert sum(1 for c in CASES if c[1] is None) >= 20


def test_a_new_drug_brings_its_own_red_flags(tmp_path) -> None:
    from pathlib import Path

    fixture = Path(__file__).parent / "fixtures" / "testdrug.yml"
    (tmp_path / "testdrug.yml").write_text(fixture.read_text())
    matcher = RedFlagMatcher.from_knowledge(KnowledgeBase.load(tmp_path))
    found = [d.key for d in matcher.detect("help my throat is swelling")]
    assert "testdrug/anaphylaxis" in found and "general/breathing_or_allergic" in found


def test_parse_pattern_terms_and_alternatives() -> None:
    from knowledge.red_flags import parse_pattern

    assert parse_pattern("trouble breathing") == ((("trouble", "breathing"),),)
    assert parse_pattern("lips|my face + swollen") == ((("lips",), ("my", "face")), (("swollen",),))


def test_every_term_of_a_plus_pattern_must_be_in_the_same_clause(tmp_path) -> None:
    from knowledge.red_flags import FlagPattern, parse_pattern

    matcher = RedFlagMatcher(
        [FlagPattern("d", "f", "emergency", "t", parse_pattern("lips|face + swollen|puffy"))]
    )
    assert [d.matched for d in matcher.detect("my face is all puffy")] == ["face puffy"]
    assert [d.matched for d in matcher.detect("swollen lips")] == ["swollen lips"]
    assert matcher.detect("my face is fine. my ankle is swollen") == []
    assert matcher.detect("my lips are not swollen") == []


def test_no_red_flag_lists_a_pattern_twice(matcher: RedFlagMatcher) -> None:
    seen: set[tuple[str, object]] = set()
    repeated = []
    for pattern in matcher.patterns:
        if (pattern.key, pattern.terms) in seen:
            repeated.append(pattern.key)
        seen.add((pattern.key, pattern.terms))
    assert repeated == []
