"""Builds the blank English spaCy pipeline Rasa's SpacyNLP loads (no download needed).

Tokenizer, the lookup lemmatizer from spacy-lookups-data, and an entity ruler fed from the
monographs and the vocabulary lists. ``python -m bot.nlu.build_spacy OUT_DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from bot.nlu.vocabulary import entity_phrases
from knowledge import KnowledgeBase


def build(out_dir: Path) -> int:
    """Build and save the pipeline; return the number of entity-ruler patterns."""
    import spacy  # heavy: imported only when building

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    ruler = nlp.add_pipe("entity_ruler", config={"phrase_matcher_attr": "LOWER", "overwrite_ents": True})
    nlp.initialize()  # loads the lemma tables; must come before the patterns (it clears the ruler)
    patterns = [
        {"label": label, "pattern": phrase}
        for label, phrases in entity_phrases(KnowledgeBase.load()).items()
        for phrase in sorted(phrases)
    ]
    ruler.add_patterns(patterns)  # type: ignore[attr-defined]
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "en_pharma_blank"
    nlp.meta["version"] = "1.0.0"
    nlp.to_disk(out_dir)
    return len(patterns)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.build_spacy", description=__doc__)
    parser.add_argument("out_dir", type=Path)
    args = parser.parse_args(argv)
    count = build(args.out_dir)
    print(f"spaCy pipeline saved to {args.out_dir} ({count} entity patterns)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
