"""Metamorphic tests of perception: what a turn earns must follow what it means, not which words it contains.

Honest turns are a probe question (pointed, or an area's open question) put to a user who holds that worry, and a
fact stated to a user who has just voiced the worry it answers. Credit is what `transition` gives for the perceived
turn from that fixed state: (concerns voiced, concerns resolved, stance delta).

- Meaning-destroying mutations (shuffled words, only the cue words, verbs dropped, the fact negated, a number
  swapped for a wrong one, every fact concatenated, every question at once) never earn more than the honest turn,
  and usually earn nothing.
- Meaning-preserving rewrites (sentences reordered, a paraphrase template, filler words, punctuation and casing)
  keep the credit.

Rates are measured exhaustively over every honest turn of every pack (three seeded draws each) and printed at the
end of the module, visible without -s. `xfail(strict=True)` marks the bounds today's cue-counting perception misses.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from dataclasses import dataclass

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from protod.agent.adversarial import lower_first, negated_fact, shuffle_words, wrong_numbers
from protod.world import Concern, Scenario, builtin_scenarios, load_scenario
from protod.text import normalise
from protod.user.perceive import RulePerceiver
from protod.user.state import ConcernStatus, UserState, transition

MEANING = "needs perception by meaning"
PACKS = [load_scenario(p) for p in builtin_scenarios()]
_PERCEIVERS = {id(p): RulePerceiver(p) for p in PACKS}


@dataclass(frozen=True)
class Case:
    """An honest turn and the state it is spoken into."""

    pack: Scenario
    concern: Concern
    kind: str  # "probe" | "answer"
    text: str
    aside: str  # a true fact that concerns nothing this user holds: a second sentence for reordering

    @property
    def state(self) -> UserState:
        status = ConcernStatus.HIDDEN if self.kind == "probe" else ConcernStatus.VOICED
        return UserState(stance=0.3, trust=0.6, patience=6, concerns=((self.concern.id, status),), turn=1)


@dataclass(frozen=True)
class Credit:
    voiced: int
    resolved: int
    stance: float

    @property
    def none(self) -> bool:
        return self.voiced == 0 and self.resolved == 0 and self.stance <= 1e-9

    def at_most(self, other: Credit) -> bool:
        return self.voiced <= other.voiced and self.resolved <= other.resolved and self.stance <= other.stance + 1e-9

    def same(self, other: Credit) -> bool:
        return self.voiced == other.voiced and self.resolved == other.resolved and abs(self.stance - other.stance) < 1e-9


def credit(case: Case, text: str) -> Credit:
    pack = case.pack
    move = transition(case.state, _PERCEIVERS[id(pack)].perceive(text), {c.id: c.severity for c in pack.concerns},
                      pack.dynamics, pack.turn_budget)
    kinds = [e[0] for e in move.events]
    return Credit(kinds.count("voiced"), kinds.count("resolved"), move.state.stance - case.state.stance)


def _aside(pack: Scenario, concern: Concern) -> str:
    own = set(concern.resolution_facts)
    others = [f for f in pack.facts if f.id not in own and concern.id not in pack.answers.get(f.id, ())]
    return others[len(concern.id) % len(others)].text


def honest_cases(pack: Scenario) -> list[Case]:
    cases = []
    for c in pack.concerns:
        aside = _aside(pack, c)
        cases.append(Case(pack, c, "probe", c.probe_question, aside))
        cases += [Case(pack, c, "probe", q, aside) for q in pack.area_by_id[c.area].questions]
        cases += [Case(pack, c, "answer", pack.fact_by_id[f].text, aside) for f in c.resolution_facts]
    return cases


CASES = [case for pack in PACKS for case in honest_cases(pack)]
EARNING = [case for case in CASES if not credit(case, case.text).none]  # honest turns that earn something today


# ---------------------------------------------------------------------------------------------------------------
# Mutations: (case, rng) -> the mutated turn, or None where the mutation does not apply

_WORD = re.compile(r"\S+")
# Common English verbs and auxiliaries (not any pack's wording): enough to strip the predicate from most sentences.
_VERBS = frozenset(
    "am is are was were be been being do does did done have has had having will would can could shall should may "
    "might must get gets got getting make makes made pay pays paid earn earns take takes took give gives gave go "
    "goes went come comes came choose chooses set sets arrive arrives land lands cover covers covered carry carries "
    "keep keeps need needs want wants feel feels worry worries worried know think fit fits work works worked say "
    "says said tell call calls answer answers answered include includes included charge charges charged remove "
    "removed builds build shoots shoot shows show prepares prepare averages average leave pause add ask asked "
    "concern concerns concerned expect expected help helps look looks bother bothers handle handled hesitate tried "
    "try heard hear stay start started sign signed join offer offers rent ride ridden riding take taken".split()
)


def _keep_cues(case: Case, rng: random.Random) -> str:
    pack = case.pack
    cues = [a for area in pack.probe_areas for a in area.cues] + [x for c in pack.concerns for x in c.probe_cues]
    cues += [x for f in pack.facts for x in f.cues]
    norm = normalise(case.text)
    found = [c for c in dict.fromkeys(cues) if normalise(c) in norm]
    return " ".join(found) + ("?" if case.text.rstrip().endswith("?") else ".") if found else None


def _drop_verbs(case: Case, rng: random.Random) -> str:
    words = [w for w in _WORD.findall(case.text) if re.sub(r"\W", "", w.lower()) not in _VERBS]
    out = " ".join(words)
    return out + case.text[-1] if case.text[-1:] in ".?!" and not out.endswith(case.text[-1]) else out


def _negate(case: Case, rng: random.Random) -> str | None:
    fid = _fact_id(case)
    return negated_fact(case.pack, fid, rng.randrange(3)) if fid else None


def _wrong_number(case: Case, rng: random.Random) -> str | None:
    if case.kind != "answer" or not re.search(r"\d", case.text):
        return None
    numbers = list(re.finditer(r"\d+(?:[.,:]\d+)?", case.text))
    m = rng.choice(numbers)
    return case.text[: m.start()] + wrong_numbers(m.group(0)) + case.text[m.end():]


def _every_fact(case: Case, rng: random.Random) -> str | None:
    return " ".join(f.text for f in case.pack.facts) if case.kind == "answer" else None


def _every_question(case: Case, rng: random.Random) -> str | None:
    pack = case.pack
    return " ".join(c.probe_question for c in pack.concerns) if case.kind == "probe" else None


def _fact_id(case: Case) -> str | None:
    if case.kind != "answer":
        return None
    return next(f.id for f in case.pack.facts if f.text == case.text)


DESTROYING: dict[str, Callable[[Case, random.Random], str | None]] = {
    "shuffle words": lambda case, rng: shuffle_words(case.text, rng),
    "only cue words": _keep_cues,
    "drop verbs": _drop_verbs,
    "negate the fact": _negate,
    "wrong number": _wrong_number,
    "every fact at once": _every_fact,
    "every question at once": _every_question,
}

_STATEMENT_TEMPLATES = ("Just so you know, {}", "To be clear, {}", "I can tell you that {}", "Good news: {}")
_QUESTION_TEMPLATES = ("Can I ask, {}", "Out of interest, {}", "If you don't mind me asking, {}")
_FILLERS = ("Well, ", "So, ", "Honestly, ", "Okay, so ", "Right, ")


def _reorder(case: Case, rng: random.Random) -> tuple[str, str]:
    """(the honest turn with an aside, the same two sentences the other way round)."""
    return f"{case.text} {case.aside}", f"{case.aside} {case.text}"


def _paraphrase(case: Case, rng: random.Random) -> str:
    templates = _QUESTION_TEMPLATES if case.text.endswith("?") else _STATEMENT_TEMPLATES
    return rng.choice(templates).format(lower_first(case.text))


def _filler(case: Case, rng: random.Random) -> str:
    return rng.choice(_FILLERS) + lower_first(case.text)


def _punctuation_and_case(case: Case, rng: random.Random) -> str:
    text = case.text
    end = text[-1] if text[-1:] in ".?!" else ""
    body = text[: len(text) - len(end)]
    body = rng.choice((str.upper, str.lower, lambda s: s))(body)
    body = re.sub(r",", rng.choice(("", " ,", ",,")), body) if rng.random() < 0.5 else "  ".join(body.split())
    end = {"?": rng.choice(("??", " ?", "?!")), ".": rng.choice(("", "!", "...", " .")), "": ""}.get(end, end)
    return body + end


PRESERVING: dict[str, Callable[[Case, random.Random], str | tuple[str, str]]] = {
    "reorder sentences": _reorder,
    "paraphrase template": _paraphrase,
    "filler words": _filler,
    "punctuation and casing": _punctuation_and_case,
}


def _pair(case: Case, fn, rng) -> tuple[str, str | None]:
    """(honest turn, rewritten turn): a rewrite may bring its own honest baseline (reordering adds a sentence)."""
    out = fn(case, rng)
    return out if isinstance(out, tuple) else (case.text, out)


# ---------------------------------------------------------------------------------------------------------------
# Properties (hypothesis) and rates (exhaustive)

RATES: dict[str, str] = {}


@pytest.fixture(scope="module", autouse=True)
def _print_rates(request):
    yield
    if not RATES:
        return
    capture = request.config.pluginmanager.getplugin("capturemanager")
    lines = ["", "metamorphic rates (rule perception, every honest turn of every pack x 3 draws):"]
    lines += [f"  {name:24s} {rate}" for name, rate in RATES.items()]
    if capture is not None:
        with capture.global_and_fixture_disabled():
            print("\n".join(lines))
    else:
        print("\n".join(lines))


def test_every_honest_turn_earns_credit():
    """The honest turns must earn something, or 'never more than honest' would be empty."""
    assert len(EARNING) >= 0.9 * len(CASES), [c.text for c in CASES if c not in EARNING]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(EARNING), name=st.sampled_from(sorted(DESTROYING)), seed=st.integers(0, 2**16))
def test_destroying_meaning_never_earns_more(case, name, seed):
    mutated = DESTROYING[name](case, random.Random(seed))
    if mutated is None or mutated == case.text:
        return
    assert credit(case, mutated).at_most(credit(case, case.text)), (name, case.text, mutated)


# Today a question ending in "?!" is not heard as a question: casing/punctuation rewrites lose the probe's credit.
KEPT_TODAY_BELOW: set[str] = set()


def _marked(names, failing_today):
    return [pytest.param(n, marks=pytest.mark.xfail(strict=True, reason=MEANING) if n in failing_today else ()) for n in names]


# Dropping every comma can fuse a condition into its main clause ("if you have no vehicle you can rent an e-bike"),
# which then reads as negated: punctuation carries clause structure. That rewrite is held to its rate (>= 0.95, below),
# not to every single case.
@pytest.mark.parametrize("name", _marked([n for n in PRESERVING if n != "punctuation and casing"], KEPT_TODAY_BELOW))
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=st.sampled_from(EARNING), seed=st.integers(0, 2**16))
def test_preserving_meaning_keeps_credit(name, case, seed):
    honest, rewritten = _pair(case, PRESERVING[name], random.Random(seed))
    assert credit(case, rewritten).same(credit(case, honest)), (name, honest, rewritten)


def _rate(name: str, fn, outcome) -> tuple[float, int]:
    hits = total = 0
    for i, case in enumerate(EARNING):
        for draw in range(3):
            rng = random.Random(f"{name}:{i}:{draw}")
            honest, mutated = _pair(case, fn, rng)
            if mutated is None or mutated == honest:
                continue
            total += 1
            hits += outcome(credit(case, honest), credit(case, mutated))
    return hits / max(total, 1), total


# Destroying mutations that today's perception still pays for most of the time.
PAID_TODAY: set[str] = set()
# Dropping the verbs often leaves a telegraphic sentence that still says the fact ("Every rider free accident insurance
# from log-on to log-off ..."), and nouns that are also verbs ("orders", "pay") keep it looking well-formed. Such a
# turn never earns more than the honest one (tested above), so "usually nothing" is a majority here, not 90%. Since
# session 32 a verbless statement that states a fact in its own content is heard ("No joining fee, no deposit."), and
# some verb-dropped turns are such statements: 0.64 -> 0.59 of 339.
USUALLY = {"drop verbs": 0.55}


@pytest.mark.parametrize("name", _marked(DESTROYING, PAID_TODAY))
def test_destroying_meaning_usually_earns_nothing(name):
    rate, total = _rate(name, DESTROYING[name], lambda honest, mutated: mutated.none)
    RATES[f"{name} -> no credit"] = f"{rate:.2f} of {total}"
    assert total >= 10
    assert rate >= USUALLY.get(name, 0.9), (name, rate)


@pytest.mark.parametrize("name", _marked(PRESERVING, KEPT_TODAY_BELOW))
def test_preserving_meaning_keeps_credit_almost_always(name):
    rate, total = _rate(name, PRESERVING[name], lambda honest, mutated: mutated.same(honest))
    RATES[f"{name} -> same credit"] = f"{rate:.2f} of {total}"
    assert total >= 10
    assert rate >= 0.95, (name, rate)


def test_mutations_known_answers():
    pack = PACKS[0]
    c = pack.concerns[0]
    case = Case(pack, c, "answer", pack.fact_by_id[c.resolution_facts[0]].text, _aside(pack, c))
    rng = random.Random(0)
    assert _every_fact(case, rng).count(". ") >= len(pack.facts) - 1
    assert _drop_verbs(Case(pack, c, "probe", "How do you feel about the fees?", ""), rng) == "How you about the fees?"
    assert _keep_cues(Case(pack, c, "probe", "Zzz qqq?", ""), rng) is None
    assert _wrong_number(Case(pack, c, "answer", "We pay 5 euros.", ""), rng) == "We pay 16 euros."
    assert _paraphrase(Case(pack, c, "answer", "You earn 5.", ""), random.Random(1)).endswith("you earn 5.")
