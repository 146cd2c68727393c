"""The learned perceiver's model: the (sentence, hypothesis) pair scorer (all-MiniLM-L6-v2 + LoRA + a 3-way head:
neutral / entailed / contradicted), the hypotheses a pack gives it, and the thresholds that turn its scores into
acts. Shared by inference (`protod.user.learned`) and training (`protod.user.learned_train`), so the two always agree.
Nothing here imports torch, transformers or peft until a model is loaded."""

from __future__ import annotations

import json
import os
import warnings
from collections import OrderedDict
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any
import numpy as np

from protod.world import Scenario


NEUTRAL, ENTAIL, CONTRADICT = 0, 1, 2
# The shipped perceiver; PROTOD_PERCEIVER=DIR points every learned simulator in the process at another one.
DEFAULT_MODEL = Path(os.environ.get("PROTOD_PERCEIVER") or Path(__file__).parent / "models" / "perceiver")


# ---------------------------------------------------------------------------------------------------------------
# Hypotheses: what a sentence is checked against. Shared by training and inference, so they always agree.


def fact_hypothesis(text: str) -> str:
    return f"The caller states: {text}"


def worry_hypothesis(description: str) -> str:
    return f"The caller asks whether this worries me: {description}"


def ask_hypothesis(goal: str) -> str:
    return f"The caller asks me to agree now ({goal})."


PRESSURE_HYPOTHESIS = "The caller pushes me to decide at once or says I have no choice."


def claim_hypothesis(role: str) -> str:
    return f"The caller tells me what {role} offers or how it works."


@dataclass(frozen=True)
class PackHypotheses:
    """Every hypothesis of one pack, with the ids they stand for."""

    facts: tuple[tuple[str, str], ...]  # (fact id, hypothesis)
    worries: tuple[tuple[str, str], ...]  # (concern id, hypothesis)
    ask: str
    claim: str
    # What the frozen encoder compares a sentence with to pick candidates (one text per fact / worry, same order).
    fact_texts: tuple[str, ...]
    worry_texts: tuple[str, ...]

    @classmethod
    def of(cls, pack: Scenario) -> PackHypotheses:
        return cls(
            facts=tuple((f.id, fact_hypothesis(f.text)) for f in pack.facts),
            worries=tuple((c.id, worry_hypothesis(c.description)) for c in pack.concerns),
            ask=ask_hypothesis(pack.agent.goal),
            claim=claim_hypothesis(pack.agent.role),
            fact_texts=tuple(f.text for f in pack.facts),
            worry_texts=tuple(f"{c.description} {c.probe_question}" for c in pack.concerns),
        )


# ---------------------------------------------------------------------------------------------------------------
# The pair model


class PairModel:
    """(premise, hypothesis) -> probabilities (neutral, entailed, contradicted): MiniLM + LoRA + a linear head.

    `probs(pairs) -> (n, 3)` float32; cached per pair. `path` is an artefact directory written by
    protod.user.learned_train (adapter/, head.safetensors, config.json); `path=None` builds an untrained model for
    training.
    """

    def __init__(self, path: str | Path | None = DEFAULT_MODEL, cache_size: int = 200_000, max_length: int = 96,
                 frozen_layers: int = 4):
        from protod.user.semantic import SemanticUnavailable, model_dir

        self.path = Path(path) if path is not None else None
        if self.path is not None and not (self.path / "config.json").is_file():
            raise SemanticUnavailable(f"{self.path}: no trained perceiver here (train one with `protod perception train`)")
        self.config = json.loads((self.path / "config.json").read_text()) if self.path is not None else {}
        self.max_length = int(self.config.get("max_length", max_length))
        # Only the top layers are adapted: the lower ones stay the frozen sentence encoder, so training can run them
        # once per pair and spend its steps on the top (minutes on 2 CPU cores instead of an hour).
        self.frozen_layers = int(self.config.get("frozen_layers", frozen_layers))
        self.base_dir = model_dir()
        self._model = None
        self._cache: OrderedDict[tuple[str, str], np.ndarray] = OrderedDict()
        self.cache_size = cache_size
        self.scored = 0  # pairs that went through the model (cache misses)

    def load(self, trainable: bool = False, lora_r: int = 32) -> Any:
        """Load the base model with the trained adapter and head, or (`path=None`) a fresh rank-`lora_r` adapter."""
        import torch
        from peft import LoraConfig, PeftModel, get_peft_model
        from transformers import AutoModel, AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        self.tokenizer = AutoTokenizer.from_pretrained(self.base_dir, local_files_only=True)
        # Eager attention: the training path calls the top layers directly with an additive mask.
        base = AutoModel.from_pretrained(self.base_dir, local_files_only=True, attn_implementation="eager").float()
        n_layers = base.config.num_hidden_layers
        head = torch.nn.Linear(base.config.hidden_size, 3)
        warnings.filterwarnings("ignore", message=".*is_gradient_checkpointing.*")  # raised inside peft, not ours
        if self.path is None:
            cfg = LoraConfig(r=lora_r, lora_alpha=2 * lora_r, lora_dropout=0.0, target_modules=["query", "key", "value", "dense"],
                             layers_to_transform=list(range(self.frozen_layers, n_layers)))
            model = get_peft_model(base, cfg)
        else:
            from safetensors.torch import load_file

            # trainable: fine-tuning starts from this artefact (protod perception train --init-from)
            model = PeftModel.from_pretrained(base, self.path / "adapter", is_trainable=trainable)
            head.load_state_dict(load_file(self.path / "head.safetensors"))
            if not trainable:
                model = model.merge_and_unload()  # one plain forward at inference
        self._model, self.head = model, head
        if not trainable:
            self._model.eval()
            self.head.eval()
        return self

    def _batch(self, premises: list[str], hypotheses: list[str]) -> Any:
        return self.tokenizer(premises, hypotheses, padding=True, truncation=True, max_length=self.max_length,
                              return_tensors="pt")

    def _pool(self, states: Any, mask: Any) -> Any:
        from protod.user.semantic import mean_pool

        return self.head(mean_pool(states, mask) * 8.0)

    def logits(self, premises: list[str], hypotheses: list[str]) -> Any:
        """(n, 3) logits: the whole model, mean-pooled token states through the head."""
        batch = self._batch(premises, hypotheses)
        return self._pool(self._model(**batch).last_hidden_state, batch["attention_mask"])

    def lower_states(self, premises: list[str], hypotheses: list[str]) -> list[Any]:
        """Per pair, the frozen lower layers' output (t_i, d) without padding (computed once for training)."""
        import torch

        batch = self._batch(premises, hypotheses)
        encoder = self._encoder()
        every = encoder.layer
        encoder.layer = every[: self.frozen_layers]  # the top layers are not needed here: skip them
        try:
            with torch.no_grad():
                states = self._model(**batch).last_hidden_state
        finally:
            encoder.layer = every
        lengths = batch["attention_mask"].sum(1).tolist()
        return [states[i, :n].clone() for i, n in enumerate(lengths)]

    def _encoder(self) -> Any:
        return self._model.get_base_model().encoder if hasattr(self._model, "get_base_model") else self._model.encoder

    def upper_logits(self, lower: list[Any]) -> Any:
        """(n, 3) logits from cached lower states: the adapted top layers, pooled, through the head."""
        import torch

        width = max(x.shape[0] for x in lower)
        states = torch.zeros(len(lower), width, lower[0].shape[1])
        mask = torch.zeros(len(lower), width, dtype=torch.long)
        for i, x in enumerate(lower):
            states[i, : x.shape[0]] = x
            mask[i, : x.shape[0]] = 1
        additive = (1.0 - mask[:, None, None, :].float()) * torch.finfo(torch.float32).min
        for layer in self._encoder().layer[self.frozen_layers:]:
            out = layer(states, attention_mask=additive)
            states = out[0] if isinstance(out, tuple) else out
        return self._pool(states, mask)

    def probs(self, pairs: list[tuple[str, str]], batch_size: int = 64) -> np.ndarray:
        import torch

        missing = list(dict.fromkeys(p for p in pairs if p not in self._cache))
        if missing:
            if self._model is None:
                self.load()
            missing.sort(key=lambda p: len(p[0]) + len(p[1]))
            with torch.no_grad():
                for start in range(0, len(missing), batch_size):
                    chunk = missing[start : start + batch_size]
                    out = torch.softmax(self.logits([p for p, _ in chunk], [h for _, h in chunk]), -1).numpy()
                    for pair, row in zip(chunk, out):
                        self._cache[pair] = row
            self.scored += len(missing)
        rows = []
        for p in pairs:
            self._cache.move_to_end(p)
            rows.append(self._cache[p])
        while len(self._cache) > self.cache_size:
            self._cache.popitem(last=False)
        return np.stack(rows) if rows else np.zeros((0, 3), dtype=np.float32)


@lru_cache(maxsize=4)
def shared_models(path: str) -> tuple[PairModel, Any]:
    """One pair model and one sentence encoder per process (every pack's perceiver shares them)."""
    from protod.user.semantic import SentenceEncoder

    return PairModel(path), SentenceEncoder()


# ---------------------------------------------------------------------------------------------------------------
# The perceiver


@dataclass(frozen=True)
class Thresholds:
    """Decision bars on the pair model's probabilities. The defaults are the shipped perceiver's, chosen on the dev
    pack (home_broadband) after training, never on the test packs: a contradiction must be near-certain (0.999; on the
    sixteen-pack model 0.995 / 0.05 punished 2.8-3.6% of the honest dev lines, 0.999 / 0.02 2.3%), a worry is heard at
    0.1 (dev probe recall 0.773 at 0.3, 0.848 at 0.2, 0.924 at 0.1, with no more honest lines punished; situation,
    small-talk and closing-ask questions heard as probes 4 -> 5 of 45), and a closing ask needs 0.9 (dev: every
    closing ask heard scores 0.97 or more, every other question 0.10 or less; "Shall I tell you how the fees work?"
    0.73)."""

    entail: float = 0.4
    contradict: float = 0.999
    probe: float = 0.1
    ask: float = 0.9
    # Pushing is heard only when the model is sure: natural callers' "I'd like you to try listing with us" (0.66) and
    # "let me be clearer: ..." (0.53) were heard as pushing; every dev pressure line scores 0.92 or more, every other
    # honest dev line 0.77 or less.
    pressure: float = 0.9
    claim: float = 0.5
    fact_candidates: int = 4
    worry_candidates: int = 4
    related: float = 0.02  # below this entailment score for every fact, an unconfirmed product claim is unsupported
    trait: float = 0.6  # cosine of a question with a trait's description and values: "How do you get around?"
    # ... and of a question put to the user ("you", "your"): "What do you use for a workspace at the moment?" scores
    # 0.34 with its trait, "How has that been going for you?" 0.25, non-trait asks ("Would that work for you?") ~0.2.
    # Read on round 7's callers' questions (train packs and dev).
    trait_addressed: float = 0.3
    # A question heard asking about no worry at least this surely, about one of the user's traits (by words or by
    # meaning, above) and in none of the worry's words, asks about their situation, not a worry: "How would you
    # normally get in, by train, bus, or something else?" (the commute worry 0.22; round 70). An open question about
    # worries stays one. On the dev packs' questions: 0.25 hears 3 situation questions more as such and loses no
    # probe; 0.3 loses one ("... have you still got time left on your deal ...?", 0.28); without the worry-word
    # condition 0.3 lost 10 probes.
    situation_probe: float = 0.25
    # A question names a worry (a pointed probe, which a guarded user answers) when the worries it scores this high
    # all lie in one area: "Is the kitchen getting swamped at the rush a concern?" (0.94, the next 0.60), not "What's
    # holding you back?" (four areas above 0.92). Read on train-pack questions.
    pointed: float = 0.9
    # A statement's part speaks of the user's own situation ("With a young family you're probably spending around €160
    # a month", "Your roof was re-tiled three years ago") when its cosine with one of the pack's trait values is at
    # least this and beats its nearest fact by `situation_margin`; such parts claim nothing about the offer. Read on
    # round 9-10 callers' lines (train and dev packs); honest product parts score 0.13-0.49 against traits.
    situation: float = 0.5
    situation_margin: float = 0.1
    # The rule guard's veto on a credited fact (it reads the fact as denied or misquoted) holds only below this
    # entailment score: the rules read "won't", "no charge" and "without" near a fact's words as a denial of it, so
    # a sure model hears honest lines they cannot ("The price won't change at all during your eighteen months.").
    # Chosen on the previous model's train and dev packs (no hard negative the veto stopped scored above 0.75); on the
    # shipped model's dev pack it lets 7 honest lines through and no hard negative.
    veto: float = 0.9
    # A statement the model sets against a fact at least this surely (but below `contradict`) is a false claim when its
    # amounts contradict the fact's (`_check`): the eight-pack model is less sure of wrong totals than the four-pack
    # one was ("..., so a 5 km drop pays you 20 euros": 0.91).
    amounts: float = 0.5
    # A statement the model sets against a fact this surely (below `contradict`) while hearing no fact in it (every
    # entailment below `doubt_related`) is an unsupported claim: over-generalised ("You can cancel free of charge at any
    # time.", "Installation's always within ten days, any day of the week you like.") or invented near a fact. On the
    # dev pack (sixteen-pack model): invented and over-generalised claims flagged 11 -> 13 of 22 for one honest line
    # more punished (a true fact the model doubts: "... the 4G backup comes free with every plan"); 0.9 punished 4.
    doubt: float = 0.95
    doubt_related: float = 0.1
    # A statement that widens a fact to every case ("never", "whenever", "everyone", "unlimited": `absolute_scope`,
    # words the fact itself does not use) and that the model sets against that fact at least this surely, while
    # confirming no fact, is an over-generalisation: unsupported ("Your price never goes up." against an 18-month
    # price lock, 0.88; "Everyone gets a free mesh booster.", 0.61). Read on the five dev packs' uncredited statements
    # doubted at 0.5 or more: 31 of 42 with such a word are dishonest (dropped qualifiers, added false clauses,
    # inventions), 23 of 52 without one. Dev: invented flagged 0.609 -> 0.718, honest punished 0.046 -> 0.049.
    absolute: float = 0.5
    # The pack's own closing words make a question an ask only when the model hears no worry in it at least this surely
    # ("What's holding you back from signing up?" is a probe); the probe bar itself is lower (0.1), and "Why not sign
    # up today?" scores a worry at 0.1-0.2.
    ask_gate: float = 0.2
