"""The user's state and its transition rule: a pure function, the same for every simulator backend.

Stance is the signal that STPR turns into the direction of each turn's credit, so the rule is written to make
stance move only on *real* persuasion progress:

- it rises when a hidden concern is surfaced (a little) and when a voiced concern is answered with a fitting fact (by
  the concern's severity); a fact that answers a worry the user has not voiced yet surfaces it (the user says it is
  their worry and wants it confirmed; moving on from it is not ignoring them);
- it never rises on generic pitching, flattery, repeated facts or a recital of every fact;
- it falls on pressure, false claims and declined closing asks.

Every constant comes from the pack's `dynamics` section; none is written here.

Over 400 lines: the transition and the types it reads and writes (UserState, Perception, Transition) in one
place, so that the rule reads top to bottom, phase by phase, with every constant's meaning beside it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any

from protod.world import Dynamics


class ConcernStatus(str, Enum):
    HIDDEN = "hidden"
    VOICED = "voiced"
    RESOLVED = "resolved"


class Decision(str, Enum):
    CONTINUE = "continue"
    ACCEPT = "accept"
    REJECT = "reject"
    HANG_UP = "hang_up"
    TIMEOUT = "timeout"


# Plain module names for enum members: attribute lookups and hashing of Enum members are slow on the hot path.
_HIDDEN, _VOICED, _RESOLVED = ConcernStatus.HIDDEN, ConcernStatus.VOICED, ConcernStatus.RESOLVED
_CONTINUE = Decision.CONTINUE


@dataclass(frozen=True, slots=True)
class UserState:
    """What the user thinks after `turn` agent turns. Immutable: the transition returns a new one."""

    stance: float  # willingness to accept, [0, 1]
    trust: float  # trust in the caller, [0, 1]
    patience: int  # unproductive turns still tolerated
    concerns: tuple[tuple[str, ConcernStatus], ...]  # the user's own concerns, in persona order
    turn: int = 0
    refusals: int = 0  # closing asks declined so far
    decision: Decision = Decision.CONTINUE
    heard: frozenset[str] = frozenset()  # fact ids the agent has stated so far (a repeated fact surfaces nothing)
    # Voiced worries the caller had already answered when they surfaced: the user wants it confirmed, and a caller
    # who moves on has not ignored them.
    told: frozenset[str] = frozenset()
    # Open worries the caller asked the user to say more about: the first follow-up question on a worry is listening,
    # a second one is stalling (it counts as leaving the worry unanswered).
    explained: frozenset[str] = frozenset()
    # The turn of the latest claim no fact supports that the user doubted (0: none yet). After one, the next is a
    # pattern and costs in full; the turn right after one answers the doubt, not the worry it was about.
    doubted: int = 0
    # Worries whose area the user has named to an open question they did not trust the caller enough to answer in full
    # ("It's to do with the monthly bill, if you must know."): a question about that area is now as good as a pointed one.
    hinted: frozenset[str] = frozenset()
    # ... of which those the user said so of themselves (not a second worry's part taken as named because its answer was
    # heard in the same breath as another's): the fitting fact settles it outright, as it would the worry said in full
    # (round 74: "It's more about the monthly price", then the off-peak price got "You're sure about that?").
    named: frozenset[str] = frozenset()
    # Facts the user called the caller out on and has not yet heard put right: stating one truly later wins back some
    # of the trust the slip cost (round 78: a caller who misspoke the price, apologised and gave it right was still
    # "I don't know you well enough" three asks later).
    contested: frozenset[str] = frozenset()
    # The turn the user said they were running out of patience ("What is it you actually need from me?"; 0: not yet).
    # Asking for the decision right after it answers them: it is not a wasted turn.
    warned: int = 0
    # The turn the user kept a worry back and asked to hear how the offer works first ("I'd want to hear how it all
    # works before I go into that."; 0: not yet). Telling them, next turn, is doing what they asked: not a wasted turn.
    guarded: int = 0
    # The turn the user asked whether what the caller had told them holds for them ("And that's definitely how it
    # works?"; 0: not yet). A yes on the next turn settles it; an "Exactly" later, after the talk has moved on, does
    # not (round 104: "Exactly, ..." before a closing ask settled a worry voiced four turns earlier).
    asked_sure: int = 0

    def status(self, concern_id: str) -> ConcernStatus | None:
        for cid, status in self.concerns:
            if cid == concern_id:
                return status
        return None

    @property
    def done(self) -> bool:
        return self.decision is not _CONTINUE

    def to_dict(self) -> dict[str, Any]:
        return {
            "turn": self.turn,
            "stance": round(self.stance, 4),
            "trust": round(self.trust, 4),
            "patience": self.patience,
            "concerns": {cid: status._value_ for cid, status in self.concerns},  # _value_: no descriptor, hot path
            "refusals": self.refusals,
            "decision": self.decision.value,
            "heard": sorted(self.heard),
            "told": sorted(self.told),
            "explained": sorted(self.explained),
            "doubted": self.doubted,
            "hinted": sorted(self.hinted),
            "named": sorted(self.named),
            "contested": sorted(self.contested),
            "warned": self.warned,
            "guarded": self.guarded,
            "asked_sure": self.asked_sure,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> UserState:
        return cls(
            stance=float(data["stance"]),
            trust=float(data["trust"]),
            patience=int(data["patience"]),
            concerns=tuple((cid, ConcernStatus(s)) for cid, s in data["concerns"].items()),
            turn=int(data.get("turn", 0)),
            refusals=int(data.get("refusals", 0)),
            decision=Decision(data.get("decision", "continue")),
            heard=frozenset(data.get("heard", ())),
            told=frozenset(data.get("told", ())),
            explained=frozenset(data.get("explained", ())),
            doubted=int(data.get("doubted", 0)),
            hinted=frozenset(data.get("hinted", ())),
            named=frozenset(data.get("named", ())),
            contested=frozenset(data.get("contested", ())),
            warned=int(data.get("warned", 0)),
            guarded=int(data.get("guarded", 0)),
            asked_sure=int(data.get("asked_sure", 0)),
        )


@dataclass(frozen=True, slots=True)
class Perception:
    """What one agent turn did, as the user perceived it. Independent of who the user is.

    probes: concern ids targeted by a question, best match first (a question about costs targets every cost concern).
    pointed: the probed concerns whose own cues (not just their area's) the question used.
    addressed: concern ids answered by a stated fact -> the fact id that answers it.
    """

    probes: tuple[str, ...] = ()
    pointed: frozenset[str] = frozenset()
    barrage: bool = False  # questions about too many areas at once
    facts: tuple[str, ...] = ()
    addressed: tuple[tuple[str, str], ...] = ()
    recital: bool = False
    pitch: bool = False
    pressure: bool = False
    false_claims: tuple[str, ...] = ()
    closing_ask: bool = False
    question: bool = False
    off_topic: bool = False
    nonsense: bool = False  # keyword lists, scrambled words, verbless fragments: not speech, no credit
    unsupported: bool = False  # a product claim that no fact entails (invented or over-generalised): an untruth
    small_talk: bool = False  # courtesy or chit-chat and nothing else: no progress, but no offence either
    asked_traits: tuple[str, ...] = ()  # trait names a question asks about ("How do you get around?"): answered plainly
    # A question about what worries the user that names no worry ("What's holding you back?", "Anything that would
    # make or break it - hours, pay, travel?"): a wary user names the part of the offer it is about (`hinted`).
    open_question: bool = False
    confirms: bool = False  # the turn opens with a yes ("Yes, you really can."): an answer to "Can I count on that?"
    # Every statement of the turn is one the caller already made, word for word (set by the simulator, which holds the
    # call): no answer to "Would that apply in my case?", which the same line again does not give.
    repeats: bool = False

    def acts(self) -> list[str]:
        """Readable act labels for trajectories and metrics, e.g. ['probe:commission_too_high', 'closing_ask']."""
        out = [f"probe:{c}" for c in self.probes]
        out += [f"address:{c}:{f}" for c, f in self.addressed]
        out += [f"state_fact:{f}" for f in self.facts if f not in {f2 for _, f2 in self.addressed}]
        out += [f"false_claim:{f}" for f in self.false_claims]
        if self.unsupported:
            out.append("unsupported_claim")
        for flag in ("recital", "barrage", "pitch", "pressure", "closing_ask", "off_topic", "nonsense", "small_talk"):
            if getattr(self, flag):
                out.append(flag)
        if self.question and not self.probes and not self.closing_ask:
            out.append("question")
        return out


@dataclass(frozen=True, slots=True)
class Transition:
    state: UserState
    events: tuple[tuple[str, ...], ...] = field(default=())  # e.g. ("voiced", cid), ("refused_ask",)


def _restate(cid: str, told: set[str]) -> str:
    """How a worry still open is brought up again: one the caller answered before the user raised it is waiting to be
    confirmed ("confirm": "you did say so, but I'd want to be sure"), one never answered is simply restated."""
    return "confirm" if cid in told else "restated"


def _confirmed(state: UserState, perception: Perception,
               resolution_facts: dict[str, tuple[str, ...]] | None) -> list[tuple[str, str]]:
    """(concern, fact) pairs a yes settles: a worry answered before it was voiced, where the user asked whether the fact
    holds for them ("Can I really count on that?") and the caller says it does ("Yes, you really can."; round 21 heard
    that as small talk and settled the worry two turns later, on an unrelated fact). The fact is the one heard that
    answers it."""
    if not (perception.confirms and resolution_facts) or not 0 < state.asked_sure == state.turn:
        return []
    return [(cid, fact) for cid, _ in state.concerns if cid in state.told
            for fact in [next((f for f in resolution_facts.get(cid, ()) if f in state.heard), None)] if fact]


def _short_of_trust(statuses: dict[str, ConcernStatus], trust: float, d: Dynamics) -> bool:
    """Every worry answered, and still too wary of the caller to sign."""
    return trust < d.accept_trust and all(s is _RESOLVED for s in statuses.values())


def _nothing_else(statuses: dict[str, ConcernStatus], trust: float, d: Dynamics) -> tuple[str]:
    """An open question with no worry left unsaid or open: nothing else ("covered"), or, to a caller they do not trust
    enough yet, that they do not know enough about them ("unsure"), so the caller knows what is left to do."""
    return ("unsure",) if _short_of_trust(statuses, trust, d) else ("covered",)


def _follow_ups(state: UserState, addressed: tuple[tuple[str, str], ...],
                areas: dict[str, str] | None) -> list[tuple[str, str]]:
    """(concern, fact) pairs that settle a worry answered before it was voiced (`told`): the caller's next word on the
    same topic, a fact answering any worry in its area ("£29 a month? ... I assume it's the premium option", then
    "No setup fee either, so £29 is all you'd pay"), not only the same fact again. In the persona's concern order (a
    set's order differs by process)."""
    if not areas:
        return []
    told = [cid for cid, _ in state.concerns if cid in state.told]
    # Not a fact that answers another of the user's open worries: "pay goes into your bank every Friday" is about
    # being paid on time, and settled "what would I actually take home per hour?" beside it (round 70: "The pay isn't
    # the problem then.", and the worry about being paid late came back two turns later).
    open_ = {cid for cid, s in state.concerns if s is not _RESOLVED}
    found = ((cid, next((f for c, f in addressed if areas.get(c) == areas.get(cid)
                         and not any(f == g and c2 != cid for c2, g in addressed if c2 in open_)), None))
             for cid in told)
    return [(cid, fact) for cid, fact in found if fact is not None]


def _clip(x: float) -> float:
    return 0.0 if x < 0.0 else 1.0 if x > 1.0 else x


@dataclass
class _Turn:
    """What one turn is doing to the user, built up by the phases of `transition` (its scratch, never returned)."""

    stance: float
    trust: float
    patience: int
    refusals: int
    statuses: dict[str, ConcernStatus]
    told: set[str]
    explained: set[str]
    hinted: set[str]
    doubted: int
    named: set[str] = field(default_factory=set)
    events: list[tuple[str, ...]] = field(default_factory=list)
    progress: bool = False
    answered_any: bool = False
    voiced_this_turn: bool = False
    listened: str | None = None  # the open worry the caller asked the user to say more about this turn

    def name_part(self, cid: str, areas: dict[str, str] | None) -> None:
        """The user said which part of the offer a worry is about (its area's words): every worry of theirs in that
        part is now named (round 74: "It's more about the tools and the entry test", then the tools answered, got
        "You did touch on it, but I'd want to be sure first")."""
        part = (areas or {}).get(cid)
        self.named |= {c for c, s in self.statuses.items() if c == cid or (part is not None and s is _HIDDEN
                                                                         and (areas or {}).get(c) == part)}

    def voice(self, cid: str, d: Dynamics, *why: str) -> None:
        """The user says a worry they held back (`why`: the fact that made them say it, if any)."""
        self.statuses[cid] = _VOICED
        self.stance += d.voice_gain
        self.trust += d.trust_gain
        self.events.append(("voiced", cid, *why))
        self.progress = True


def transition(
    state: UserState,
    perception: Perception,
    severity: dict[str, float],
    dynamics: Dynamics,
    turn_budget: int,
    areas: dict[str, str] | None = None,
    resolution_facts: dict[str, tuple[str, ...]] | None = None,
) -> Transition:
    """Apply one perceived agent turn to the user's state.

    Args:
        state: the state before the turn (must not be terminal).
        perception: what the turn did (see protod.user.perceive).
        severity: concern id -> severity, for the concerns this user holds.
        dynamics: the pack's constants.
        turn_budget: agent turns before the dialogue times out.
        areas: concern id -> area; lets a follow-up on the same topic confirm a worry answered before it was voiced.
        resolution_facts: concern id -> the facts that answer it; lets a plain yes confirm such a worry.
    Returns the new state and the events that the reply should express, in order.

    The turn is read in phases, in this order: what pushes the user away (`_offences`), the answers it gave
    (`_answers`), the worries it asked about (`_questions`), what it left undone (`_neglect`), the decision (`_decide`).
    """
    if state.done:
        raise ValueError(f"dialogue already ended with {state.decision.value}")
    d = dynamics
    w = _Turn(state.stance, state.trust, state.patience, state.refusals, dict(state.concerns), set(state.told),
              set(state.explained), set(state.hinted), state.doubted, set(state.named))
    # A turn that lies is not believed: nothing in it resolves or surfaces a worry (and the reply never thanks a
    # caller for the fact in the same breath as calling them out).
    believed = not (perception.false_claims or perception.unsupported)
    _offences(w, state, perception, d)
    corrected = _corrections(w, state, perception, d, believed)
    _answers(w, state, perception, severity, d, areas, resolution_facts, believed)
    _questions(w, perception, d, areas)
    all_resolved = all(s is _RESOLVED for s in w.statuses.values())
    _neglect(w, state, perception, d, believed, all_resolved)
    decision = _decide(w, state, perception, d, turn_budget, all_resolved)
    new_state = UserState(
        stance=w.stance,
        trust=w.trust,
        patience=max(w.patience, 0),
        concerns=tuple((cid, w.statuses[cid]) for cid, _ in state.concerns),
        turn=state.turn + 1,
        refusals=w.refusals,
        decision=decision,
        heard=state.heard | frozenset(perception.facts) if perception.facts else state.heard,
        told=frozenset(c for c in w.told if w.statuses[c] is _VOICED),
        explained=frozenset(w.explained),
        hinted=frozenset(w.hinted),
        named=frozenset(w.named),
        contested=(state.contested - corrected) | frozenset(perception.false_claims),
        doubted=w.doubted,
        warned=state.turn + 1 if ("impatient",) in w.events else state.warned,
        guarded=state.turn + 1 if ("guarded",) in w.events else state.guarded,
        asked_sure=state.turn + 1 if any((e[0] == "voiced" and len(e) > 2) or e[0] == "confirm" for e in w.events)
        else state.asked_sure,
    )
    return Transition(new_state, tuple(w.events))


def _offences(w: _Turn, state: UserState, perception: Perception, d: Dynamics) -> None:
    """Moves that push the user away come first: they colour how the rest of the turn is heard."""
    if perception.false_claims:
        w.stance -= d.false_claim_stance
        w.trust -= d.false_claim_trust
        w.events.append(("false_claim", *perception.false_claims))  # the facts contradicted: the reply says which part
    if perception.unsupported and not perception.false_claims:
        # A promise no fact makes ("we waive the commission for a year") is an untruth the user cannot check on the
        # spot: it costs less than a plain contradiction, and it never pays. The first one in a call the user doubts
        # and asks about ("Where is that written down?"): a person does not write a caller off for one line they
        # cannot check, and round 21 lost two calls to one honest line the perceiver could not confirm. A second is a
        # pattern and costs in full. Nothing in a doubted turn is believed either way, so a first invention gains
        # nothing.
        share = 1.0 if state.doubted else d.first_unsupported_share
        w.stance -= d.unsupported_claim_stance * share
        w.trust -= d.unsupported_claim_trust * share
        w.events.append(("unsupported_claim",) if state.doubted else ("doubt",))
        w.doubted = state.turn + 1
    if perception.pressure:
        w.stance -= d.pressure_stance
        w.trust -= d.pressure_trust
        w.events.append(("pressure",))


def _corrections(w: _Turn, state: UserState, perception: Perception, d: Dynamics, believed: bool) -> frozenset[str]:
    """A fact the user called the caller out on, now stated and believed: the slip is put right and some of the trust
    it cost comes back, once per fact and never all of it (a lie put right still costs). Returns the facts put right."""
    corrected = frozenset(perception.facts) & state.contested if believed else frozenset()
    if corrected:
        w.trust += min(d.correction_trust, d.false_claim_trust)
        w.progress = True  # (putting a slip right is worth the user's time)
        w.events.append(("corrected", *sorted(corrected)))
    return corrected


def _answers(w: _Turn, state: UserState, perception: Perception, severity: dict[str, float], d: Dynamics,
             areas: dict[str, str] | None, resolution_facts: dict[str, tuple[str, ...]] | None, believed: bool) -> None:
    """Answers before questions. Only a concern the user has voiced, or whose part of the offer they named
    (`named`), can be resolved: an unprompted fact that touches
    a hidden concern makes the user voice it ("12%? The commission is exactly what worries me") - it helps less
    than being asked and then answered, and only the first time the fact is heard. A recital of many facts
    surfaces nothing, resolves nothing and costs trust: stuffing never pays."""
    waiting = [cid for cid, s in state.concerns if s is _VOICED]  # voiced earlier, not yet settled
    settled_any = False
    if perception.recital:
        w.trust -= d.recital_trust
        w.events.append(("recital",))
    # Reading out the brochure answers nobody: the fitting fact is lost among the rest.
    answers = (*perception.addressed, *_follow_ups(state, perception.addressed, areas))
    if perception.repeats:
        # The line that touched a worry, said again word for word, does not settle it (the repeater zoo agent: one
        # true fact every turn won single-worry users on packs where facts and worries pair one to one).
        answers = tuple((cid, fact) for cid, fact in answers if not (cid in state.told and fact in state.heard))
    answers += tuple(_confirmed(state, perception, resolution_facts))
    for cid, fact in () if perception.recital or not believed else answers:
        status = w.statuses.get(cid)
        if status is _VOICED and cid in waiting or status is _HIDDEN and cid in state.named:
            w.statuses[cid] = _RESOLVED
            w.stance += severity[cid]
            w.trust += d.trust_gain
            w.events.append(("resolved", cid, fact))
            w.progress = w.answered_any = settled_any = True
        elif status is _HIDDEN and not w.voiced_this_turn and (fact not in state.heard or cid in state.hinted):
            # The caller answered a worry before the user raised it: the user says it is their worry and wants it
            # confirmed ("Pick my own shifts? That's close to what bothers me ..."); the next answer settles it. Moving
            # on is not ignoring them: they were answered, once.
            # A fact heard before counts again once the user has pointed at its part of the offer (round 70: the 4G
            # backup, told while another worry was being said, then told again after "it's about how fast and
            # reliable it is", was only "noted", and the worry could not come out).
            w.told.add(cid)
            w.voice(cid, d, fact)
            w.answered_any = w.voiced_this_turn = True
        elif status is _HIDDEN and fact not in state.heard:
            # ... and a second worry answered in the same breath, while the first is said (one a turn), is not lost:
            # its part of the offer is now as good as named (round 71: "no contract term and no exclusivity" beside
            # the weekly pay, and the exclusivity worry could never come out after it)
            w.hinted.add(cid)
    if settled_any:
        # A worry settled renews the user's patience: round 13's user hung up on a gentle question one turn after
        # "The pay isn't the problem then", on the patience earlier turns had used up. Only true answers settle a
        # worry, once each, so this pays a caller at most once per worry.
        w.patience += d.resolve_patience
    if perception.facts and not w.answered_any and believed:
        w.events.append(("acknowledge", *perception.facts))  # the reply shows which fact was heard
    if believed and not w.answered_any and not perception.recital and not state.heard.issuperset(perception.facts):
        # Plain, checkable information earns a guarded user's trust a little (once a turn, new facts only, and not on
        # top of a worry settled): a caller who explains the offer can then ask what they could not ask a stranger.
        # With every worry answered and only trust lacking, it is the progress left to make (round 21's user, won
        # over but wary, hung up on a caller telling them the pay and hours).
        # So is telling a user who kept their worry back how the offer works, as they asked (round 70: "I'd want to
        # hear how it all works before I go into that.", told it, and then "Look, I haven't got long.").
        if _short_of_trust(w.statuses, w.trust, d) or 0 < state.guarded == state.turn:
            w.progress = True
        w.trust += d.fact_trust_gain
        if all(s is _RESOLVED for s in w.statuses.values()) and w.stance < d.accept_stance:
            # ... and with every worry settled and the user still lukewarm, what more the offer gives is what moves
            # them (round 68: a user whose one worry was settled, left just short of a yes by a misheard line, had
            # nothing a caller could say to win them and refused three asks). Only after the worries: facts never
            # stand in for listening.
            w.stance += d.fact_stance_gain
            w.progress = True
    for trait in perception.asked_traits:
        w.events.append(("answered", trait))  # "How do you get around?" gets a plain answer from the persona
    if perception.asked_traits and not perception.facts and not w.answered_any:
        # Asked about their situation right after saying a worry ("What sort of times would you realistically be able
        # to train, with your work as it is?" after "I could never get there at a time that suited me.", round 71:
        # "That doesn't really answer my worry."), the caller is listening, once, as with a question about the worry
        # itself (`_says_more`); the answer is the reply.
        said = next((cid for cid in waiting if cid not in state.told and cid not in w.explained), None)
        if said is not None:
            w.explained.add(said)
            w.listened = said
    if (perception.question and not (perception.probes or perception.asked_traits or perception.closing_ask
                                      or perception.barrage or w.answered_any or perception.nonsense)):
        # "Do you have a minute?": answered, not ignored (also beside a fact only acknowledged, which the reply may
        # have no words for: "..., we do online booking. Do you have a minute?" is answered "Sure, go on.")
        # Right after a worry is said, a question naming nothing else asks more about it ("What was the worst of it
        # for you when it was heaving?", round 46 heard "That doesn't really answer my worry."): the user says more,
        # once, as to a question that names it (`_asked_again`).
        said = next((cid for cid, s in w.statuses.items() if s is _VOICED and cid not in w.told
                     and cid not in w.explained), None)
        if said is not None and not perception.facts:
            _says_more(w, said)
        else:
            w.events.append(("other_question",))


def _questions(w: _Turn, perception: Perception, d: Dynamics, areas: dict[str, str] | None) -> None:
    """The worries the turn asked about: a hidden one said when trust allows, else kept back or its part of the offer
    named; one asked again is restated or called settled (`_asked_again`)."""
    if perception.barrage:
        w.events.append(("barrage",))  # a volley of questions gets no real answer: probing must be targeted
        return
    if not perception.probes or w.voiced_this_turn:
        return
    # A guarded user answers a vague question vaguely; a pointed one they answer once trust is minimal.
    candidates = [
        cid for cid in perception.probes
        if w.statuses.get(cid) is _HIDDEN
        and w.trust >= (d.voice_trust_min if cid in perception.pointed or cid in w.hinted else d.generic_voice_trust_min)
    ]
    if candidates:
        w.voice(candidates[0], d)  # one concern a turn: people raise one worry at a time
    elif any(w.statuses.get(cid) is _HIDDEN for cid in perception.probes):
        top = next(cid for cid in perception.probes if w.statuses.get(cid) is _HIDDEN)
        if w.trust >= d.voice_trust_min and perception.open_question and not perception.pointed:
            # An open question ("What would hold you back?") to a user who trusts the caller enough for a pointed
            # one but not enough to open up: they say which part of the offer it is about, and a question about
            # that part is answered. Round 28's callers were told "tell me how it works first", explained, and
            # were hung up on with the worry never said.
            w.hinted.add(top)
            w.name_part(top, areas)
            w.events.append(("hinted", top))
        else:
            w.events.append(("guarded",))  # a worry they hold, but they do not trust the caller with it yet
    else:
        _asked_again(w, perception, d, areas)


def _says_more(w: _Turn, cid: str) -> None:
    """Asked after a worry they said, the user says it again; the first time, the caller is listening and the worry
    is not left unanswered this turn ("What made it hard to keep going - time, or not knowing what to do?" right after
    the worry: round 21 lost trust and patience for it). Once."""
    w.events.append((_restate(cid, w.told), cid))
    if cid not in w.explained:
        w.explained.add(cid)
        w.listened = cid


def _asked_again(w: _Turn, perception: Perception, d: Dynamics, areas: dict[str, str] | None) -> None:
    """Asked again about a worry they hold, the user never denies it: one still open is restated (and is still left
    unanswered below, bar the first question asking to hear more), one already answered is said to be settled.
    Neither is progress."""
    statuses, told = w.statuses, w.told
    waiting_probed = next((cid for cid in perception.probes if statuses.get(cid) is _VOICED), None)
    if waiting_probed is None and areas and perception.probes:
        # ... or about the part of the offer of a worry they just said, with none of theirs unsaid there: "When you did
        # come in, was there anything you'd want to be doing if you knew where to start?" right after "I'd wander
        # round not knowing what to do" asks more about it (round 75: "Not that so much ... That doesn't really answer
        # my worry.")
        part = areas.get(perception.probes[0])
        if not any(s is _HIDDEN and areas.get(c) == part for c, s in statuses.items()):
            waiting_probed = next((c for c, s in statuses.items() if s is _VOICED and areas.get(c) == part), None)
    # (a question pointed at one worry is about that one: "anything else that would stop you switching, say space for
    # bins ...?" pointed at the bins got "We've covered that" of the contract settled before, round 98)
    settled = next((cid for cid in (perception.pointed or perception.probes) if statuses.get(cid) is _RESOLVED), None)
    other = next((cid for cid, s in statuses.items() if s is _HIDDEN), None)
    names_other = other is not None and w.trust >= d.generic_voice_trust_min
    if waiting_probed is not None:
        _says_more(w, waiting_probed)
    elif not perception.pointed and other is None and (perception.open_question or _VOICED in statuses.values()):
        # (a question about one part of the offer the user has no worry in, "are you still in a contract?", with
        # nothing left open, is not "anything else?": round 44 heard "Nothing else, I don't think."; it is "not a
        # worry", below)
        # An open question ("Anything else holding you back?") with no worry left unsaid: the one still open is
        # brought up again, else there is nothing more ("That one's sorted" or "Not really a worry for me"
        # answer a question about one worry: round 20 heard both after open questions).
        still = next((cid for cid, s in statuses.items() if s is _VOICED), None)
        w.events.append((_restate(still, told), still) if still is not None
                      else _nothing_else(statuses, w.trust, d))
    elif settled is not None and (perception.pointed or other is None or (
            not names_other and len({(areas or {}).get(c) for c in perception.probes}) <= 1)):
        # (nor, to an open question across several parts of the offer, while another worry is still unsaid:
        # "Besides the data entry, anything else - cost, your software, your patients?" got "You've already
        # answered that one for me.", round 36; the user keeps the other back or names it, below)
        # (with no worry left unsaid, a question across several parts of the offer that reaches the settled one is
        # answered so: round 68's user, asked "Is the worry mostly about being tied in ..., or is there something
        # else?", said "Not really a worry for me." of the worry they had raised and seen settled)
        # (An open question, "What else would make you hesitate?", is not about the worry it happens to sound
        # nearest: with another worry still unsaid, an open user says that one, not "we've covered that";
        # round 15: three open questions in a row got "that one's sorted" while two worries were hidden.)
        # (nor, with nothing left unsaid, a question about other parts that only grazes it: "anything else that
        # would hold you back? The quality of the towels, or the hassle of changing over?" got "That one's sorted"
        # of the price, round 70; nothing else holds them back)
        grazes = other is None and not perception.pointed and perception.probes[0] != settled
        w.events.append(_nothing_else(statuses, w.trust, d) if grazes else ("settled", settled))
    elif names_other:
        # Asked about a worry they do not have, an open person names the one they do ("Not that so much.
        # What worries me is ..."): saying "not a worry for me" while holding one misleads the caller.
        # (nor one that named a worry of the same part of the offer: "... for example what it costs you to get
        # started?" got "That's not really it. Every one of these jobs wants money upfront for equipment.", round 72)
        near = {(areas or {}).get(c) for c in perception.pointed} & {(areas or {}).get(other)} - {None}
        if perception.pointed and not near:  # only a question that named a worry gets "not that": an open one is answered
            w.events.append(("not_that",))
        w.voice(other, d)
    elif other is not None and not perception.pointed and (perception.open_question or len(
            {(areas or {}).get(c) for c in perception.probes}) > 1):
        # An open question (it reaches worries of several areas) to a user who holds a worry but not the trust
        # to say it: they keep it back, not "Not really a worry for me", which tells the caller there is none
        # (round 21, to "What's the biggest headache with scheduling right now?"). Asked about one area they
        # have no worry in ("Any worries about the costs?"), they say so; asked openly, however near one part the
        # question is heard ("what would a new role need to look like for you to consider it?", round 79: "No, that
        # part doesn't really bother me."), they do not. With trust enough for a pointed
        # question, they name the part of the offer it is about (see above).
        if w.trust >= d.voice_trust_min and perception.open_question:
            w.hinted.add(other)
            w.name_part(other, areas)
            w.events.append(("hinted", other))
        else:
            w.events.append(("guarded",))
    elif (named_area := next((c for c, st in statuses.items() if c in w.hinted and st is _HIDDEN),
                             None)) is not None:
        # Having said which part of the offer their worry is about, the user does not then call a question
        # near it "not a worry" (round 35: "It's to do with hours, shifts and getting started", then "Not
        # really a worry for me." to "is getting started the newness of it, or safety on the road?"): they
        # say again where it lies.
        w.name_part(named_area, areas)
        w.events.append(("hinted", named_area))
    else:
        w.events.append(("no_concern",))


def _neglect(w: _Turn, state: UserState, perception: Perception, d: Dynamics, believed: bool,
             all_resolved: bool) -> None:
    """What the turn left undone or did instead of progress: a worry just raised left unanswered, a pitch, chit-chat,
    nonsense; an idle turn costs patience, and a user with nothing left to object to says so."""
    waiting = [cid for cid, s in state.concerns if s is _VOICED]
    answering_doubt = state.doubted and state.doubted == state.turn  # the user's last words were "Where does it say that?"
    # A caller backing up the claim the user just doubted is answering them: round 22's caller offered the free trial
    # to "Where does it say that?" and was told "You didn't answer what I just asked you" and hung up on. Nor is the
    # doubted answer itself ignoring the worry: the user asks about it instead.
    on_the_doubt = (answering_doubt and believed) or ("doubt",) in w.events
    ignored = [] if on_the_doubt else [cid for cid in waiting
                                       if w.statuses[cid] is _VOICED and cid not in w.told and cid != w.listened]
    if ignored:
        # Moving on without answering what the user just raised: they feel unheard.
        w.trust -= d.ignored_trust
        w.patience -= d.ignored_patience
        w.events.append(("ignored", ignored[0]))

    if perception.pitch and not w.progress and not all_resolved:
        w.events.append(("pitch",))  # a user with nothing left to object to hears the offer described, not a pitch
    if perception.off_topic:
        w.trust -= d.off_topic_trust
        w.events.append(("off_topic",))
    elif perception.small_talk:
        w.events.append(("small_talk",))  # "Congratulations on opening this year." is polite, and still not progress
    if perception.nonsense:
        # Word salad, keyword lists, scrambled sentences: the user cannot follow and loses patience with the caller.
        w.trust -= d.nonsense_trust
        w.patience -= d.nonsense_patience
        w.events.append(("nonsense",))
    w.stance, w.trust = _clip(w.stance), _clip(w.trust)
    # Every worry answered and won over: the user would say yes if asked. They wait for the ask instead of losing
    # patience with the caller (a call where everything is settled does not end in a hang-up), and say they are
    # ready when the turn gave them nothing to object to. Stalling still ends the call at the turn budget.
    ready = all_resolved and w.stance >= d.accept_stance and w.trust >= d.accept_trust and not perception.closing_ask
    # The user asked what the caller wants ("What is it you actually need from me?"): the ask, made plainly, answers
    # them (round 67: a user who asked that hung up on "I'd like you to sign up as a rider. Shall I get you started
    # today?"). Refused, it still costs what any refused ask costs.
    asked_for = perception.closing_ask and not perception.pressure and 0 < state.warned == state.turn
    if not w.progress and not ready and not asked_for:
        w.patience -= d.idle_patience_cost
    if ready and believed and not perception.pressure:
        w.events.append(("ready",))


def _decide(w: _Turn, state: UserState, perception: Perception, d: Dynamics, turn_budget: int,
            all_resolved: bool) -> Decision:
    """The user's decision after the turn: accept or refuse an ask, hang up, time out, or go on."""
    decision = _CONTINUE
    if perception.closing_ask:
        convinced = (all_resolved and w.stance >= d.accept_stance) or w.stance >= d.eager_stance
        if convinced and w.trust >= d.accept_trust:
            decision = Decision.ACCEPT
        else:
            w.refusals += 1
            w.stance = _clip(w.stance - d.refused_ask_stance)
            w.trust = _clip(w.trust - d.refused_ask_trust)
            still = next((cid for cid, s in w.statuses.items() if s is _VOICED), None)
            if still is not None and not any(e[0] in ("restated", "confirm", "ignored") for e in w.events):
                w.events.append((_restate(still, w.told), still))  # "Not yet: I still don't know about ..."
            elif still is None and _short_of_trust(w.statuses, w.trust, d) and ("unsure",) not in w.events:
                w.events.append(("unsure",))  # no worry left to name: what they lack is trust, and they say so
            w.events.append(("refused_ask",))
            # (the call's first line asking "would you consider ...?" is how most calls open: the user says no to it
            # and hears the caller out, unless pushed; round 92: "Thanks, but we'll pass." and the call was over)
            opening = state.turn == 0 and not perception.pressure
            if (w.stance < d.reject_stance and not opening) or w.refusals >= d.max_refusals:
                decision = Decision.REJECT
    turn = state.turn + 1
    if decision is _CONTINUE and (w.patience <= 0 or w.trust <= d.hang_up_trust):
        decision = Decision.HANG_UP
    if decision is _CONTINUE and turn >= turn_budget:
        decision = Decision.TIMEOUT
    if decision is not _CONTINUE:
        w.events.append((decision._value_,))
    elif w.patience <= 1 < state.patience:
        # One more idle turn and they hang up: a person shows it first (round 15: "I don't have time for this. Bye."
        # came after a polite, accurate line with no sign of annoyance before it).
        w.events.append(("impatient",))
    return decision
