"""Builds the blank English spaCy pipeline Rasa's SpacyNLP loads (no download needed).

Tokenizer, the lookup lemmatizer from spacy-lookups-data, and an entity ruler fed from the
monographs and the vocabulary lists. ``python -m bot.nlu.build_spacy OUT_DIR``.

``--patterns FILE`` writes the entity-ruler patterns to FILE, and only when they changed:
`make` rebuilds the pipeline (and retrains the model) from that file, so editing a fact or a
red-flag pattern in a monograph does not cost a retraining.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from bot.nlu.vocabulary import entity_phrases
from knowledge import KnowledgeBase

#: where config.yml's SpacyNLP finds the pipeline (``model: build/spacy/en_pharma``)
PIPELINE_DIR = Path(__file__).resolve().parents[2] / "build" / "spacy" / "en_pharma"


def entity_patterns() -> list[dict[str, str]]:
    """The entity-ruler patterns: every drug name and term of the monographs and word lists."""
    return [
        {"label": label, "pattern": phrase}
        for label, phrases in entity_phrases(KnowledgeBase.load()).items()
        for phrase in sorted(phrases)
    ]


def write_patterns(path: Path) -> bool:
    """Write the patterns to ``path`` unless it already holds them; True when it was written."""
    text = json.dumps(entity_patterns(), indent=0, sort_keys=True) + "\n"
    if path.exists() and path.read_text(encoding="utf-8") == text:
        return False
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return True


def build(out_dir: Path, patterns_file: Path | None = None) -> int:
    """Build and save the pipeline; return the number of entity-ruler patterns."""
    import spacy  # heavy: imported only when building

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    nlp.initialize()  # loads the lemma tables; must come before the patterns (it clears the ruler)
    patterns = json.loads(patterns_file.read_text(encoding="utf-8")) if patterns_file else entity_patterns()
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "en_pharma_blank"
    nlp.meta["version"] = "1.0.0"
    nlp.to_disk(out_dir)
    return len(patterns)


def ensure(out_dir: Path = PIPELINE_DIR) -> bool:
    """Build the pipeline from the code's word lists when ``out_dir`` holds none (a new server or
    container with only the code and a trained model); True when it was built. Offline, ~2 s."""
    if (out_dir / "meta.json").exists():
        return False
    build(out_dir)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.build_spacy", description=__doc__)
    parser.add_argument("out_dir", type=Path, nargs="?", help="where to save the pipeline")
    parser.add_argument("--patterns", type=Path, help="the entity-pattern file to write, or to build from")
    args = parser.parse_args(argv)
    if args.out_dir is None:
        if args.patterns is None:
            parser.error("give OUT_DIR, --patterns FILE, or both")
        changed = write_patterns(args.patterns)
        print(f"entity patterns {'written to' if changed else 'unchanged in'} {args.patterns}")
        return 0
    count = build(args.out_dir, args.patterns)
    print(f"spaCy pipeline saved to {args.out_dir} ({count} entity patterns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
