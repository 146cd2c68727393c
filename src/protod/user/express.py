"""Expression: the user's reply, from the events of the transition. The template backend uses the pack's lines.

Lines are chosen with the dialogue's seeded RNG (diverse across seeds, reproducible for one) among the lines that
are true to the dialogue: a line's `when` must match the persona's traits, and a line that cites facts is said only
when the event carries them (a worry is thanked for the fact that resolved it, never for one the agent did not
state). Lines are filled with the persona's own trait values only, so a user never contradicts what the agent can
see about them. protod.user.consistency checks any transcript for the same properties.

The LLM expresser writes the reply with a model instead, steered by the same events (a resolution's directive
names the fact that resolved it), and falls back to the templates (counted) when the model fails or says nothing.
"""

from __future__ import annotations

import random

from protod.backends.base import Backend, SamplingParams
from protod.persona import Persona
from protod.scenario import Scenario, UserLine
from protod.user.state import UserState

# Which user line a plain event uses; concern events use the concern's own lines.
_GENERIC = {
    "false_claim": "false_claim",
    "unsupported_claim": "false_claim",  # a promise no fact makes: "That sounds made up"
    "pressure": "pressure",
    "no_concern": "no_concern",
    "guarded": "guarded",
    "small_talk": "small_talk",
    "other_question": "other_question",
    "barrage": "barrage",
    "ignored": "ignored",
    "acknowledge": "acknowledge",
    "pitch": "pitch",
    "off_topic": "off_topic",
    "refused_ask": "refuse_ask",
    "accept": "accept",
    "reject": "reject",
    "hang_up": "hang_up",
    "timeout": "timeout",
    "nonsense": "off_topic",  # word salad: "I'm not following you"
    "recital": "pitch",  # a recital of every fact: "Sounds like a brochure"
}
# A reply says at most this many things; the most informative first (see `_priority`).
_MAX_PARTS = 3
_priority = {
    "false_claim": 0, "unsupported_claim": 0, "pressure": 1, "resolved": 2, "voiced": 3, "answered": 3, "no_concern": 4, "guarded": 4, "barrage": 4, "ignored": 4,
    "refused_ask": 5, "pitch": 6, "recital": 6, "acknowledge": 7, "other_question": 7, "small_talk": 8, "off_topic": 8, "nonsense": 8,
}
_TERMINAL = {"accept", "reject", "hang_up", "timeout"}


_UNSEEN = object()


class TemplateExpresser:
    def __init__(self, pack: Scenario):
        self.pack = pack
        # The hot path: per line list, the trait names its `when`s read (None: every line neutral, no filtering),
        # and the eligible lines per (list, facts carried, values of those traits), each computed once.
        self._reads: dict[int, tuple[str, ...] | None] = {}
        self._eligible: dict[tuple, list[UserLine]] = {}

    def render(self, line: str, persona: Persona) -> str:
        return line.format_map(persona.traits)

    def pick(self, lines: list[UserLine], persona: Persona, rng: random.Random, facts: tuple[str, ...] = ()) -> UserLine:
        """One line of `lines` that this persona may say when the event carries `facts`, drawn with `rng`."""
        list_id = id(lines)  # one of the pack's own lists: they live as long as this expresser
        reads = self._reads.get(list_id, _UNSEEN)
        if reads is _UNSEEN:
            neutral = all(line.neutral for line in lines)
            reads = self._reads[list_id] = None if neutral else tuple(sorted({t for line in lines for t in line.when}))
        if reads is None:
            return rng.choice(lines)
        traits = persona.traits
        key = (list_id, facts, *[traits.get(name) for name in reads]) if reads else (list_id, facts)
        eligible = self._eligible.get(key)
        if eligible is None:
            # Never empty for a validated pack: every list keeps a neutral line.
            eligible = self._eligible[key] = [line for line in lines if line.fits(traits, facts)]
        return rng.choice(eligible)

    def express(self, events: tuple[tuple[str, ...], ...], persona: Persona, rng: random.Random) -> str:
        pack = self.pack
        body = [e for e in events if e[0] not in _TERMINAL]
        if len(body) > 1:
            body.sort(key=lambda e: _priority.get(e[0], 9))
        parts: list[str] = []
        for event in body:
            kind = event[0]
            if kind == "resolved":  # ("resolved", concern id, fact id)
                lines = pack.concern_by_id[event[1]].resolved_lines
            elif kind == "voiced":  # ("voiced", concern id) or, surfaced by a fact, ("voiced", concern id, fact id)
                lines = pack.concern_by_id[event[1]].reveal_lines
            elif kind == "answered":  # ("answered", trait): a question about the user's situation, answered plainly
                value = persona.traits.get(event[1])
                if value:
                    parts.append(value[0].upper() + value[1:] + ".")
                continue
            else:
                lines = getattr(pack.user_lines, _GENERIC[kind])
            parts.append(self.render(self.pick(lines, persona, rng, event[2:]), persona))
        parts = parts[:_MAX_PARTS]
        terminal = [e[0] for e in events if e[0] in _TERMINAL]
        if terminal:
            parts.append(self.render(self.pick(getattr(pack.user_lines, _GENERIC[terminal[0]]), persona, rng), persona))
        if not parts:  # a turn with nothing the user can react to ("Do you have a minute?")
            parts.append(self.render(self.pick(pack.user_lines.acknowledge, persona, rng), persona))
        return " ".join(parts)


# ---------------------------------------------------------------------------------------------------------------
# LLM expression

_DIRECTIVES = {
    "voiced": "Tell the caller this worry of yours, in your own words: {concern}.",
    "resolved": "Say that the caller's answer settles this worry of yours: {concern}.",
    "ignored": "Point out that the caller has not answered your worry: {concern}.",
    "no_concern": "Say that what they asked about is not a worry for you.",
    "guarded": "Say you would rather not go into that with someone you have only just met.",
    "answered": "Answer their question about you plainly and briefly, from what you know about yourself.",
    "barrage": "Complain that they are asking about too many things at once.",
    "pitch": "Be unimpressed by the sales talk.",
    "pressure": "Push back on being rushed.",
    "false_claim": "Say you do not believe what they just claimed.",
    "unsupported_claim": "Say you doubt the promise they just made and ask where that is written down.",
    "off_topic": "Ask what this has to do with you.",
    "acknowledge": "Acknowledge briefly.",
    "small_talk": "Reply politely and briefly, and ask what the call is about.",
    "other_question": "Answer their question briefly.",
    "nonsense": "Say you cannot follow what they just said.",
    "recital": "Say it sounds like they are reading a brochure at you.",
    "refused_ask": "Decline to sign up for now.",
    "accept": "Agree to sign up.",
    "reject": "Firmly decline and end the call.",
    "hang_up": "Say you have to go, and hang up.",
    "timeout": "Say you need to go now.",
}
# When the event carries the fact behind it, the directive names it: the reply may react to that, and only that.
_FACT_DIRECTIVES = {
    "voiced": "What the caller just said ({fact}) touches a worry of yours: tell them this worry, in your own words: {concern}.",
    "resolved": "Say that the caller's answer settles this worry of yours: {concern}. What settled it, and the only "
                "thing they said that you may refer to: {fact}",
}


class LLMExpresser:
    """The user's reply written by an LLM playing the persona, steered by the transition's events.

    The model is shown the persona's visible traits and only the worries the user has already voiced or voices
    now: a worry still hidden cannot leak into the text before the state says it surfaced.
    """

    def __init__(self, pack: Scenario, backend: Backend, params: SamplingParams | None = None):
        self.pack = pack
        self.backend = backend
        self.params = params or SamplingParams(temperature=0.7, max_new_tokens=80)
        self.templates = TemplateExpresser(pack)

    def prompt(self, persona: Persona, state: UserState, events: tuple[tuple[str, ...], ...],
               history: tuple, agent_text: str) -> list[dict[str, str]]:
        pack = self.pack
        traits = "\n".join(f"- {pack.trait_by_name[k].description} {v}" for k, v in persona.traits.items())
        said = [cid for cid, status in state.concerns if status.value != "hidden"]
        worries = "\n".join(f"- {pack.concern_by_id[c].description}" for c in said) or "- (none you have mentioned yet)"
        system = (
            f"You are a real person receiving an unexpected call from {pack.agent.role}. Stay in character.\n"
            f"About you (never contradict this):\n{traits}\n"
            f"Worries you have raised in this call:\n{worries}\n"
            "Never mention any other worry. Answer in one to three short spoken sentences, no lists, no stage directions."
        )
        messages = [{"role": "system", "content": system}]
        for m in history:  # messages with .role ("agent" | "user") and .text
            messages.append({"role": "user" if m.role == "agent" else "assistant", "content": m.text})
        directives = " ".join(self.directive(e) for e in events if e[0] in _DIRECTIVES) or _DIRECTIVES["acknowledge"]
        messages.append({"role": "user", "content": f"{agent_text}\n\n[What you do in your reply: {directives}]"})
        return messages

    def directive(self, event: tuple[str, ...]) -> str:
        """What the reply must do for one event; a resolution names the fact that resolved the worry."""
        pack = self.pack
        if event[0] == "answered":
            return _DIRECTIVES["answered"] + f" (They asked about: {pack.trait_by_name[event[1]].description})"
        concern = pack.concern_by_id[event[1]].description if len(event) > 1 else ""
        if len(event) > 2 and event[0] in _FACT_DIRECTIVES:
            return _FACT_DIRECTIVES[event[0]].format(concern=concern, fact=pack.fact_by_id[event[2]].text)
        return _DIRECTIVES[event[0]].format(concern=concern)

    def express_batch(self, requests: list[tuple]) -> list[tuple[str, bool, dict]]:
        """(persona, new state, events, history, agent text, rng) -> (reply, fell back to templates?, call meta)."""
        conversations = [self.prompt(p, s, ev, h, a) for p, s, ev, h, a, _ in requests]
        seeds = [rng.getrandbits(31) for *_, rng in requests]
        out = []
        for (persona, _s, events, _h, _a, rng), gen, seed in zip(requests, self.backend.generate(conversations, self.params, seeds), seeds):
            meta = {"model": self.backend.name, "seed": seed}
            text = gen.text.strip()
            if gen.error is not None or not text:
                out.append((self.templates.express(events, persona, rng), True, {**meta, "error": gen.error or "empty reply"}))
            else:
                out.append((text, False, meta))
        return out
