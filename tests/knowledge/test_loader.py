"""The monograph loader: valid files load, invalid ones name the file and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from knowledge import KnowledgeBase, MonographError, load_monograph
from knowledge.loader import monograph_paths

FIXTURE = Path(__file__).parent / "fixtures" / "testdrug.yml"


def _write_variant(tmp_path: Path, change) -> Path:
    data = yaml.safe_load(FIXTURE.read_text())
    change(data)
    path = tmp_path / "testdrug.yml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_fixture_loads() -> None:
    mono = load_monograph(FIXTURE)
    assert mono.id == "testdrug"
    assert mono.sources["pi"].revised.isoformat() == "2026-05-20"


def test_missing_section_names_file_and_field(tmp_path: Path) -> None:
    path = _write_variant(tmp_path, lambda d: d["topics"]["side_effects"]["summary"][0].pop("section"))
    with pytest.raises(MonographError) as err:
        load_monograph(path)
    assert str(path) in str(err.value)
    assert "topics.side_effects.summary[0].section" in str(err.value)


def test_unknown_source_is_reported_with_its_path(tmp_path: Path) -> None:
    def change(d):
        d["topics"]["pml"]["summary"][0]["source"] = "nowhere"

    with pytest.raises(MonographError, match=r"topics\.pml\.summary\[0\]\.source: unknown source 'nowhere'"):
        load_monograph(_write_variant(tmp_path, change))


def test_bad_section_and_unknown_field_and_topic(tmp_path: Path) -> None:
    def change(d):
        d["topics"]["pml"]["summary"][0]["section"] = "five"
        d["topics"]["pml"]["summary"][0]["sectoin"] = "5.3"
        d["topics"]["gossip"] = d["topics"]["pml"]

    with pytest.raises(MonographError) as err:
        load_monograph(_write_variant(tmp_path, change))
    text = str(err.value)
    assert "topics.pml.summary[0].section: 'five' is not a label section" in text
    assert "sectoin" in text
    assert "gossip" in text


def test_id_must_match_file_name(tmp_path: Path) -> None:
    with pytest.raises(MonographError, match="must equal the file name"):
        load_monograph(_write_variant(tmp_path, lambda d: d.update(id="other")))


def test_broken_yaml_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "broken.yml"
    path.write_text("id: [unclosed\n")
    with pytest.raises(MonographError, match="cannot read YAML"):
        load_monograph(path)


@pytest.mark.parametrize("path", monograph_paths(), ids=lambda p: p.stem)
def test_every_shipped_monograph_is_valid(path: Path) -> None:
    load_monograph(path)


def test_adding_a_drug_needs_only_a_file(tmp_path: Path) -> None:
    (tmp_path / "testdrug.yml").write_text(FIXTURE.read_text())
    kb = KnowledgeBase.load(tmp_path)
    assert kb.find_drug("Testra") is not None


def test_validate_cli_reports_invalid_file(tmp_path: Path) -> None:
    from knowledge.__main__ import main

    path = _write_variant(tmp_path, lambda d: d.pop("drug_class"))
    assert main(["validate", str(path)]) == 1
    assert main(["validate", str(FIXTURE)]) == 0


def test_site_default_drug_must_have_a_monograph(tmp_path: Path) -> None:
    (tmp_path / "monographs").mkdir()
    (tmp_path / "monographs" / "testdrug.yml").write_text(FIXTURE.read_text())
    (tmp_path / "site.yml").write_text("default_drug: testdrug\n")
    assert KnowledgeBase.load(tmp_path / "monographs").default_drug == "testdrug"
    (tmp_path / "site.yml").write_text("default_drug: nodrug\n")
    with pytest.raises(MonographError, match="default_drug: 'nodrug' has no monograph"):
        KnowledgeBase.load(tmp_path / "monographs")
