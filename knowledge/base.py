"""The knowledge base: every monograph loaded once, drugs found by name, typo-tolerant."""

from __future__ import annotations

from dataclasses import dataclass, field
from difflib import get_close_matches
from pathlib import Path

import yaml

from knowledge.errors import MonographError
from knowledge.loader import MONOGRAPH_DIR, load_monograph, monograph_paths
from knowledge.schema import Monograph
from knowledge.text import normalise, similar


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


#: Minimum difflib ratio for a misspelt drug name to count as a known drug.
FUZZY_CUTOFF = 0.8
#: Shorter names must match exactly: "test" is not a typo of "testra".
MIN_FUZZY_LENGTH = 5


@dataclass
class KnowledgeBase:
    """All monographs, indexed by every name a patient may use for them."""

    monographs: dict[str, Monograph]
    default_drug: str | None = None
    _names: dict[str, str] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for mono in self.monographs.values():
            for name in self.names_of(mono):
                self._names.setdefault(normalise(name), mono.id)

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
        """The monograph a name refers to: exact, then within the name, then fuzzy; else None."""
        key = normalise(name)
        if not key:
            return None
        if key in self._names:
            return self.monographs[self._names[key]]
        for known, drug_id in sorted(self._names.items(), key=lambda kv: -len(kv[0])):
            if f" {known} " in f" {key} ":
                return self.monographs[drug_id]
        if len(key) < MIN_FUZZY_LENGTH:
            return None
        close = [n for n in self._names if abs(len(n) - len(key)) <= 2]
        match = get_close_matches(key, close, n=1, cutoff=FUZZY_CUTOFF)
        if match:
            return self.monographs[self._names[match[0]]]
        return None

    def find_drugs_in_text(self, text: str) -> list[str]:
        """Ids of covered drugs named in free text (misspelt words of 5+ letters too), in order."""
        tokens = normalise(text).split()
        found: list[tuple[int, str]] = []
        for known, drug_id in self._names.items():
            width = len(known.split())
            for i in range(len(tokens) - width + 1):
                window = " ".join(tokens[i : i + width])
                if window == known or (
                    len(known) >= MIN_FUZZY_LENGTH
                    and abs(len(window) - len(known)) <= 2
                    and similar(window, known) >= 0.85
                ):
                    found.append((i, drug_id))
                    break
        ordered: list[str] = []
        for _, drug_id in sorted(found):
            if drug_id not in ordered:
                ordered.append(drug_id)
        return ordered
