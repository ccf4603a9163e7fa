"""``python -m knowledge diff``: facts, sources, table rows and red flags between two versions."""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest
import yaml

from knowledge.diff import Change, DiffInputError, Report, compare, format_text, read_version, to_json
from knowledge.errors import MonographError

FIXTURE = Path(__file__).parent / "fixtures" / "testdrug.yml"
MAIN = Path(__file__).resolve().parents[2]
INFUSION = "About 34 to 40 in every 100 adults had an infusion reaction."
SUMMARY = "The most common side effects were colds and infusion reactions."

Edit = Callable[[dict[str, Any]], None]


def _fixture() -> dict[str, Any]:
    return yaml.safe_load(FIXTURE.read_text(encoding="utf-8"))


def _write(directory: Path, data: dict[str, Any]) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{data['id']}.yml"
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")
    return path


def _versions(tmp_path: Path, new: Edit, old: Edit | None = None) -> tuple[Path, Path]:
    before, after = _fixture(), _fixture()
    if old is not None:
        old(before)
        old(after)  # the old edit is common ground; ``new`` is the change under test
    new(after)
    return _write(tmp_path / "old", before), _write(tmp_path / "new", after)


def _diff(tmp_path: Path, new: Edit, old: Edit | None = None) -> Report:
    old_path, new_path = _versions(tmp_path, new, old)
    return compare(read_version(str(old_path)), read_version(str(new_path)))


def _changes(report: Report, what: str | None = None) -> list[Change]:
    return [c for d in report.drugs for c in d.changes if what is None or c.what == what]


def _fact(text: str, section: str = "6.1", **extra: Any) -> dict[str, Any]:
    return {"text": text, "source": "pi", "section": section, **extra}


def _side_effects(d: dict[str, Any]) -> dict[str, Any]:
    return d["topics"]["side_effects"]


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-C", str(repo), "-c", "user.name=Test", "-c", "user.email=test@example.com", *args],
        check=True,
        capture_output=True,
    )


def _cli(*args: str, cwd: Path = MAIN) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(MAIN)}
    return subprocess.run(
        [sys.executable, "-m", "knowledge", "diff", *args], cwd=cwd, env=env, capture_output=True, text=True
    )


# --- the comparison ---------------------------------------------------------------------


def test_the_same_monograph_has_no_changes(tmp_path: Path) -> None:
    report = _diff(tmp_path, lambda d: None)
    assert [(d.id, d.status) for d in report.drugs] == [("testdrug", "unchanged")]
    assert report.counts() == {"added": 0, "removed": 0, "changed": 0, "moved": 0}
    text = format_text(report)
    assert "= testdrug: no changes" in text
    assert text.endswith("0 added, 0 removed, 0 changed, 0 moved")


def test_added_and_removed_facts_with_their_citation(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _side_effects(d)["summary"].append(_fact("Headache was reported by some people in the studies."))
        _side_effects(d)["items"][0]["facts"] = [
            _fact("Tell the nurse straight away if you feel dizzy.", "5.1")
        ]

    report = _diff(tmp_path, edit)
    facts = {(c.kind, c.place, c.name) for c in _changes(report, "fact")}
    assert facts == {
        ("added", "side_effects/summary", "Headache was reported by some people in the studies."),
        ("added", "side_effects/items/infusion_reactions", "Tell the nurse straight away if you feel dizzy."),
        ("removed", "side_effects/items/infusion_reactions", INFUSION),
    }
    text = format_text(report)
    assert (
        "  side_effects/summary\n    + Headache was reported by some people in the studies. (pi, section 6.1)"
        in text
    )
    assert f"    - {INFUSION} (pi, section 5.1)" in text
    assert text.endswith("2 added, 1 removed, 0 changed, 0 moved")


def test_a_citation_change_lists_the_fields_old_and_new(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        fact = _side_effects(d)["items"][0]["facts"][0]
        fact.update(section="5.2", table="Table 3", checked_against="2026-06-01")

    [change] = _changes(_diff(tmp_path, edit))
    assert (change.kind, change.name) == ("changed", INFUSION)
    assert change.fields == {
        "section": ("5.1", "5.2"),
        "table": (None, "Table 3"),
        "checked_against": (None, "2026-06-01"),
    }
    text = format_text(_diff(tmp_path, edit))
    assert f"~ {INFUSION} (pi, section 5.2, Table 3, checked against 2026-06-01)" in text
    assert "section 5.1 -> 5.2, table none -> Table 3, checked_against none -> 2026-06-01" in text


def test_marks_are_citation_fields(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["topics"]["pml"]["summary"][0]["section_inferred"] = False
        _side_effects(d)["items"][1]["facts"][0]["certainty"] = "unverified"

    changes = _changes(_diff(tmp_path, edit))
    assert [c.fields for c in changes] == [
        {"certainty": ("secondary", "unverified")},
        {"section_inferred": (True, False)},
    ]


def test_a_reworded_fact_is_changed_not_added_and_removed(tmp_path: Path) -> None:
    reworded = "The most common side effects were colds, headaches and infusion reactions."
    [change] = _changes(_diff(tmp_path, lambda d: _side_effects(d)["summary"][0].update(text=reworded)))
    assert (change.kind, change.place) == ("changed", "side_effects/summary")
    assert change.fields == {"text": (SUMMARY, reworded)}
    text = format_text(_diff(tmp_path, lambda d: _side_effects(d)["summary"][0].update(text=reworded)))
    assert f"    ~ {SUMMARY} (pi, section 6.1)\n      -> {reworded} (pi, section 6.1)" in text


def test_rewordings_pair_with_their_most_similar_fact(tmp_path: Path) -> None:
    olds = ["Colds were common in the studies of the drug.", "Infusion reactions were common in the studies."]
    news = [
        "Infusion reactions were very common in the studies.",
        "Colds were very common in the studies of the drug.",
    ]

    report = _diff(
        tmp_path,
        lambda d: _side_effects(d).update(summary=[_fact(t) for t in news]),
        lambda d: _side_effects(d).update(summary=[_fact(t) for t in olds]),
    )
    pairs = {c.fields["text"] for c in _changes(report)}
    assert pairs == {(olds[0], news[1]), (olds[1], news[0])}


def test_a_fact_moved_to_another_place(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        item = _side_effects(d)["items"][0]
        _side_effects(d)["summary"].append(item["facts"][0])
        item["facts"] = [_fact("Reactions usually happen within 24 hours of the drip.", "5.1")]

    report = _diff(tmp_path, edit)
    moved = [c for c in _changes(report) if c.kind == "moved"]
    assert [(c.name, c.moved_from, c.place) for c in moved] == [
        (INFUSION, "side_effects/items/infusion_reactions", "side_effects/summary")
    ]
    text = format_text(report)
    assert (
        f"    > {INFUSION} (pi, section 5.1)\n        moved from side_effects/items/infusion_reactions"
        in text
    )
    assert text.endswith("1 added, 0 removed, 0 changed, 1 moved")


def test_a_fact_copied_to_a_red_flag_is_added_not_moved(tmp_path: Path) -> None:
    report = _diff(tmp_path, lambda d: d["red_flags"][0]["facts"].append(_fact(INFUSION, "5.1")))
    assert [(c.kind, c.place) for c in _changes(report)] == [("added", "red_flags/anaphylaxis")]


def test_items_added_and_removed(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        _side_effects(d)["items"][1] = {
            "id": "hepatitis_b",
            "title": "Hepatitis B",
            "terms": ["hepatitis b"],
            "facts": [_fact("Your doctor tests for hepatitis B before the first dose.", "5.2")],
        }

    changes = _changes(_diff(tmp_path, edit))
    assert [(c.kind, c.what, c.place) for c in changes] == [
        ("added", "item", "side_effects/items/hepatitis_b"),
        ("added", "fact", "side_effects/items/hepatitis_b"),
        ("removed", "item", "side_effects/items/injection_reactions"),
        ("removed", "fact", "side_effects/items/injection_reactions"),
    ]


def test_source_dates_and_new_sources(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["sources"]["pi"].update(revised="2026-09-01", checked="2026-09-15")
        d["sources"]["eu"] = {"title": "TESTRA EU SmPC", "accessed": "2026-09-02", "kind": "secondary"}

    report = _diff(tmp_path, edit)
    sources = _changes(report, "source")
    assert [(c.kind, c.name) for c in sources] == [("changed", "pi"), ("added", "eu")]
    assert sources[0].fields == {"revised": ("2026-05-20", "2026-09-01"), "checked": (None, "2026-09-15")}
    text = format_text(report)
    assert "  sources\n    ~ source pi: revised 2026-05-20 -> 2026-09-01, checked none -> 2026-09-15" in text
    assert "    + source eu: title TESTRA EU SmPC, accessed 2026-09-02" in text


def test_table_rows_added_removed_and_changed(tmp_path: Path) -> None:
    back_pain = {"effect": "Back pain", "terms": ["back pain"], "drug_pct": 6, "comparator_pct": 5}

    def edit(d: dict[str, Any]) -> None:
        rows = d["adverse_reaction_tables"][0]["rows"]
        rows[0]["drug_pct"] = 9
        rows[1] = {"effect": "Fatigue", "terms": ["tired"], "drug_pct": 10, "comparator_pct": 8}
        d["adverse_reaction_tables"][0]["table"] = "Table 5"

    report = _diff(
        tmp_path, edit, lambda d: d["adverse_reaction_tables"][0]["rows"].append(copy.copy(back_pain))
    )
    changes = _changes(report)
    assert [(c.kind, c.what, c.name) for c in changes] == [
        ("changed", "table", "Adverse reactions in relapsing MS"),
        ("changed", "row", "Depression"),
        ("added", "row", "Fatigue"),
        ("removed", "row", "Back pain"),
    ]
    assert changes[1].fields == {"drug_pct": (8, 9)}
    text = format_text(report)
    title = "Adverse reactions in relapsing MS"
    assert f"  adverse_reaction_tables/rms\n    ~ table {title}: table Table 4 -> Table 5" in text
    assert "    ~ Depression: drug_pct 8 -> 9" in text
    assert "    + Fatigue: drug_pct 10, comparator_pct 8, severe_pct none" in text
    assert "    - Back pain: drug_pct 6, comparator_pct 5, severe_pct none" in text


def test_red_flag_patterns_urgency_and_new_flags(tmp_path: Path) -> None:
    def edit(d: dict[str, Any]) -> None:
        d["red_flags"][0].update(urgency="same_day", patterns=["tongue is swelling"])
        d["red_flags"].append(
            {
                "id": "pml_signs",
                "title": "possible PML",
                "urgency": "same_day",
                "patterns": ["weak on one side"],
                "facts": [_fact("Weakness on one side of the body can be a sign of PML.", "5.3")],
            }
        )

    report = _diff(tmp_path, edit)
    assert [(c.kind, c.what, c.place, c.name) for c in _changes(report)] == [
        ("changed", "urgency", "red_flags/anaphylaxis", "Severe allergic reaction"),
        ("added", "pattern", "red_flags/anaphylaxis", "tongue is swelling"),
        ("removed", "pattern", "red_flags/anaphylaxis", "throat is swelling"),
        ("added", "red_flag", "red_flags/pml_signs", "possible PML (same_day)"),
        ("added", "pattern", "red_flags/pml_signs", "weak on one side"),
        ("added", "fact", "red_flags/pml_signs", "Weakness on one side of the body can be a sign of PML."),
    ]
    text = format_text(report)
    assert "  red_flags/anaphylaxis\n    ~ urgency emergency -> same_day\n" in text
    assert '    + pattern "tongue is swelling"\n    - pattern "throat is swelling"' in text


def test_drugs_added_and_removed_between_directories(tmp_path: Path) -> None:
    other, gone = _fixture(), _fixture()
    other["id"], gone["id"] = "otherdrug", "gonedrug"
    for data in (_fixture(), gone):
        _write(tmp_path / "old", data)
    for data in (_fixture(), other):
        _write(tmp_path / "new", data)
    old, new = read_version(str(tmp_path / "old")), read_version(str(tmp_path / "new"))

    report = compare(old, new)
    assert [(d.id, d.status) for d in report.drugs] == [
        ("gonedrug", "removed"),
        ("otherdrug", "added"),
        ("testdrug", "unchanged"),
    ]
    added = report.drugs[1].changes
    assert (added[0].kind, added[0].what) == ("added", "drug")
    assert {c.kind for c in added} == {"added"}
    assert len([c for c in added if c.what == "fact"]) == 5  # every fact of the new drug is listed
    assert "otherdrug\n  + drug added\n  sources\n    + source pi:" in format_text(report)

    only = compare(read_version(str(tmp_path / "old"), drug="testdrug"), new, drug="testdrug")
    assert [d.id for d in only.drugs] == ["testdrug"]
    with pytest.raises(DiffInputError, match="'nodrug' is in neither"):
        compare(old, new, drug="nodrug")


def test_an_invalid_file_names_the_file_and_the_field(tmp_path: Path) -> None:
    _, bad = _versions(tmp_path, lambda d: d["topics"]["pml"]["summary"][0].update(section="five"))
    with pytest.raises(MonographError) as err:
        read_version(str(bad))
    assert str(bad) in str(err.value)
    assert "topics.pml.summary[0].section: 'five' is not a label section" in str(err.value)


def test_json_has_the_same_content(tmp_path: Path) -> None:
    report = _diff(tmp_path, lambda d: _side_effects(d)["items"][0]["facts"][0].update(section="5.2"))
    data = json.loads(json.dumps(to_json(report)))
    assert data["summary"] == {"added": 0, "removed": 0, "changed": 1, "moved": 0}
    [change] = data["drugs"][0]["changes"]
    assert change["fields"] == {"section": ["5.1", "5.2"]}
    assert change["place"] == "side_effects/items/infusion_reactions"


# --- git revisions and the command line ---------------------------------------------------


@pytest.fixture()
def repo(tmp_path: Path) -> Path:
    """A git repository with two commits of knowledge/monographs/testdrug.yml: v1 then v2."""
    root = tmp_path / "repo"
    monographs = root / "knowledge" / "monographs"
    _git(tmp_path, "init", "-q", str(root))
    _write(monographs, _fixture())
    _git(root, "add", ".")
    _git(root, "commit", "-q", "-m", "v1")
    _git(root, "tag", "v1")
    v2 = _fixture()
    _side_effects(v2)["summary"].append(_fact("Headache was reported by some people in the studies."))
    _write(monographs, v2)
    _git(root, "commit", "-q", "-am", "v2")
    return root


def test_git_revisions(repo: Path) -> None:
    result = _cli("HEAD~1", "HEAD", "--repo", str(repo))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("old: HEAD~1 (1 monographs)\nnew: HEAD (1 monographs)\n")
    assert "testdrug\n  side_effects/summary\n    + Headache was reported" in result.stdout
    assert result.stdout.rstrip().endswith("1 added, 0 removed, 0 changed, 0 moved")
    # a tag works too, and NEW defaults to the repository's working tree
    assert _cli("v1", "--repo", str(repo)).stdout == result.stdout.replace("HEAD~1", "v1").replace(
        "new: HEAD", "new: working tree"
    )


def test_a_path_wins_over_a_revision_of_the_same_name(repo: Path) -> None:
    changed = _fixture()
    changed["red_flags"][0]["urgency"] = "same_day"
    _write(repo / "v1", changed)  # a directory named like the tag
    result = _cli("v1", "HEAD", cwd=repo)
    assert result.returncode == 0, result.stderr
    assert "~ urgency same_day -> emergency" in result.stdout


def test_an_old_revision_that_fails_the_schema_is_compared_with_a_note(repo: Path) -> None:
    path = repo / "knowledge" / "monographs" / "testdrug.yml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["topics"]["pml"]["summary"][0]["reviewer"] = "jb"  # a field today's schema does not know
    _write(path.parent, data)
    _git(repo, "commit", "-q", "-am", "v3")

    result = _cli("HEAD~1", "HEAD", "--repo", str(repo))
    assert result.returncode == 0
    assert "note: HEAD:knowledge/monographs/testdrug.yml does not pass the current schema" in result.stderr
    assert "topics.pml.summary[0].reviewer: extra fields not permitted" in result.stderr
    assert "= testdrug: no changes" in result.stdout
    # the same file on disk must be valid
    bad = _cli(str(path), "HEAD", "--repo", str(repo))
    assert bad.returncode == 2
    assert f"{path}: 1 problem(s)" in bad.stderr


def test_cli_files_text_and_json(tmp_path: Path) -> None:
    old, new = _versions(tmp_path, lambda d: d["topics"]["pml"]["summary"][0].update(section="5.4"))
    text = _cli(str(old), str(new))
    assert text.returncode == 0, text.stderr
    assert (
        "  pml/summary\n    ~ PML is a rare brain infection caused by a virus. (pi, section 5.4 inferred)"
        in text.stdout
    )
    assert "        section 5.3 -> 5.4\n" in text.stdout
    assert text.stdout.rstrip().endswith("0 added, 0 removed, 1 changed, 0 moved")

    as_json = _cli(str(old), str(new), "--json")
    assert as_json.returncode == 0
    data = json.loads(as_json.stdout)
    assert (data["old"], data["new"]) == (str(old), str(new))
    assert data["drugs"][0]["changes"][0]["fields"] == {"section": ["5.3", "5.4"]}

    same = _cli(str(old), str(old), "--drug", "testdrug")
    assert same.returncode == 0  # a report, with or without differences
    assert "= testdrug: no changes" in same.stdout


def test_cli_bad_input_exits_2(tmp_path: Path) -> None:
    result = _cli("no-such-revision", "HEAD")
    assert result.returncode == 2
    assert "'no-such-revision' is neither a file, a directory nor a git revision" in result.stderr
    assert result.stdout == ""

    old, bad = _versions(tmp_path, lambda d: d["topics"]["pml"]["summary"][0].pop("section"))
    result = _cli(str(old), str(bad))
    assert result.returncode == 2
    assert f"{bad}: 1 problem(s)" in result.stderr
    assert "topics.pml.summary[0].section: field required" in result.stderr

    assert _cli(str(old), str(old), "--drug", "nodrug").returncode == 2
