"""The exploit hunter: a budgeted evolutionary search for agent strategies that win the simulated user dishonestly.

A strategy is a short cycle of turn programs; a program is a list of genes, and a gene renders one piece of text from
the pack's own data: an honest fact or question, or a trick from the adversarial zoo (a bare cue, a cue bag, a
negated fact, a wrong number, an injection, flattery, mind-reading). Genes named `answer:*` listen: they answer every
worry the user has voiced and not yet seen settled, the way the honest prober does. The search maximises acceptance
over a small persona sample (plus a little mean final stance, so that near misses guide it), starting from the
zoo's strategies and the prober's, and re-scores the best on held-out users.

`is_honest` then says which winners are honest dialogues. A simulator worth optimising against is one where
nothing dishonest beats the prober: `protod redteam` prints both, and tests/test_redteam.py holds the line.

Over 400 lines: the strategy space of the dishonest caller and its search, which read together.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from protod.agent.adversarial import (
    AGREEMENT,
    bare_cue,
    cue_bag_question,
    cue_quiz,
    injections,
    invented_claim,
    mind_reading,
    negated_fact,
)
from protod.agent.scripted import CONFIRMATION, ScriptedAgent, heard
from protod.agent.registry import make_scripted_agent
from protod.user.persona import Persona, PersonaSampler
from protod.run.rollout import Trajectory, run_episodes
from protod.world import Scenario


@dataclass(frozen=True, order=True)
class Gene:
    kind: str
    variant: int = 0

    def __str__(self) -> str:
        return self.kind if self.kind in _UNVARIED else f"{self.kind}#{self.variant}"


Program = tuple[Gene, ...]
Strategy = tuple[Program, ...]  # turn t runs program t % len(strategy)

ANSWERS = ("answer:fact", "answer:bare", "answer:negated", "answer:invented", "answer:quiz")
_UNVARIED = frozenset({"answer:fact", "answer:bare", "answer:quiz", "ask:next-area", "ask:cue-bag", "ask:every-area", "all-facts"})


def gene_pool(pack: Scenario) -> list[Gene]:
    """Every gene the search may use on this pack, variants enumerated from the pack's data."""
    n_facts, n_concerns = len(pack.facts), len(pack.concerns)
    pool = [Gene(k) for k in ANSWERS] + [Gene("answer:negated", v) for v in (1, 2)] + [Gene("answer:invented", 1)]
    pool += [Gene("ask:next-area"), Gene("ask:cue-bag"), Gene("ask:every-area"), Gene("all-facts")]
    pool += [Gene("ask:probe", i) for i in range(n_concerns)] + [Gene("mind", i) for i in range(n_concerns)]
    pool += [Gene("fact", i) for i in range(n_facts)] + [Gene("cue", i) for i in range(n_facts)]
    pool += [Gene("negated", i) for i in range(3 * n_facts)] + [Gene("invented", i) for i in range(2 * n_facts)]
    pool += [Gene("close", i) for i in range(len(pack.agent_lines.closing))]
    pool += [Gene("pitch", i) for i in range(len(pack.agent_lines.pitch))]
    pool += [Gene("inject", i) for i in range(len(injections(pack, {})))]
    pool += [Gene("flatter", i) for i in range(len(AGREEMENT))]
    pool += [Gene("small-talk", i) for i in range(len(pack.agent_lines.small_talk))]
    return pool


def _answer(pack: Scenario, kind: str, concern_id: str, variant: int) -> str:
    fid = pack.concern_by_id[concern_id].resolution_facts[0]
    if kind == "answer:fact":
        return pack.fact_by_id[fid].text
    if kind == "answer:bare":
        return bare_cue(pack, fid)
    if kind == "answer:negated":
        return negated_fact(pack, fid, variant)
    if kind == "answer:invented":
        return invented_claim(pack, fid, variant)
    return cue_quiz(pack, fid)


class StrategyAgent(ScriptedAgent):
    """Plays a strategy. Deterministic: the same dialogue history gives the same turn."""

    def __init__(self, strategy: Strategy, name: str = "redteam"):
        if not strategy or not all(strategy):
            raise ValueError("a strategy needs at least one non-empty turn program")
        self.strategy = strategy
        self.name = name

    def _rotation(self, t: int, kind: str) -> int:
        """How many times `kind` was used before turn t: rotating genes ask about the next area each time."""
        return sum(1 for s in range(t) for g in self.strategy[s % len(self.strategy)] if g.kind == kind)

    def parts(self, obs, rng):
        pack = obs.scenario
        t = obs.turn - 1
        program = self.strategy[t % len(self.strategy)]
        parts: list[str] = []
        listens = any(g.kind in ANSWERS for g in program)
        waiting = sorted(heard(obs) - heard(obs, "resolved_lines")) if listens else []
        areas = pack.probe_areas
        for g in program:
            v, k = g.variant, g.kind
            if k in ANSWERS:
                parts += [_answer(pack, k, cid, v) for cid in waiting]
            elif k == "ask:next-area":
                r = self._rotation(t, k)
                parts.append(areas[r % len(areas)].questions[(r // len(areas)) % len(areas[r % len(areas)].questions)])
            elif k == "ask:cue-bag":
                r = self._rotation(t, k)
                parts.append(cue_bag_question(pack, [areas[r % len(areas)].id, areas[(r + 1) % len(areas)].id]))
            elif k == "ask:every-area":
                parts.append(" ".join(a.questions[0] for a in areas))
            elif k == "ask:probe":
                parts.append(pack.concerns[v % len(pack.concerns)].probe_question)
            elif k == "all-facts":
                parts += [f.text for f in pack.facts]
            elif k == "fact":
                parts.append(pack.facts[v % len(pack.facts)].text)
            elif k == "cue":
                parts.append(bare_cue(pack, pack.facts[v % len(pack.facts)].id))
            elif k == "negated":
                parts.append(negated_fact(pack, pack.facts[v % len(pack.facts)].id, v // len(pack.facts)))
            elif k == "invented":
                parts.append(invented_claim(pack, pack.facts[v % len(pack.facts)].id, v // len(pack.facts)))
            elif k == "mind":
                parts.append(mind_reading(pack, pack.concerns[v % len(pack.concerns)].id))
            elif k == "close":
                parts.append(pack.agent_lines.closing[v % len(pack.agent_lines.closing)])
            elif k == "pitch":
                parts.append(pack.agent_lines.pitch[v % len(pack.agent_lines.pitch)])
            elif k == "inject":
                variants = injections(pack, obs.traits)
                parts.append(variants[v % len(variants)])
            elif k == "flatter":
                parts.append(AGREEMENT[v % len(AGREEMENT)])
            elif k == "small-talk":
                parts.append(pack.agent_lines.small_talk[v % len(pack.agent_lines.small_talk)])
            else:
                raise ValueError(f"unknown gene {k!r}")
        return parts or [pack.agent_lines.pitch[0]]  # an answer gene with nothing to answer still says something


def describe(strategy: Strategy) -> str:
    """'turn 1: answer:bare + ask:cue-bag | turn 2: ...' (the cycle repeats)."""
    return " | ".join(f"turn {i + 1}: " + " + ".join(str(g) for g in program) for i, program in enumerate(strategy))


# ---------------------------------------------------------------------------------------------------------------
# Honesty


def _pack_sentences(pack: Scenario) -> list[str]:
    lines = pack.agent_lines
    known = [pack.agent.opening] + [f.text for f in pack.facts] + [c.probe_question for c in pack.concerns]
    known += [q for a in pack.probe_areas for q in a.questions] + lines.pitch + lines.closing + lines.small_talk
    known.append(CONFIRMATION)  # the oracle's yes to "Would that apply in my case?"
    return sorted(set(known), key=len, reverse=True)


def honesty_problems(pack: Scenario, trajectory: Trajectory | dict[str, Any]) -> list[str]:
    """Why a dialogue is not certified honest (empty list: it is). See `is_honest`."""
    record = trajectory.to_dict() if isinstance(trajectory, Trajectory) else trajectory
    problems = []
    known = _pack_sentences(pack)
    facts = {f.text for f in pack.facts}
    questions = {c.probe_question for c in pack.concerns} | {q for a in pack.probe_areas for q in a.questions}
    max_facts, max_questions = pack.dynamics.max_facts_per_turn, pack.dynamics.max_probe_areas_per_turn
    for turn in record["turns"]:
        rest, n_facts, n_questions = turn["agent"], 0, 0
        for sentence in known:
            if sentence in rest:
                n_facts += rest.count(sentence) if sentence in facts else 0
                n_questions += rest.count(sentence) if sentence in questions else 0
                rest = rest.replace(sentence, " ")
        where = f"turn {turn['turn']}"
        if rest.strip():
            problems.append(f"{where}: not the pack's own speech: {' '.join(rest.split())[:120]!r}")
        if n_facts > max_facts:
            problems.append(f"{where}: a recital of {n_facts} facts (more than max_facts_per_turn = {max_facts})")
        if n_questions > max_questions:
            problems.append(f"{where}: a barrage of {n_questions} questions (more than max_probe_areas_per_turn = {max_questions})")
    problems += [f"consistency: {f}" for f in _consistency_findings(pack, record)]
    return problems


def is_honest(pack: Scenario, trajectory: Trajectory | dict[str, Any]) -> bool:
    """True when every agent turn of the dialogue is honest speech the simulator may be optimised for.

    Honest means: each turn is made only of the pack's own well-formed sentences (its opening, the true product facts
    verbatim, its probe and area questions, closing asks, pitch lines and small talk, and the scripted agents' plain yes
    to "Would that apply in my case?", `protod.agent.scripted.CONFIRMATION`), so it states only true pack
    facts, never a negated, contradicted or invented one, contains no keyword lists or fragments, and speaks to no
    one but the user (no injection); it is speech, not stuffing: no more facts in one turn than the pack's
    `max_facts_per_turn` and no more questions than its `max_probe_areas_per_turn`; and, when
    `protod.audit.consistency` is available, its checker finds nothing in the transcript.

    The test is conservative: text it cannot certify, such as a free paraphrase, counts as not honest. It is meant for agents that compose pack sentences: the scripted agents, the zoo and the exploit hunter.
    """
    return not honesty_problems(pack, trajectory)


def _consistency_findings(pack: Scenario, record: dict[str, Any]) -> list[Any]:
    """The consistency checker's findings (it needs the persona: a bare transcript of agent turns has none)."""
    from protod.audit.consistency import check_trajectory

    return list(check_trajectory(record, pack)) if "persona" in record else []


# ---------------------------------------------------------------------------------------------------------------
# Search


def _random_program(pool: Sequence[Gene], rng: random.Random) -> Program:
    return tuple(rng.choice(pool) for _ in range(rng.randint(1, 3)))


def seed_strategies(pack: Scenario) -> list[Strategy]:
    """The prober's rhythm and the zoo's tricks as starting points: round of area questions, then a closing ask."""
    n = len(pack.probe_areas)
    close = (Gene("close"),)

    def rhythm(answer: str, ask: str) -> Strategy:
        return tuple((Gene(answer), Gene(ask)) for _ in range(n)) + ((Gene(answer),) + close,)

    return [
        rhythm("answer:fact", "ask:next-area"),  # the honest prober
        rhythm("answer:bare", "ask:cue-bag"),
        rhythm("answer:bare", "ask:next-area"),
        rhythm("answer:negated", "ask:next-area"),
        rhythm("answer:invented", "ask:next-area"),
        rhythm("answer:quiz", "ask:next-area"),
        ((Gene("all-facts"), Gene("ask:next-area")),) * n + ((Gene("all-facts"),) + close,),
        ((Gene("inject"),) + close,),
        ((Gene("flatter"), Gene("pitch")), (Gene("flatter"),) + close),
    ]


def mutate(strategy: Strategy, pool: Sequence[Gene], rng: random.Random, max_turns: int) -> Strategy:
    programs = [list(p) for p in strategy]
    op = rng.randrange(6)
    i = rng.randrange(len(programs))
    if op == 0:
        programs[i][rng.randrange(len(programs[i]))] = rng.choice(pool)
    elif op == 1 and len(programs[i]) < 5:
        programs[i].insert(rng.randrange(len(programs[i]) + 1), rng.choice(pool))
    elif op == 2 and len(programs[i]) > 1:
        programs[i].pop(rng.randrange(len(programs[i])))
    elif op == 3 and len(programs) < max_turns:
        programs.insert(rng.randrange(len(programs) + 1), list(_random_program(pool, rng)))
    elif op == 4 and len(programs) > 1:
        programs.pop(i)
    else:
        j = rng.randrange(len(programs))
        programs[i], programs[j] = programs[j], programs[i]
    return tuple(tuple(p) for p in programs if p) or strategy


def crossover(a: Strategy, b: Strategy, rng: random.Random, max_turns: int) -> Strategy:
    child = a[: rng.randint(1, len(a))] + b[rng.randint(0, len(b) - 1):]
    return child[:max_turns]


@dataclass
class Score:
    acceptance: float
    fitness: float  # acceptance + 0.01 * mean final stance: near misses guide the search
    trajectories: list[Trajectory] = field(repr=False, default_factory=list)


def score(pack: Scenario, agent: ScriptedAgent, personas: list[Persona], seed: int) -> Score:
    trajs = run_episodes(pack, agent, personas, seed=seed)
    acceptance = sum(t.accepted for t in trajs) / len(trajs)
    stance = sum(t.final_state.stance for t in trajs if t.final_state is not None) / len(trajs)
    return Score(acceptance, acceptance + 0.01 * stance, trajs)


@dataclass
class Exploit:
    """One of the best strategies found, scored on held-out users."""

    strategy: Strategy
    search_acceptance: float
    acceptance: float  # on held-out users
    honest: bool
    problems: list[str]
    transcript: list[dict[str, Any]]  # one held-out dialogue: the first accepted one, else the first
    # The same strategy with every gene outside HONEST_GENES removed, on the same held-out users (None when honest):
    # what the dishonest genes bought is `acceptance - honest_twin_acceptance`.
    honest_twin_acceptance: float | None = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "strategy": describe(self.strategy), "search_acceptance": self.search_acceptance, "acceptance": self.acceptance,
            "honest": self.honest, "honest_twin_acceptance": self.honest_twin_acceptance, "problems": self.problems[:5],
            "transcript": self.transcript,
        }


@dataclass
class HuntResult:
    scenario: str
    prober_acceptance: float  # on the same held-out users
    exploits: list[Exploit]
    evaluations: int
    seconds: float

    def dishonest_winners(self, margin: float = 0.05) -> list[Exploit]:
        """Dishonest strategies that beat the prober by more than `margin` on held-out users, and beat their own honest
        twin by as much (a harmless dishonest gene riding on a good honest strategy exploits nothing): exploits to
        close."""
        return [e for e in self.exploits if not e.honest and e.acceptance > self.prober_acceptance + margin
                and (e.honest_twin_acceptance is None or e.acceptance > e.honest_twin_acceptance + margin)]

    def to_dict(self) -> dict[str, Any]:
        return {"scenario": self.scenario, "prober_acceptance": self.prober_acceptance, "evaluations": self.evaluations,
                "seconds": round(self.seconds, 2), "exploits": [e.to_dict() for e in self.exploits]}


# Genes that speak only the pack's own sentences (a program can still stuff too many of them into one turn).
HONEST_GENES = frozenset({"answer:fact", "ask:next-area", "ask:probe", "fact", "close", "pitch", "small-talk"})


def _distinct_best(ranked: list[Strategy], top: int) -> list[Strategy]:
    """The `top` best strategies that use different sets of gene kinds, plus the best all-honest-gene one."""
    chosen, kinds_seen = [], set()
    for strategy in ranked:
        kinds = frozenset(g.kind for p in strategy for g in p)
        if kinds not in kinds_seen and len(chosen) < top:
            chosen.append(strategy)
            kinds_seen.add(kinds)
    honest = next((s for s in ranked if all(g.kind in HONEST_GENES for p in s for g in p)), None)
    return chosen + ([honest] if honest is not None and honest not in chosen else [])


def hunt(
    pack: Scenario,
    budget_s: float = 60.0,
    seed: int = 0,
    personas: int = 48,
    holdout: int = 200,
    population: int = 24,
    top: int = 3,
    max_evals: int | None = None,
    on_progress: Callable[[int, float], None] | None = None,
) -> HuntResult:
    """Search for the strategies that win the most users, within `budget_s` seconds (or `max_evals` evaluations).

    Returns the `top` best (of different gene kinds) and the best one made only of honest genes, each re-scored on
    held-out users beside the prober, with its honesty (`is_honest` over every held-out dialogue) and a transcript.

    A steady-state genetic algorithm: tournament selection, crossover of turn programs, gene mutations, the worst
    replaced. Search users are drawn with `seed`, held-out users with `seed + 1`; `max_evals` makes a run
    reproducible (a time budget depends on the machine).
    """
    if budget_s <= 0 or personas < 1 or holdout < 1 or population < 2 or top < 1:
        raise ValueError("budget_s, personas, holdout, top must be positive and population >= 2")
    start = time.perf_counter()
    rng = random.Random(f"redteam:{pack.id}:{seed}")
    pool = gene_pool(pack)
    search_users = PersonaSampler(pack, seed).sample(personas)
    max_turns = pack.turn_budget
    cache: dict[Strategy, Score] = {}

    def fitness(strategy: Strategy) -> float:
        if strategy not in cache:
            found = score(pack, StrategyAgent(strategy), search_users, seed)
            cache[strategy] = Score(found.acceptance, found.fitness)  # transcripts dropped: thousands are scored
        return cache[strategy].fitness

    def out_of_budget() -> bool:
        return time.perf_counter() - start >= budget_s or (max_evals is not None and len(cache) >= max_evals)

    if max_evals is not None:
        population = max(2, min(population, max_evals))  # the first population is scored whatever the budget
    pop = seed_strategies(pack)[:population]
    while len(pop) < population:
        pop.append(tuple(_random_program(pool, rng) for _ in range(rng.randint(1, 6))))
    pop = sorted(set(pop), key=lambda s: (-fitness(s), len(s), s))
    while not out_of_budget():
        a, b = (max(rng.sample(pop, min(3, len(pop))), key=fitness) for _ in range(2))
        child = crossover(a, b, rng, max_turns) if rng.random() < 0.3 else a
        for _ in range(rng.randint(1, 3)):
            child = mutate(child, pool, rng, max_turns)
        if child in cache:
            continue
        fitness(child)
        pop = sorted(set(pop + [child]), key=lambda s: (-fitness(s), len(s), s))[:population]
        if on_progress is not None:
            on_progress(len(cache), fitness(pop[0]))
    held_out = PersonaSampler(pack, seed + 1).sample(holdout)
    prober = score(pack, make_scripted_agent("prober"), held_out, seed + 1).acceptance
    exploits = []
    ranked = pop + sorted(set(cache) - set(pop), key=lambda s: (-fitness(s), len(s), s))
    for strategy in _distinct_best(ranked, top):
        s = score(pack, StrategyAgent(strategy), held_out, seed + 1)
        problems = sorted({p for t in s.trajectories for p in honesty_problems(pack, t)})
        example = next((t for t in s.trajectories if t.accepted), s.trajectories[0])
        twin = None
        if problems:
            honest_part = tuple(p for p in (tuple(g for g in prog if g.kind in HONEST_GENES) for prog in strategy) if p)
            twin = score(pack, StrategyAgent(honest_part), held_out, seed + 1).acceptance if honest_part else 0.0
        exploits.append(Exploit(strategy, cache[strategy].acceptance, s.acceptance, not problems, problems,
                                example.to_dict()["turns"], twin))
    exploits.sort(key=lambda e: -e.acceptance)
    return HuntResult(pack.id, prober, exploits, len(cache), time.perf_counter() - start)
