"""Loading and validating case files: good files parse; every mistake names file, line, case, step."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from bot.convtest.cases import ANY_VALUE, CaseFileError, find_files, load_cases, load_file, select_cases
from bot.convtest.domain import Domain

WriteCases = Callable[[str, str], Path]

GOOD = """
test_cases:
  - test_case: dosing on the ocrelizumab page
    metadata: {drug: ocrelizumab}
    steps:
      - user: "how often is it given"
      - bot_matches: "every 6 months"
      - cites: "2.3"
      - cites: ["2.3", 1]
      - disclaimer: true
      - slot_was_set:
          - drug: ocrelizumab
          - topic
      - utter: utter_goodbye
      - bot: "exact text"
      - no_text: "capmatinib"
      - urgent: false
      - ticket_filed: {reference_regex: "MC-\\\\w+"}
  - test_case: handoff
    skip: "needs the form"
    steps:
      - user: "call me"
      - ticket_filed: true
"""


def test_a_good_file_parses_with_metadata_skip_and_every_step_kind(
    write_cases: WriteCases, domain: Domain
) -> None:
    path = write_cases("dosing.yml", GOOD)
    first, second = load_file(path, domain)
    assert first.name == "dosing on the ocrelizumab page"
    assert first.metadata == {"drug": "ocrelizumab"}
    assert first.id == "dosing.yml::dosing on the ocrelizumab page"
    assert [s.kind for s in first.steps][:4] == ["user", "bot_matches", "cites", "cites"]
    assert first.steps[3].value == ("2.3", "1")
    slots = next(s for s in first.steps if s.kind == "slot_was_set").value
    assert slots == [("drug", "ocrelizumab"), ("topic", ANY_VALUE)]
    assert first.steps[0].line == 6 and first.steps[0].index == 1
    assert second.skip == "needs the form" and second.steps[1].value[0] is True


def test_describe_shows_the_step_as_written(write_cases: WriteCases, domain: Domain) -> None:
    case = load_file(write_cases("d.yml", GOOD), domain)[0]
    described = [s.describe() for s in case.steps]
    assert 'cites: "2.3"' in described
    assert 'slot_was_set: [{"drug": "ocrelizumab"}, "topic"]' in described
    assert "disclaimer: true" in described


@pytest.mark.parametrize(
    ("step", "message"),
    [
        ('- reply: "hi"', "unknown step key 'reply'; known keys: user, bot, utter"),
        ("- cites: 5.1", 'write the section in quotes (cites: "5.1")'),
        ('- cites: "five"', "a label section looks like"),
        ('- bot_matches: "(unclosed"', "invalid regular expression '(unclosed'"),
        ("- utter: utter_greeet", "the domain has no response 'utter_greeet' (did you mean utter_greet"),
        ("- slot_was_set: [{medicine: x}]", "the domain has no slot 'medicine'"),
        ('- disclaimer: "yes please"', "disclaimer must be true or false"),
        ("- ticket_filed: {regex: x}", "ticket_filed must be true, false, or {reference_regex: REGEX}"),
        ('- {user: "a", bot: "b"}', "a step is one 'key: value' pair"),
        ("- user: ''", "user must be the patient's message"),
    ],
)
def test_a_bad_step_is_named_with_file_line_case_and_step(
    write_cases: WriteCases, domain: Domain, step: str, message: str
) -> None:
    path = write_cases(
        "bad.yml", f'test_cases:\n  - test_case: broken one\n    steps:\n      - user: "hi"\n      {step}\n'
    )
    with pytest.raises(CaseFileError) as err:
        load_file(path, domain)
    text = str(err.value)
    assert f"{path}:5: case 'broken one', step 2: " in text
    assert message in text


def test_a_bot_step_before_any_user_step_is_refused(write_cases: WriteCases, domain: Domain) -> None:
    path = write_cases(
        "b.yml", "test_cases:\n  - test_case: c\n    steps:\n      - disclaimer: true\n      - user: hi\n"
    )
    with pytest.raises(CaseFileError, match="step 1: disclaimer comes before any user step"):
        load_file(path, domain)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cases: []", "a case file is a mapping with a 'test_cases:' list"),
        ("test_cases: [\n", "not valid YAML"),
        ("test_cases: []", "test_cases must be a non-empty list"),
        ("test_cases:\n  - steps: [{user: hi}]", "test case #1 needs a name"),
        ("test_cases:\n  - test_case: x\n    steps: []", "case 'x': steps must be a non-empty list"),
        (
            "test_cases:\n  - test_case: x\n    stpes: [{user: hi}]\n    steps: [{user: hi}]",
            "unknown key 'stpes'",
        ),
        ("test_cases:\n  - test_case: x\n    skip: ''\n    steps: [{user: hi}]", "skip must say why"),
        (
            "test_cases:\n  - test_case: x\n    metadata: ocrelizumab\n    steps: [{user: hi}]",
            "metadata must be",
        ),
        (
            "test_cases:\n  - test_case: x\n    steps: [{user: hi}]\n    steps: [{user: ho}]",
            "duplicate key(s) steps",
        ),
        (
            "version: '3.1'\ntest_cases:\n  - test_case: x\n    steps: [{user: hi}]",
            "unknown top-level key 'version'",
        ),
    ],
)
def test_a_bad_file_or_case_is_explained(
    write_cases: WriteCases, domain: Domain, text: str, message: str
) -> None:
    path = write_cases("f.yml", text)
    with pytest.raises(CaseFileError) as err:
        load_file(path, domain)
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_the_same_name_twice_in_a_file_is_refused(write_cases: WriteCases, domain: Domain) -> None:
    path = write_cases("twice.yml", "test_cases:\n" + "  - test_case: same\n    steps: [{user: hi}]\n" * 2)
    with pytest.raises(CaseFileError, match=r"twice.yml:4: case 'same': the name is used twice .*line 2"):
        load_file(path, domain)


def test_every_problem_of_every_file_is_reported_at_once(write_cases: WriteCases, domain: Domain) -> None:
    write_cases("a.yml", "test_cases:\n  - test_case: one\n    steps: [{user: hi}, {bogus: 1}]\n")
    write_cases("b.yml", "test_cases:\n  - test_case: two\n    steps: [{user: hi}, {cites: 2.1}]\n")
    write_cases("c.yml", GOOD)
    with pytest.raises(CaseFileError) as err:
        load_cases([write_cases("c.yml", GOOD).parent], domain)
    assert "a.yml:3: case 'one', step 2: unknown step key 'bogus'" in str(err.value)
    assert "b.yml:3: case 'two', step 2: cites: write the section in quotes" in str(err.value)


def test_files_and_directories_are_searched_and_k_selects_by_name(
    write_cases: WriteCases, domain: Domain, tmp_path: Path
) -> None:
    a = write_cases("a.yml", GOOD)
    write_cases("notes.txt", "not a case file")
    assert find_files([a.parent]) == [a]
    cases = load_cases([a.parent, a], domain)  # the same file twice is read once
    assert len(cases) == 2
    assert [c.name for c in select_cases(cases, "HANDOFF")] == ["handoff"]
    assert len(select_cases(cases, "a.yml::")) == 2
    assert select_cases(cases, None) == cases
    with pytest.raises(CaseFileError, match="no such file"):
        find_files([tmp_path / "missing.yml"])


def test_the_domain_is_optional_for_parsing(write_cases: WriteCases) -> None:
    path = write_cases(
        "x.yml", "test_cases:\n  - test_case: x\n    steps: [{user: hi}, {utter: utter_anything}]\n"
    )
    assert load_file(path)[0].steps[1].value == "utter_anything"
