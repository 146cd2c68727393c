"""Hidden concerns enter a prompt only through the privileged view."""

import re

from protod.agent.views import Message, deployable_messages, observe, privileged_messages
from protod.persona import PersonaSampler


def _text(messages):
    return "\n".join(m["content"] for m in messages)


def test_deployable_prompt_never_leaks_hidden_concerns(pack):
    secrets = {}
    for c in pack.concerns:
        secrets[c.id] = [c.id, c.description] + [re.split(r"\{\w+\}", line)[0].strip() for line in c.reveal_lines + c.resolved_lines]
    for persona in PersonaSampler(pack, 0).sample(1000):
        obs = observe(pack, persona, (), privileged=True)  # even an observation that holds the concerns
        prompt = _text(deployable_messages(obs)).lower()
        for c in persona.concerns:
            for secret in secrets[c.id]:
                if len(secret) > 8:
                    assert secret.lower() not in prompt, (persona.id, secret)
        assert re.search(r"\bconcern", prompt) is None or "hidden" not in prompt


def test_privileged_prompt_adds_exactly_the_concern_block(pack):
    persona = PersonaSampler(pack, 0).sample(3)[2]
    history = (Message("agent", "Hello."), Message("user", "Who is this?"))
    obs = observe(pack, persona, history, privileged=True)
    dep, priv = deployable_messages(obs), privileged_messages(obs)
    assert dep[1:] == priv[1:]  # same conversation, same agent turns: teacher log-probs align with the student's
    assert priv[0]["content"].startswith(dep[0]["content"])
    for c in persona.concerns:
        assert pack.concern_by_id[c.id].description in priv[0]["content"]
    assert [m["role"] for m in dep] == ["system", "user", "assistant", "user"]
    none_shown = privileged_messages(obs, concerns=())
    assert none_shown == dep


def test_deployable_observation_has_no_concerns(pack):
    persona = PersonaSampler(pack, 0).sample(1)[0]
    obs = observe(pack, persona, (), privileged=False)
    assert obs.concerns is None and not obs.privileged
    assert dict(obs.traits) == persona.traits
