"""Learned triage of a patient's message: emergency, urgent, crisis, poisoning, decision, calm.

A multinomial logistic regression over sentence embeddings (all-MiniLM-L6-v2, passed in as
``encode``) and character and word n-grams (which see "last year", "no", "can it cause" and
misspellings the embedding blurs), trained on the messages in ``triage_corpus/*.tsv``: every
emergency and warning sign told in many voices, each with its calm look-alikes. A message is
read whole and sentence by sentence (the urgent point often comes after a paragraph of
context); each label's score is its best probability over those parts. An alarm is raised
when the summed probability of the alarm labels reaches ``alarm_threshold`` (``triage.yml``;
low on purpose: when unsure, caution); its kind is the most probable alarm label.
"""

from __future__ import annotations

import hashlib
import pickle
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import yaml

HERE = Path(__file__).resolve().parent
CORPUS_DIR = HERE / "triage_corpus"
SETTINGS_FILE = HERE / "triage.yml"

CALM = "calm"
DECISION = "decision"
#: the labels that send the patient on, most pressing first (the reply for the first wins a tie)
ALARMS = ("poisoning", "crisis", "emergency", "urgent")
#: the alarms of harm done or meant to oneself or by a swallowed medicine
HARM = ("poisoning", "crisis")
LABELS = (CALM, DECISION, *ALARMS)

#: a message is read whole and in at most this many sentences, of at least ``MIN_WORDS`` words
#: ("Fine?" or "Who's right?" alone says nothing the whole message does not)
MAX_PARTS = 8
MIN_WORDS = 4
#: beside an alarm, a decision needs at least this probability and more than calm's
DECISION_FLOOR = 0.1
#: characters of a message that are read at all (the encoder sees 128 tokens of each part)
MAX_CHARS = 2000
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+|\s*;\s*")

Encode = Callable[[Sequence[str]], np.ndarray]


class CorpusError(ValueError):
    """A corpus line that cannot be read; the message names the file and line."""


@dataclass(frozen=True)
class Example:
    """One training message with its label."""

    label: str
    topic: str
    text: str
    where: str = ""
    weight: float = 1.0


@dataclass(frozen=True)
class Settings:
    """triage.yml: the model's hyper-parameters and the alarm threshold."""

    C: float
    alarm_threshold: float
    sentence_alarm_threshold: float
    harm_threshold: float
    decision_threshold: float
    poisoning_topics: tuple[str, ...]
    training_question_weight: float


def load_settings(path: Path = SETTINGS_FILE) -> Settings:
    """The settings file, with every field checked."""
    raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    try:
        return Settings(
            C=float(raw["C"]),
            alarm_threshold=float(raw["alarm_threshold"]),
            sentence_alarm_threshold=float(raw["sentence_alarm_threshold"]),
            harm_threshold=float(raw["harm_threshold"]),
            decision_threshold=float(raw["decision_threshold"]),
            poisoning_topics=tuple(str(t) for t in raw["poisoning_topics"]),
            training_question_weight=float(raw["training_question_weight"]),
        )
    except (KeyError, TypeError, ValueError) as err:
        raise CorpusError(f"{path}: missing or wrong field ({err})") from err


def read_corpus(directory: Path = CORPUS_DIR) -> list[Example]:
    """Every ``label<TAB>topic<TAB>message`` line of the corpus files (``#`` starts a comment)."""
    examples: list[Example] = []
    errors: list[str] = []
    for path in sorted(directory.glob("*.tsv")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if not line.strip() or line.startswith("#"):
                continue
            fields = line.split("\t")
            where = f"{path.name}:{number}"
            if len(fields) != 3 or not fields[2].strip():
                errors.append(f"{where}: needs label<TAB>topic<TAB>message")
            elif fields[0] not in LABELS:
                errors.append(f"{where}: label {fields[0]!r} is not one of {', '.join(LABELS)}")
            else:
                examples.append(Example(fields[0], fields[1].strip(), fields[2].strip(), where))
    if errors:
        raise CorpusError("; ".join(errors[:20]))
    if not examples:
        raise CorpusError(f"{directory}: no training messages")
    return examples


def fingerprint(
    directory: Path = CORPUS_DIR, settings: Path = SETTINGS_FILE, extra: Sequence[Path] = ()
) -> str:
    """A hash of the corpus, the settings and ``extra`` files: `rasa train` retrains the triage
    when it changes."""
    digest = hashlib.sha256()
    for path in [settings, *sorted(directory.glob("*.tsv")), *extra]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def relabel(example: Example, settings: Settings) -> Example:
    """Crisis messages about something already swallowed are poisoning (poison control first)."""
    if example.label == "crisis" and example.topic in settings.poisoning_topics:
        return Example("poisoning", example.topic, example.text, example.where, example.weight)
    return example


def parts(text: str) -> list[str]:
    """The message, then its sentences of ``MIN_WORDS`` words or more when it has several."""
    text = text[:MAX_CHARS].strip()
    pieces = [p for p in _SENTENCE_END.split(text) if p and p.strip()]
    if len(pieces) < 2:
        return [text]
    return [text, *[p for p in pieces if len(p.split()) >= MIN_WORDS][:MAX_PARTS]]


@dataclass(frozen=True)
class Triage:
    """What the model makes of one message: the verdict and each label's score."""

    label: str
    scores: dict[str, float] = field(default_factory=dict)

    @property
    def alarm(self) -> bool:
        return self.label in ALARMS

    @property
    def decision(self) -> bool:
        """Asks for a personal treatment decision, whether or not it also raised an alarm."""
        return self.label == DECISION or self.scores.get("decision_vs_calm", 0.0) >= 0.5


class _Ngrams:
    """Character 2-4-grams and word 1-2-grams, TF-IDF weighted."""

    #: per part: its analyzer, vocabulary and IDF, for :meth:`weights` (built on first use)
    _fast: list[tuple[Callable[[str], list[str]], dict[str, int], np.ndarray]]

    def __init__(self) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.parts = (
            TfidfVectorizer(
                analyzer="char_wb", ngram_range=(2, 4), min_df=2, sublinear_tf=True, max_features=20000
            ),
            TfidfVectorizer(analyzer="word", ngram_range=(1, 2), min_df=2, sublinear_tf=True),
        )

    def fit(self, texts: Sequence[str]) -> _Ngrams:
        for part in self.parts:
            part.fit(texts)
        return self

    def transform(self, texts: Sequence[str]) -> Any:
        from scipy.sparse import hstack

        return hstack([part.transform(texts) for part in self.parts])

    def weights(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """The columns and values of :meth:`transform`'s row for one text, computed directly
        (the same counts, sublinear TF, IDF and unit length per part; scikit-learn's checks and
        sparse matrices cost more than the arithmetic for one short message)."""
        if not hasattr(self, "_fast"):
            self._fast = [
                (part.build_analyzer(), part.vocabulary_, np.asarray(part.idf_, dtype=np.float64))
                for part in self.parts
            ]
        columns: list[np.ndarray] = []
        values: list[np.ndarray] = []
        offset = 0
        for analyze, vocabulary, idf in self._fast:
            counts: dict[int, int] = {}
            for gram in analyze(text):
                j = vocabulary.get(gram)
                if j is not None:
                    counts[j] = counts.get(j, 0) + 1
            if counts:
                cols = np.fromiter(counts, dtype=np.int64, count=len(counts))
                tf = np.fromiter(counts.values(), dtype=np.float64, count=len(counts))
                vals = (np.log(tf) + 1.0) * idf[cols]
                columns.append(cols + offset)
                values.append(vals / np.sqrt(np.dot(vals, vals)))
            offset += len(idf)
        if not columns:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float64)
        return np.concatenate(columns), np.concatenate(values)

    def __getstate__(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "_fast"}


@dataclass
class TriageModel:
    """The fitted classifier: n-gram vocabulary, weights per label, and its thresholds."""

    labels: tuple[str, ...]
    ngrams: _Ngrams
    coef: np.ndarray
    intercept: np.ndarray
    alarm_threshold: float
    sentence_alarm_threshold: float
    harm_threshold: float
    decision_threshold: float

    @classmethod
    def fit(cls, examples: Sequence[Example], vectors: np.ndarray, settings: Settings) -> TriageModel:
        """Fit on the examples and ``vectors`` (their embeddings, same order). Each label weighs
        the same in total, whatever its count and the weights of its examples."""
        from sklearn.linear_model import LogisticRegression

        y = np.array([relabel(e, settings).label for e in examples])
        weights = np.array([e.weight for e in examples], dtype=float)
        totals = {label: weights[y == label].sum() for label in set(y)}
        weights *= np.array([weights.sum() / (len(totals) * totals[label]) for label in y])
        ngrams = _Ngrams().fit([e.text for e in examples])
        clf = LogisticRegression(C=settings.C, max_iter=5000)
        clf.fit(_features(vectors, ngrams.transform([e.text for e in examples])), y, sample_weight=weights)
        labels = tuple(label for label in LABELS if label in totals)
        order = [list(clf.classes_).index(label) for label in labels]
        return cls(
            labels,
            ngrams,
            clf.coef_[order].astype(np.float32),
            clf.intercept_[order].astype(np.float32),
            settings.alarm_threshold,
            settings.sentence_alarm_threshold,
            settings.harm_threshold,
            settings.decision_threshold,
        )

    def save(self, path: Path) -> None:
        path.write_bytes(pickle.dumps(self))

    @classmethod
    def load(cls, path: Path) -> TriageModel:
        try:
            model = pickle.loads(path.read_bytes())
        except (pickle.UnpicklingError, EOFError, AttributeError, ImportError) as err:
            raise ValueError(f"{path}: not a triage model ({err})") from err
        if not isinstance(model, cls):
            raise ValueError(f"{path}: not a triage model")
        return model

    def probabilities(self, texts: Sequence[str], vectors: np.ndarray) -> np.ndarray:
        """Softmax probabilities, one row per text, columns in ``labels`` order: the linear
        model over [embedding, n-grams], with the n-gram part summed from each text's few
        non-zero columns."""
        dim = vectors.shape[1]
        logits = vectors.astype(np.float32) @ self.coef[:, :dim].T + self.intercept
        for row, text in enumerate(texts):
            columns, values = self.ngrams.weights(text)
            logits[row] += self.coef[:, dim + columns] @ values.astype(np.float32)
        logits = np.asarray(logits, dtype=np.float32)
        logits -= logits.max(axis=1, keepdims=True)
        exp = np.exp(logits)
        return np.asarray(exp / exp.sum(axis=1, keepdims=True))

    def verdict(self, part_probs: np.ndarray) -> Triage:
        """The verdict for one message from the probabilities of its parts."""
        col = {label: i for i, label in enumerate(self.labels)}
        alarm_cols = [col[a] for a in ALARMS if a in col]
        alarm_sum = part_probs[:, alarm_cols].sum(axis=1)
        scores = {label: float(part_probs[:, i].max()) for label, i in col.items()}
        scores["alarm"] = float(alarm_sum.max())
        if DECISION in col and CALM in col:
            # beside an alarm: would it be a decision rather than calm, were it not urgent?
            dec, calm = part_probs[:, col[DECISION]], part_probs[:, col[CALM]]
            ratio = np.where(dec >= DECISION_FLOOR, dec / (dec + calm + 1e-9), 0.0)
            scores["decision_vs_calm"] = float(ratio.max())
        # the whole message at the alarm threshold; a sentence alone, out of its context, must
        # be clearer ("mine are all done already" is nothing; "i cant breathe" is)
        thresholds = np.full(len(alarm_sum), self.sentence_alarm_threshold)
        thresholds[0] = self.alarm_threshold
        over = alarm_sum >= thresholds
        if over.any():
            row = part_probs[int(np.argmax(alarm_sum - thresholds))]
            best = max((a for a in ALARMS if a in col), key=lambda a: (row[col[a]], -ALARMS.index(a)))
            return Triage(best, scores)
        # thoughts of self-harm and a swallowed medicine: a lower bar, on the whole message
        harm = [a for a in HARM if a in col]
        if sum(part_probs[0, col[a]] for a in harm) >= self.harm_threshold:
            return Triage(max(harm, key=lambda a: part_probs[0, col[a]]), scores)
        if DECISION in col and scores[DECISION] >= self.decision_threshold:
            return Triage(DECISION, scores)
        return Triage(CALM, scores)

    def classify(self, texts: Iterable[str], encode: Encode) -> list[Triage]:
        """The verdict for each text; all parts of all texts are embedded in one batch."""
        texts = list(texts)
        split = [parts(t) for t in texts]
        flat = [p for ps in split for p in ps]
        if not flat:
            return []
        probs = self.probabilities(flat, encode(flat))
        out, start = [], 0
        for ps in split:
            out.append(self.verdict(probs[start : start + len(ps)]))
            start += len(ps)
        return out


def _features(vectors: np.ndarray, ngrams: Any) -> Any:
    from scipy.sparse import csr_matrix, hstack

    return hstack([csr_matrix(vectors.astype(np.float32)), ngrams]).tocsr()


def train(
    encode: Encode,
    extra: Sequence[Example] = (),
    directory: Path = CORPUS_DIR,
    settings_path: Path = SETTINGS_FILE,
) -> TriageModel:
    """Read the corpus, embed it (and ``extra``, e.g. the bot's training questions) and fit."""
    settings = load_settings(settings_path)
    examples = [*read_corpus(directory), *extra]
    return TriageModel.fit(examples, encode([e.text for e in examples]), settings)
