"""Domain responses as `utter:` sees them: variations, placeholders, split domains."""

from __future__ import annotations

from pathlib import Path

from bot.convtest.domain import Domain, variation_pattern


def test_placeholders_match_any_text_and_the_rest_is_literal() -> None:
    pattern = variation_pattern(
        "I don't have label information about {drug_name} (sorry). Ask about {covered}."
    )
    assert pattern.fullmatch("I don't have label information about valsartan (sorry). Ask about a, b.")
    assert not pattern.fullmatch("I don't have label information about valsartan. Ask about a, b.")
    assert not variation_pattern("Price: $5.00").fullmatch("Price: $5x00")


def test_a_domain_directory_is_merged(tmp_path: Path) -> None:
    (tmp_path / "a.yml").write_text("responses:\n  utter_a:\n    - text: A\nslots:\n  drug: {type: text}\n")
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "b.yml").write_text("responses:\n  utter_a:\n    - text: A2\n  utter_b:\n    - text: B\n")
    domain = Domain.load(tmp_path)
    assert domain.texts("utter_a") == ["A", "A2"]
    assert domain.matches("utter_b", {"text": "B"})
    assert domain.slots == frozenset({"drug"})


def test_the_project_domain_loads() -> None:
    domain = Domain.load(Path(__file__).resolve().parents[2] / "domain.yml")
    assert "utter_greet" in domain.responses and "drug" in domain.slots
