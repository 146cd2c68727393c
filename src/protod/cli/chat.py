"""`protod chat`: a person (or a language agent, one turn per command) talks to the simulated user, or takes the call
as the user from an agent. `--blind` hides acts and state as on a real call; `--privileged` names what really holds
the user back."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

import typer

from protod.agent.llm import make_agent
from protod.backends import SPEC_HELP, BackendError, SamplingParams
from protod.cli.common import app, err, friendly, out
from protod.store.files import atomic_write_text
from protod.user.persona import PersonaSampler
from protod.world import load_scenario


@app.command()
@friendly
def chat(
    scenario: str = typer.Option("merchant_recruitment", "--scenario", "-s", help="Built-in pack id or path to a YAML pack."),
    role: str = typer.Option("agent", "--as", help="agent: you make the call and the simulator answers; user: you take the call from an agent."),
    agent: str = typer.Option("prober", "--agent", help="With --as user: the caller (a scripted agent or llm:<spec>[:view]); --model is a shortcut."),
    model: Optional[str] = typer.Option(None, "--model", "-m", help=f"With --as user: an LLM caller, {SPEC_HELP}."),
    simulator: str = typer.Option("rule", "--simulator", help="With --as agent: who answers (rule | semantic | learned)."),
    blind: bool = typer.Option(False, "--blind", help="With --as agent: hide the user's acts and state (and /state), as on a real call; all is shown when the call ends."),
    privileged: bool = typer.Option(False, "--privileged", help="With --as agent: the briefing names what really holds this user back (the privileged view SI-AVPO's teacher gets); the user still has to be asked and answered."),
    session: Optional[Path] = typer.Option(None, "--session", help="With --as agent: play one turn per command (for scripts and language agents): the call so far is kept in this JSON file and replayed exactly. Use with --say."),
    say: Optional[str] = typer.Option(None, "--say", help="With --session: what you say this turn (omit to start the call and see the briefing)."),
    stratum: Optional[str] = typer.Option(None, "--stratum", help="Whom to meet: a stratum, difficulty or primary concern."),
    seed: int = typer.Option(0, "--seed", help="Which persona (and replies) you get."),
    out_file: Optional[Path] = typer.Option(None, "--out", help="Save the transcript as one JSON line."),
) -> None:
    """Talk to the simulator yourself (as the agent), or be the user an agent calls. Commands: /state, /facts, /quit.
    --blind hides the user's state until the call ends; --session FILE --say TEXT plays one turn per command."""
    from protod.run.rollout import SCHEMA_VERSION

    if role not in ("agent", "user"):
        raise ValueError(f"--as {role!r}: expected agent or user")
    if say is not None and session is None:
        raise ValueError("--say needs --session FILE (the call so far)")
    pack = load_scenario(scenario)
    if session is not None:
        if role != "agent":
            raise ValueError("--session plays the agent's side: drop --as user")
        _chat_session_turn(pack, session, say, simulator, stratum, seed, blind, privileged)
        return
    persona = PersonaSampler(pack, seed).sample(1, stratum=stratum)[0]
    if role == "agent":
        final, turns = _call_as_agent(pack, persona, simulator, seed, blind, privileged)
        caller_name = "human"
    else:
        final, turns, caller_name = _call_as_user(pack, persona, agent, model, seed)
    out.print("The persona was: " + "; ".join(f"{k}={v}" for k, v in persona.traits.items()) + " | hidden concerns: "
              + ", ".join(f"{c.id} (severity {c.severity})" for c in persona.concerns), markup=False)
    if out_file is not None:
        # the fields of a rollout's record too, so that `consistency` and `report` read a chat like any transcript
        record = {"schema_version": SCHEMA_VERSION, "id": f"chat-{persona.id}", "scenario": pack.id, "mode": f"human-as-{role}",
                  "agent": caller_name, "view": "deployable",
                  "simulator": simulator if role == "agent" else "human", "seed": seed,
                  "persona": persona.to_dict(), "turns": turns, "decision": final.decision.value if final else "ended",
                  "n_turns": len(turns), "final_state": final.to_dict() if final else None, "status": "ok", "error": None}
        out_file.parent.mkdir(parents=True, exist_ok=True)
        with out_file.open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(record) + "\n")
        out.print(f"Transcript: {out_file}")


def _call_as_agent(pack: Any, persona: Any, simulator: str, seed: int, blind: bool,
                   privileged: bool) -> tuple[Any, list[dict[str, Any]]]:
    """The person makes the call, typing each turn; the simulator answers. (final state, turn records)."""
    import random

    from protod.agent.views import Message
    from protod.user.simulator import make_simulator

    history: tuple[Message, ...] = ()
    turns: list[dict[str, Any]] = []
    sim = make_simulator(simulator, pack)
    state, rng = persona.initial_state, random.Random(f"chat:{seed}")
    out.print(f"You are {pack.agent.role}. Goal: {pack.agent.goal}. You have {pack.turn_budget} turns.")
    out.print("Whom you are calling: " + "; ".join(persona.traits.values()))
    if privileged:
        _print_hidden(pack, persona)
    out.print("Type what you say. /facts lists what you may truthfully claim, "
              + ("" if blind else "/state shows the user's state, ") + "/quit ends.")
    while not state.done:
        try:
            line = input(f"you (turn {state.turn + 1})> ").strip()
        except EOFError:
            break
        if line == "/quit":
            break
        if line == "/facts":
            for f in pack.facts:
                out.print(f"- {f.text}", markup=False)
            continue
        if line == "/state" and not blind:
            shown = {cid: s.value for cid, s in state.concerns if s.value != "hidden"}
            hidden = sum(1 for _, s in state.concerns if s.value == "hidden")
            out.print(f"stance {state.stance:.2f}, trust {state.trust:.2f}, patience {state.patience}, "
                      f"concerns out in the open {shown or '{}'}, still hidden: {hidden}", markup=False)
            continue
        if not line:
            continue
        reply = sim.step(persona, state, line, rng, history)
        history += (Message("agent", line), Message("user", reply.text))
        turns.append({"turn": reply.state.turn, "agent": line, **reply.to_dict()})
        state = reply.state
        out.print(f"user: {reply.text}", markup=False)
        if not blind:
            out.print(f"   [stance {state.stance:.2f} | trust {state.trust:.2f} | patience {state.patience} | "
                      f"{', '.join(reply.acts) or 'no act'}]", markup=False, style="dim")
    out.print(f"Decision: {state.decision.value}. ", end="")
    if blind and turns:
        out.print("\nWhat the user heard, turn by turn: " + " | ".join(
            f"{t['turn']}: {', '.join(t['acts']) or 'no act'}" for t in turns), markup=False)
    return state, turns


def _call_as_user(pack: Any, persona: Any, agent: str, model: str | None,
                  seed: int) -> tuple[None, list[dict[str, Any]], str]:
    """An agent calls and the person answers as the user. (None: no simulated state, turn records, the caller's
    name)."""
    import random

    from protod.agent.views import Message, observe

    history: tuple[Message, ...] = ()
    turns: list[dict[str, Any]] = []
    caller = make_agent("llm" if model else agent, model=model, params=SamplingParams(temperature=0.7, max_new_tokens=96))
    agent_rng = random.Random(f"chat-agent:{seed}")
    out.print(f"You are {'; '.join(persona.traits.values())}. A caller from {pack.name} rings. Reply as yourself; /quit hangs up.")
    out.print("Your hidden worries (the caller does not know them): " + ", ".join(pack.concern_by_id[c.id].description for c in persona.concerns))
    for _ in range(pack.turn_budget):
        said = caller.act([observe(pack, persona, history, caller.privileged)], [agent_rng])[0]
        if getattr(said, "error", None):  # a dead endpoint: say so, not an empty caller line
            raise BackendError(f"{caller.name}: the caller's model failed ({said.error})")
        text = said if isinstance(said, str) else said.text
        out.print(f"caller: {text}", markup=False)
        try:
            line = input("you> ").strip()
        except EOFError:
            break
        if line == "/quit":
            break
        history += (Message("agent", text), Message("user", line))
        turns.append({"turn": len(turns) + 1, "agent": text, "user": line})
    out.print("Call ended. ", end="")
    return None, turns, caller.name


def _print_hidden(pack: Any, persona: Any) -> None:
    """The privileged view's briefing line: what really holds this user back (they do not say it unasked)."""
    hidden = [pack.concern_by_id[cid].description for cid, _ in persona.initial_state.concerns]
    out.print("What really holds them back (privileged view; they will not say it unasked): " + " | ".join(hidden),
              markup=False)


def _chat_session_turn(pack: Any, session: Path, say: str | None, simulator: str, stratum: str | None, seed: int,
                       blind: bool, privileged: bool = False) -> None:
    """One agent turn of a call kept in `session` (JSON): the earlier turns are replayed with the same seed, so the
    user's state and replies are exactly those of one uninterrupted call."""
    import random

    from protod.agent.views import Message
    from protod.user.simulator import make_simulator

    if session.exists():
        try:
            saved = json.loads(session.read_text(encoding="utf-8"))
            said, key = list(saved["said"]), saved["key"]
            recorded = [t.get("user") for t in saved.get("turns") or () if isinstance(t, dict)]
        except (json.JSONDecodeError, KeyError, TypeError):
            raise ValueError(f"{session}: not a chat session file (expected JSON with 'said' and 'key'); pass a new path") from None
        if not all(isinstance(x, str) for x in said):
            raise ValueError(f"{session}: field 'said' must be a list of strings")
        wanted = {"scenario": pack.id, "simulator": simulator, "stratum": stratum, "seed": seed}
        if key != wanted:
            raise ValueError(f"{session}: this call was started with {key}; pass the same options (or a new --session)")
    else:
        said, key, recorded = [], {"scenario": pack.id, "simulator": simulator, "stratum": stratum, "seed": seed}, []
    persona = PersonaSampler(pack, seed).sample(1, stratum=stratum)[0]
    if not said and say is None:
        out.print(f"You are {pack.agent.role}. Goal: {pack.agent.goal}. You have {pack.turn_budget} turns.")
        out.print("Whom you are calling: " + "; ".join(persona.traits.values()))
        if privileged:
            _print_hidden(pack, persona)
        out.print("What you may truthfully claim:")
        for f in pack.facts:
            out.print(f"- {f.text}", markup=False)
        out.print(f"Say your first line with: --session {session} --say \"...\"")
        atomic_write_text(session, json.dumps({"key": key, "said": []}), "nothing was written")
        return
    sim = make_simulator(simulator, pack)
    state, rng = persona.initial_state, random.Random(f"chat:{seed}")
    history: tuple = ()
    turns = []
    for line in said + ([say.strip()] if say and say.strip() else []):
        if state.done:
            break
        reply = sim.step(persona, state, line, rng, history)
        history += (Message("agent", line), Message("user", reply.text))
        turns.append({"turn": reply.state.turn, "agent": line, **reply.to_dict()})
        state = reply.state
    changed = next((t["turn"] for t, was in zip(turns, recorded) if was is not None and t["user"] != was), None)
    if changed is not None:
        # The replay is the call: a simulator (or its model) changed since the call began says other things now,
        # and the file keeps the replay. Said once, so the transcript a person quotes is not silently rewritten.
        err.print(f"warning: {session}: the user's reply to turn {changed} differs from the one recorded (the "
                  "simulator changed since this call began); the call goes on from the replay and the file keeps it",
                  markup=False, soft_wrap=True)
    if say is not None and said and state.done and len(turns) == len(said):
        raise ValueError(f"{session}: this call has already ended ({state.decision.value}); start a new --session")
    if say and say.strip():
        said.append(say.strip())
    atomic_write_text(session, json.dumps({"key": key, "said": said, "turns": turns, "decision": state.decision.value}),
                      "the call's earlier turns are intact; say the line again")
    if turns:
        out.print(f"user: {turns[-1]['user']}", markup=False)
        if not blind:
            out.print(f"   [stance {state.stance:.2f} | trust {state.trust:.2f} | {', '.join(turns[-1]['acts']) or 'no act'}]", markup=False)
    if state.done:
        out.print(f"Call ended: {state.decision.value} after {state.turn} turns. The persona was: "
                  + "; ".join(f"{k}={v}" for k, v in persona.traits.items()) + " | hidden concerns: "
                  + ", ".join(c.id for c in persona.concerns), markup=False)
