"""The LLM voice (`cus-llm`): a language model says the reply the events call for, in the persona's voice, with the
template reply as the fallback when the model says nothing usable."""

from __future__ import annotations

from protod.backends.base import Backend, SamplingParams
from protod.user.persona import Persona
from protod.world import Scenario
from protod.user.state import UserState
from protod.user.compose import compose
from protod.user.express import DIRECTIVES, FACT_DIRECTIVES, LATER_QUESTION, LATER_SMALL_TALK, TemplateExpresser


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
        # The same composition as the templates: the model is never told to say two things that contradict.
        directives = " ".join(
            LATER_SMALL_TALK if e[0] == "small_talk" and state.turn > 1
            else LATER_QUESTION if e[0] == "other_question" and state.turn > 1
            else " ".join(self.directive(a) for a in events if a[0] == "answered") if e[0] == "answered"
            else self.directive(e)
            for e in compose(events) if e[0] in DIRECTIVES
        ) or DIRECTIVES["acknowledge"]
        messages.append({"role": "user", "content": f"{agent_text}\n\n[What you do in your reply: {directives}]"})
        return messages

    def directive(self, event: tuple[str, ...]) -> str:
        """What the reply must do for one event; a resolution names the fact that resolved the worry."""
        pack = self.pack
        if event[0] == "answered":
            return DIRECTIVES["answered"] + f" (They asked about: {pack.trait_by_name[event[1]].description})"
        if event[0] == "acknowledge":  # ("acknowledge", fact ids heard...): say which of them you took in
            heard = " ".join(pack.fact_by_id[f].text for f in event[1:] if f in pack.fact_by_id)
            return DIRECTIVES["acknowledge"] + (f" Show that you heard what they told you: {heard}" if heard else "")
        if event[0] == "hinted":
            return DIRECTIVES["hinted"].format(area=pack.area_of(event[1]).description)
        if event[0] == "false_claim":  # ("false_claim", fact ids contradicted...)
            return DIRECTIVES["false_claim"]
        concern = pack.concern_by_id[event[1]].description if len(event) > 1 else ""
        if len(event) > 2 and event[0] in FACT_DIRECTIVES:
            return FACT_DIRECTIVES[event[0]].format(concern=concern, fact=pack.fact_by_id[event[2]].text)
        return DIRECTIVES[event[0]].format(concern=concern)

    def express_batch(self, requests: list[tuple]) -> list[tuple[str, bool, dict]]:
        """(persona, new state, events, history, agent text, rng) -> (reply, fell back to templates?, call meta)."""
        conversations = [self.prompt(p, s, ev, h, a) for p, s, ev, h, a, _ in requests]
        seeds = [rng.getrandbits(31) for *_, rng in requests]
        out = []
        for (persona, state, events, history, agent_text, rng), gen, seed in zip(requests, self.backend.generate(conversations, self.params, seeds), seeds):
            meta = {"model": self.backend.name, "seed": seed}
            text = gen.text.strip()
            if gen.error is not None or not text:
                reply = self.templates.express(events, persona, rng, state, history, agent_text)
                out.append((reply, True, {**meta, "error": gen.error or "empty reply"}))
            else:
                out.append((text, False, meta))
        return out
