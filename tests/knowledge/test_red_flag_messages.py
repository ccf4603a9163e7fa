"""Red flags in messages as patients and carers type them (red_flag_messages.tsv): terse,
misspelt, told about a relative, buried in another request; and the look-alikes that must stay
quiet (questions about side effects, negations, past mentions, idioms)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.nlu.evaluate import load_own
from bot.nlu.red_flag_detector import RedFlagDetector
from knowledge import KnowledgeBase
from knowledge.red_flags import RedFlagMatcher
from testkit import labelled_messages, message_params

MESSAGES = Path(__file__).parent / "red_flag_messages.tsv"
TRAINING = Path(__file__).parents[2] / "data" / "nlu"

#: the red flags that answer each category of the file (the same sign may be, say, an infusion
#: reaction or an infection; either answer sends the patient to their physician today)
ACCEPT = {
    "allergic": {"ocrelizumab/severe_allergic_reaction", "capmatinib/severe_breathing_or_allergic"},
    "infusion_reaction": {
        "ocrelizumab/infusion_reaction_symptoms",
        "ocrelizumab/severe_allergic_reaction",
        "ocrelizumab/serious_infection",
    },
    "pml": {"ocrelizumab/pml_signs", "general/stroke_signs"},
    "infection": {
        "ocrelizumab/serious_infection",
        "ocrelizumab/infusion_reaction_symptoms",
        "ocrelizumab/serious_herpes",
        "capmatinib/lung_inflammation",
    },
    "herpes": {"ocrelizumab/serious_herpes", "ocrelizumab/serious_infection"},
    "liver": {"ocrelizumab/liver_injury", "capmatinib/liver_injury"},
    "colitis": {"ocrelizumab/colitis"},
    "lung": {
        "capmatinib/lung_inflammation",
        "capmatinib/severe_breathing_or_allergic",
        "ocrelizumab/serious_infection",
        "ocrelizumab/severe_allergic_reaction",
    },
    "self_harm": {"general/self_harm"},
    "chest_pain": {"general/chest_pain"},
    "stroke": {"general/stroke_signs", "ocrelizumab/pml_signs"},
    "seizure": {"general/seizure", "general/collapse"},
    "collapse": {"general/collapse", "ocrelizumab/severe_allergic_reaction"},
}

#: messages the matcher still gets wrong, kept visible: each must keep failing until fixed
#: (strict xfail), then it moves out of this list
KNOWN_WRONG = {
    "red bumpy rash round where the jab went in and its spreading, had it this morning",
    "a friend on ocrevus said she fainted once, does that happen a lot?",
    "vision was blurry for an hour after the eye drops at the optician, all fine now",
    "whole tummy is itchy and blotchy now, had the under the skin ocrevus 3 hrs ago",
    "sob on tabracta, new",
    "been on the toilet constently since sunday, watery, and now some blood. sorry tmi",
    "my wifes shaking and stiff and her eyes rolled bak, happening now",
    "the film last night had a scene where someone had a seizure and it freaked me out lol, "
    "anyway whats the dose for the injection",
    "our deal with the insurance collapsed so how much does ocrevus cost out of pocket",
    "stiff neck from sleeping funny on the hotel pillow, otherwise fine",
    "i blacked out the wrong dates on the form by accident, can i still send it in",
    "feel sick and the room keeps tilting, only got home from the hospital drip 3 hours ago",
    "Good evening, my mother had the injection under the skin at 2pm and the site and her whole "
    "tummy are now red, hot and itchy, plus she has a headache. Should we be worried?",
    "my wife has become a different person in the past month - laughing at odd things, no filter, "
    "spending money like water. she's been on ocrelizumab since 2019",
    "toilet looks like a crime scene after every poo and its all watery",
    "i cant get my words out, they come out wrong, started all of a sudden at breakfast",
    "call back my son is having a sees your right now what do I do",
    "my friend on a forum said she got a rash after her infusion, is that common",
    "the waiting room was so cold I was shivering lol, can i bring a blanket next time",
    # set 6
    "tickle in my throat that wont stop coughing, started during todays infusion",
    "totally drained, cant eat a thing, feel sick constantly for a week now, on orserdu",
    "on tabrecta and i cant walk to the end of the garden without gasping",
    "our dog had a fit last night so i missed your call, can we rebook",
    "watched greys anatomy and a guy collapsed from an allergic reaction, is that realistic with ocrevus?",
    "my cat is wheezing, vet appt tomorrow. unrelated - when is my refill due",
    "someone had a fit on a tv show and my daughter asked if mummy's medicine does that",
    # set 7 (self-harm): goodbyes and plans that read like everyday requests, an idiom-like
    # self-injury; and side-effect questions naming suicide, which count by design
    "cancel my next ocrevus infusion please, I won't be around for it",
    "i bang my head against the wall till it bleeds, dont know how to stop",
    "Please tell my oncologist thank you for everything. I won't be needing any more appointments. Goodbye",
    "how much does orserdu cost without insurance, need to work out what money ill leave my kids when "
    "im not here anymore... which will be soon",
    "is there an overdose amount for tabrecta? i want to make sure i take enough",
    "Can ocrevus cause depression or suicidal thoughts?",
    "does orserdu list suicidal ideation as a side effect",
    "my friend lost her husband to suicide years ago and she's doing a charity run, "
    "can I join in while on ocrevus?",
    "i've got a rope swing in the garden, is it safe to use with my MS balance problems",
    # set 8 (self-harm told indirectly): hints without a word for it, goodbyes that read like
    # thanks, carers' observations; side-effect questions naming suicide and hearsay, which
    # count by design or are tolerated
    "whats the point booking the next infusion if i wont be around in 6 months",
    "can u cancel my ocrevus appointments permanently, ive written letters for my kids",
    "hw mch paracetamol b4 ur liver gives up? asking for me",
    "said goodbye to my mum today. she doesnt know it was goodbye",
    "gave my cat to my neighbour and sorted my will, so dont bother rebooking my ocrevus",
    "this is my last message, thank you for the help with my infusions over the years",
    "cant do this anymore. not the infusions. life.",
    "my partner with ms has stopped talking about the future, keeps saying sorry for "
    "everything and hugging the kids too long",
    "already wrote the notes. just wanted to say thanks to whoever reads this",
    "i feel like a ghost already, might as well make it official",
    "i dont want to fight it anymore, i want out. permanently",
    "what happens if u inject air into a vein, need to know tonight",
    "cancelling everything. infusions, physio, all of it. sorting the house so its easy for them after",
    "this time i wont mess it up",
    "im sorry mum. i love you. please dont blame the ms team",
    "this headache after ocrevus is killing me",
    "can ocrevus cause low mood or suicidal thoughts? asking before i start",
    "watched a show where someone overdosed on insulin, can that happen with ocrevus",
    "a woman in my ms facebook group said she got shingles from ocrevus, is that true",
    "ugh i just want this week to end",
}


CASES = labelled_messages(MESSAGES)


@pytest.fixture(scope="module")
def matcher() -> RedFlagMatcher:
    return RedFlagMatcher.from_knowledge(KnowledgeBase.load())


@pytest.mark.parametrize(("set_name", "label", "message"), message_params(CASES, KNOWN_WRONG))
def test_message(red_flag_detector: RedFlagDetector, set_name: str, label: str, message: str) -> None:
    """What the bot finds: the patterns, and the similarity check (tests/conftest.py)."""
    (found_flags,) = red_flag_detector.detect([message])
    found = {d.key for d in found_flags}
    if label == "none":
        assert found == set(), f"false alarm {sorted(found)} for {message!r}"
    else:
        assert found & ACCEPT[label], f"{label} not found in {message!r} (found {sorted(found)})"


def test_the_file_is_labelled_and_large() -> None:
    labels = [label for _, label, _ in CASES]
    assert set(labels) <= {*ACCEPT, "none"}
    assert len(labels) >= 600
    assert all(labels.count(category) >= 20 for category in ACCEPT)
    assert labels.count("none") >= 150


#: training questions (not symptom reports) on which a red flag fires; each was read and judged
#: a fair alarm (a symptom the writer has now) or a tolerable one. A new pattern that fires on
#: another question shows up here.
FLAGGED_TRAINING_QUESTIONS = {
    "pregabalin blurred vision?",
    "chest tightness after sumatriptan is that normal",
    "my teenager is on fluoxetine, does it raise the risk of suicidal thoughts",
    "how many nitroglycerin tablets can i take for chest pain",
    "is it ok to get my dose if i have a fever today",
    "can i take tramadol if i have seizures",
    "clumsiness and vision changes could that be pml",
    "pml signs weakness on one side confusion",
    "headache after infusion is that normal side effect",
    "lisinopril cough wont go away",
    "my mom is 82 and just started donepezil, she seems more confused at night, "
    "is that something the drug does",
    "montelukast and behaviour changes in kids, how worried should i be",
}


def _training_questions() -> list[str]:
    return [e.text for e in load_own(TRAINING) if e.intent != "report_symptom"]


def test_red_flags_stay_quiet_on_the_training_questions(matcher: RedFlagMatcher) -> None:
    questions = _training_questions()
    assert len(questions) > 3000
    flagged = {q for q in questions if matcher.detect(q)}
    assert flagged == FLAGGED_TRAINING_QUESTIONS
