"""The knowledge base: every monograph loaded once, drugs found by name (patient_text.drugs)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import yaml

from knowledge.errors import MonographError
from knowledge.loader import MONOGRAPH_DIR, load_monograph, monograph_paths
from knowledge.schema import Monograph
from patient_text.drugs import DrugNames


def load_site_default(path: Path, monographs: dict[str, Monograph]) -> str | None:
    """The site's default drug id from ``path``; it must name a loaded monograph."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError) as exc:
        raise MonographError(str(path), [f"cannot read YAML: {exc}"]) from exc
    default = data.get("default_drug") if isinstance(data, dict) else None
    if default is not None and default not in monographs:
        raise MonographError(
            str(path), [f"default_drug: '{default}' has no monograph (known: {sorted(monographs)})"]
        )
    return default


@dataclass
class KnowledgeBase:
    """All monographs, indexed by every name a patient may use for them."""

    monographs: dict[str, Monograph]
    default_drug: str | None = None
    #: every name of every drug, and the matcher that reads them
    drug_names: DrugNames = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        self.drug_names = DrugNames(
            (name, mono.id) for mono in self.monographs.values() for name in self.names_of(mono)
        )

    @classmethod
    def load(cls, directory: Path = MONOGRAPH_DIR, site_file: Path | None = None) -> KnowledgeBase:
        """Load and validate every file; raise MonographError for the first bad file.

        ``site_file`` (default: ``site.yml`` beside the monograph folder, if present) may
        name the ``default_drug`` of conversations that have not named one.
        """
        monos: dict[str, Monograph] = {}
        for path in monograph_paths(directory):
            mono = load_monograph(path)
            if mono.id in monos:
                raise MonographError(str(path), [f"id: '{mono.id}' is used by another file"])
            monos[mono.id] = mono
        site = site_file or directory.parent / "site.yml"
        default = load_site_default(site, monos) if site.exists() else None
        return cls(monos, default)

    @staticmethod
    def names_of(mono: Monograph) -> list[str]:
        """Generic name, id, brands and aliases of a drug."""
        return [mono.generic_name, mono.id, *mono.brands, *mono.aliases]

    def display_name(self, drug_id: str) -> str:
        """'ocrelizumab (OCREVUS, OCREVUS ZUNOVO)'."""
        mono = self.monographs[drug_id]
        return f"{mono.generic_name} ({', '.join(mono.brands)})" if mono.brands else mono.generic_name

    def covered(self) -> list[str]:
        """Display names of every covered drug, sorted."""
        return [self.display_name(d) for d in sorted(self.monographs)]

    def find_drug(self, name: str) -> Monograph | None:
        """The monograph a name refers to: exact, then within the name, then misspelt; else None."""
        drug_id = self.drug_names.find(name)
        return self.monographs[drug_id] if drug_id else None

    def find_drugs_in_text(self, text: str) -> list[str]:
        """Ids of covered drugs named in free text (misspelt words of 5+ letters too), in order."""
        return self.drug_names.in_text(text)
