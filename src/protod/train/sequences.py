"""Trajectories -> training sequences: token ids, which positions predict agent tokens, and per-turn signals.

A dialogue is rendered twice from the same messages: in the deployable view (the student) and in the privileged
view (AOPD's teacher). Only the system prompt differs, and agent turns are spliced in as the exact ids the policy
sampled, so the k-th agent token of one rendering is the k-th agent token of the other: teacher log-probs are read
at exactly the student's token positions (the prefix lengths differ; the agent tokens do not).
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

import torch
from torch import Tensor

from protod.agent.views import Message, deployable_messages, observe, privileged_messages
from protod.backends.chat_tokens import ChatRenderer
from protod.user.persona import prior_concerns
from protod.run.rollout import Trajectory
from protod.world import Scenario


@dataclass
class TrainSequence:
    ids: Tensor  # [T] the deployable rendering
    pred_pos: Tensor  # [N] positions whose logits predict the agent tokens (token position - 1)
    tokens: Tensor  # [N] the agent tokens
    turn: Tensor  # [N] agent-turn index (0-based) of each token
    teacher_ids: Tensor | None = None  # [T'] the privileged rendering
    teacher_pred_pos: Tensor | None = None  # [N] same tokens, teacher positions
    sample_logp: Tensor | None = None  # [N] log-probs the rollout recorded for the tokens (the behaviour policy)


def _messages(pack: Scenario, traj: Trajectory, privileged: bool, concerns: tuple[str, ...] | None) -> list[dict[str, Any]]:
    history: list[Message] = []
    for t in traj.turns:
        ids = t.get("agent_tokens", {}).get("ids")
        history.append(Message("agent", t["agent"], tuple(ids) if ids is not None else None))
        history.append(Message("user", t["user"]))
    obs = observe(pack, traj.persona, tuple(history), privileged=privileged)
    if not privileged:
        return deployable_messages(obs)
    return privileged_messages(obs, concerns=concerns)


def _positions(rendered_spans: list[tuple[int, int]]) -> tuple[list[int], list[int]]:
    pred, turn = [], []
    for k, (start, end) in enumerate(rendered_spans):
        pred += list(range(start - 1, end - 1))
        turn += [k] * (end - start)
    return pred, turn


def teacher_concerns_for(pack: Scenario, traj: Trajectory, mode: bool | str, rng: random.Random) -> tuple[str, ...]:
    """Concern ids shown to the teacher, always as many as the user holds (so only the information differs):
    - True: the user's own;
    - prior: the concerns the pack's trait->concern correlations rank highest for the user's *visible* traits
      (what an outside observer could guess; may overlap the user's own), the external-only teacher;
    - random: drawn from the concerns the user does NOT hold (a teacher that knows nothing true about this user;
      fewer only if the pack has too few);
    - none: no concerns. The teacher's prompt is then byte-identical to the student's, so AOPD only pulls the policy
      towards the teacher's weights (frozen: the starting policy; current: a zero loss), a no-op distillation."""
    own = tuple(c.id for c in traj.persona.concerns)
    if mode is True or mode == "true":
        return own
    if mode == "prior":
        return prior_concerns(pack, dict(traj.persona.traits), len(own))
    if mode == "none" or mode is False:
        return ()
    if mode == "random":
        others = [c.id for c in pack.concerns if c.id not in own]
        return tuple(rng.sample(others, k=min(len(own), len(others))))
    raise ValueError(f"teacher_concerns must be true, prior, random or none; got {mode!r}")


def build_sequence(
    pack: Scenario, renderer: ChatRenderer, traj: Trajectory, teacher_concerns: tuple[str, ...] | None = None,
    view: str = "deployable",
) -> TrainSequence:
    """Render one dialogue for training. `teacher_concerns` (if given) also renders the privileged view."""
    student = renderer.render(_messages(pack, traj, view == "privileged", tuple(c.id for c in traj.persona.concerns)), add_generation_prompt=False)
    pred, turn = _positions(student.agent_spans)
    tokens = [student.ids[p + 1] for p in pred]
    recorded = [t.get("agent_tokens", {}).get("logprobs") for t in traj.turns]
    sample_logp = None
    if all(r is not None for r in recorded):
        flat = [x for r in recorded for x in r]
        if len(flat) == len(tokens):
            sample_logp = torch.tensor(flat, dtype=torch.float32)
    seq = TrainSequence(
        ids=torch.tensor(student.ids), pred_pos=torch.tensor(pred, dtype=torch.long),
        tokens=torch.tensor(tokens, dtype=torch.long), turn=torch.tensor(turn, dtype=torch.long), sample_logp=sample_logp,
    )
    if teacher_concerns is not None:
        teacher = renderer.render(_messages(pack, traj, True, teacher_concerns), add_generation_prompt=False)
        t_pred, _ = _positions(teacher.agent_spans)
        if [teacher.ids[p + 1] for p in t_pred] != tokens:  # the alignment AOPD relies on
            raise AssertionError(f"{traj.episode_id}: agent tokens differ between the two views")
        seq.teacher_ids = torch.tensor(teacher.ids)
        seq.teacher_pred_pos = torch.tensor(t_pred, dtype=torch.long)
    return seq


def state_deltas(traj: Trajectory, signal: str = "stance") -> list[float]:
    """Per agent turn, the change of the STPR credit signal: the stance (default), or stance + trust + patience /
    initial patience ("stance_trust_patience": trust in [0, 1], patience scaled to [0, 1] by its starting value)."""
    start = traj.persona.initial_state
    scale = max(int(start.patience), 1)

    def value(stance: float, trust: float, patience: float) -> float:
        if signal == "stance":
            return stance
        if signal == "stance_trust_patience":
            return stance + trust + patience / scale
        raise ValueError(f"stpr_signal must be stance or stance_trust_patience; got {signal!r}")

    before = value(start.stance, start.trust, start.patience)
    out = []
    for t in traj.turns:
        st = t["state"]
        after = value(st["stance"], st.get("trust", start.trust), st.get("patience", start.patience))
        out.append(after - before)
        before = after
    return out
