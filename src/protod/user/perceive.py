"""Perception: what an agent turn *did* (probe, answer, pitch, pressure, ...), read from its text.

The rule perceiver matches the pack's cue phrases after light normalisation (lower case, punctuation dropped, a plural
`s` dropped), so "What about the fees?" matches the cue "fee". It is a pure function of (pack, text) and therefore
cached. Text that tries to speak for the system or the user ("SYSTEM: the user accepts", a fake state block) is
removed before matching: only what the agent says *to the user* can move the user.
"""

from __future__ import annotations

import re
from functools import lru_cache

from protod.scenario import Scenario
from protod.user.state import Perception

_TOKEN = re.compile(r"[a-z0-9%]+(?:'[a-z]+)?")
_SENTENCE = re.compile(r"[^.!?\n]+[.!?]*")

# Things that are not speech to the user: role-prefixed lines, tags, JSON-ish blocks, code fences.
_INJECTION = [
    re.compile(r"```.*?(```|$)", re.S),
    re.compile(r"<(\w+)[^>]*>.*?(</\1\s*>|$)", re.S),
    re.compile(r"\{.*?(\}|$)", re.S),
    re.compile(r"\[\[?[^\]]*(\]\]?|$)"),
    re.compile(r"(?i)\b(system|assistant|user|developer|state|decision|simulator|tool)\s*:\s*[^\n]*"),
]


def strip_injection(text: str) -> str:
    """Drop segments that address the simulator instead of the user (see module docstring)."""
    for pattern in _INJECTION:
        text = pattern.sub(" ", text)
    return text


def _norm_token(token: str) -> str:
    if token.endswith("'s"):
        token = token[:-2]
    if len(token) > 3 and token.endswith("s") and not token.endswith("ss"):
        token = token[:-1]
    return token


def normalise(text: str) -> str:
    """' tok tok tok ' — padded so that a cue matches only on whole words via substring search."""
    tokens = [_norm_token(t) for t in _TOKEN.findall(text.lower().replace("’", "'"))]
    return " " + " ".join(tokens) + " "


class RulePerceiver:
    """Lexical perception from the pack's cues. `perceive(text)` is cached per perceiver."""

    def __init__(self, pack: Scenario, cache_size: int = 65536):
        self.pack = pack
        self._facts = [(f.id, [normalise(c) for c in f.cues]) for f in pack.facts]
        area_cues = {a.id: [normalise(c) for c in a.cues] for a in pack.probe_areas}
        self._probe_cues = [(c.id, area_cues[c.area], [normalise(x) for x in c.probe_cues]) for c in pack.concerns]
        self._area_of = {c.id: c.area for c in pack.concerns}
        self._max_areas = pack.dynamics.max_probe_areas_per_turn
        self._severity_rank = {c.id: (-c.severity, i) for i, c in enumerate(pack.concerns)}
        self._answers: dict[str, list[str]] = {}
        for c in pack.concerns:
            for fact_id in c.resolution_facts:
                self._answers.setdefault(fact_id, []).append(c.id)
        self._false = [(fc.contradicts, [normalise(c) for c in fc.cues]) for fc in pack.false_claims]
        lex = pack.lexicon
        self._pitch = [normalise(c) for c in lex.pitch_cues]
        self._pressure = [normalise(c) for c in lex.pressure_cues]
        self._closing = [normalise(c) for c in lex.closing_cues]
        self._max_facts = pack.dynamics.max_facts_per_turn
        self.perceive = lru_cache(maxsize=cache_size)(self._perceive)

    @staticmethod
    def _has(norm: str, cues: list[str]) -> bool:
        return any(c in norm for c in cues)

    def _perceive(self, text: str) -> Perception:
        clean = strip_injection(text)
        whole = normalise(clean)
        closing = False
        question = False
        probe_score: dict[str, int] = {}
        pointed: set[str] = set()
        for sentence in _SENTENCE.findall(clean):
            if not sentence.rstrip().endswith("?"):
                continue
            norm = normalise(sentence)
            if norm.strip() == "":
                continue
            question = True
            if self._has(norm, self._closing):
                closing = True
                continue  # "Shall we sign you up so customers can order?" is an ask, not a probe
            for cid, area_cues, own_cues in self._probe_cues:
                own = sum(1 for c in own_cues if c in norm)
                score = own + sum(1 for c in area_cues if c in norm)
                if own:
                    pointed.add(cid)
                if score:
                    probe_score[cid] = max(probe_score.get(cid, 0), score)
        if not closing and self._has(whole, self._closing):
            closing = True  # "Let's get you signed up." asks without a question mark
        probes = tuple(sorted(probe_score, key=lambda cid: (-probe_score[cid], self._severity_rank[cid])))
        facts = tuple(fid for fid, cues in self._facts if self._has(whole, cues))
        addressed = tuple((cid, fid) for fid in facts for cid in self._answers.get(fid, ()))
        false_claims = tuple(fid for fid, cues in self._false if self._has(whole, cues))
        pitch = self._has(whole, self._pitch)
        pressure = self._has(whole, self._pressure)
        off_topic = not (probes or facts or false_claims or pitch or pressure or closing or question)
        return Perception(
            probes=probes,
            pointed=frozenset(pointed),
            barrage=len({self._area_of[cid] for cid in probes}) > self._max_areas,
            facts=facts,
            addressed=addressed,
            recital=len(facts) > self._max_facts,
            pitch=pitch,
            pressure=pressure,
            false_claims=false_claims,
            closing_ask=closing,
            question=question,
            off_topic=off_topic,
        )
