"""Builds the blank English spaCy pipeline Rasa's SpacyNLP loads (no download needed).

Tokenizer and the lookup lemmatizer from spacy-lookups-data, nothing else: it holds no drug
name and no term, so it is the same whatever ``knowledge/`` says (the entities come from
``bot.nlu.knowledge_entities`` at run time). ``python -m bot.nlu.build_spacy OUT_DIR``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

#: where config.yml's SpacyNLP finds the pipeline (``model: build/spacy/en_pharma``)
PIPELINE_DIR = Path(__file__).resolve().parents[2] / "build" / "spacy" / "en_pharma"


def build(out_dir: Path) -> None:
    """Build and save the pipeline."""
    import spacy  # heavy: imported only when building

    nlp = spacy.blank("en")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()  # loads the lemma tables
    out_dir.mkdir(parents=True, exist_ok=True)
    nlp.meta["name"] = "en_pharma_blank"
    nlp.meta["version"] = "2.0.0"
    nlp.to_disk(out_dir)


def ensure(out_dir: Path = PIPELINE_DIR) -> bool:
    """Build the pipeline when ``out_dir`` holds none (a new server or container with only the
    code and a trained model); True when it was built. Offline, ~2 s."""
    if (out_dir / "meta.json").exists():
        return False
    build(out_dir)
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.nlu.build_spacy", description=__doc__)
    parser.add_argument("out_dir", type=Path, help="where to save the pipeline")
    args = parser.parse_args(argv)
    build(args.out_dir)
    print(f"spaCy pipeline saved to {args.out_dir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
