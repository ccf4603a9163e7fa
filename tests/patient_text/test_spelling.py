"""The one spelling tolerance: normal form, similarity, the per-use tolerances and the speller."""

from __future__ import annotations

import pytest

from patient_text.spelling import (
    DRUG_IN_TEXT,
    DRUG_NAME,
    PATTERN_WORD,
    TERM,
    Speller,
    Tolerance,
    edit_distance,
    letter_dropped,
    nearest,
    normalise,
    similarity,
    transposed,
)


def test_normalise_lowers_drops_punctuation_and_plural_s() -> None:
    assert normalise("Infusion Reactions!") == "infusion reaction"
    assert normalise("Don't miss") == "dont miss"  # "ss" is no plural


def test_similarity_is_difflibs_ratio() -> None:
    assert similarity("shingles", "shingles") == 1.0
    assert similarity("shingels", "shingles") == pytest.approx(0.875)
    assert similarity("abc", "xyz") == 0.0
    assert similarity("shingels", "shingles", at_least=0.85) == pytest.approx(0.875)
    assert similarity("shingels", "rash", at_least=0.85) == 0.0  # surely under: not worked out


def test_the_order_of_the_words_is_kept_per_use() -> None:
    # difflib's ratio is not symmetric: a tolerance compares in the order its use always did
    assert similarity("elacesttat", "elacestrant") < 0.85 <= similarity("elacestrant", "elacesttat")
    assert not DRUG_IN_TEXT.accepts("elacesttat", "elacestrant")  # (typed, known)
    assert Tolerance(0.85, known_first=True).accepts("elacesttat", "elacestrant")  # (known, typed)


@pytest.mark.parametrize(
    ("tolerance", "typed", "known", "expected"),
    [
        (TERM, "shingels", "shingles", True),  # one swap in a long word
        (TERM, "rahs", "rash", False),  # known words under five letters must be exact
        (TERM, "rash", "rash", True),  # exact is always accepted
        (DRUG_IN_TEXT, "testdrugumub", "testdrugumab", True),
        (DRUG_IN_TEXT, "testdrugumabxyz", "testdrugumab", False),  # three letters too long
        (PATTERN_WORD, "diarhea", "diarrhea", True),
        (PATTERN_WORD, "fiarrhea", "diarrhea", False),  # the first letter must be right
    ],
)
def test_tolerances(tolerance: Tolerance, typed: str, known: str, expected: bool) -> None:
    assert tolerance.accepts(typed, known) is expected


def test_nearest_picks_the_most_similar_accepted_word() -> None:
    assert nearest("ocrevis", ["ocrevus", "orserdu", "tabrecta"], DRUG_NAME) == "ocrevus"
    assert nearest("aspirin", ["ocrevus", "orserdu", "tabrecta"], DRUG_NAME) is None


def test_nearest_breaks_ties_like_get_close_matches() -> None:
    # "abcx" is as close to "abcd" as to "abce": the last in alphabetical order wins
    assert nearest("abcx", ["abcd", "abce"], Tolerance(0.7)) == "abce"


def test_edit_distance_counts_a_swap_as_one_edit() -> None:
    assert edit_distance("adminitsered", "administered") == 1
    assert edit_distance("milagrams", "milligrams") == 2
    assert edit_distance("", "side") == 4


@pytest.mark.parametrize(
    ("a", "b", "expected"), [("pian", "pain", True), ("pain", "rain", False), ("pian", "pains", False)]
)
def test_transposed_is_one_swap_of_neighbours_only(a: str, b: str, expected: bool) -> None:
    assert transposed(a, b) is expected


@pytest.mark.parametrize(
    ("typed", "expected"), [("efects", True), ("effects", False), ("efect", False), ("affects", False)]
)
def test_letter_dropped_is_one_missing_letter_only(typed: str, expected: bool) -> None:
    assert letter_dropped(typed, "effects") is expected


def test_speller_corrects_to_the_nearest_and_most_frequent_target() -> None:
    speller = Speller({"side": 40, "sole": 2, "effects": 30}, {"the"})
    assert speller.text("the sode efects") == "the side effects"
    assert speller.word("sid") == "sid"  # three letters: left alone
