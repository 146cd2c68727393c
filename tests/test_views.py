"""Hidden concerns enter a prompt only through the privileged view."""

import dataclasses
import random
import re

from protod.agent.views import Message, deployable_messages, observe, privileged_messages
from protod.user.persona import HiddenConcern, PersonaSampler


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


# -- the external-only teacher (teacher_concerns: prior) ------------------------------------------------------------
def _teacher(pack, persona, mode, seed=0):
    from types import SimpleNamespace

    from protod.train.sequences import teacher_concerns_for

    return teacher_concerns_for(pack, SimpleNamespace(persona=persona), mode, random.Random(seed))


def test_prior_teacher_shows_what_the_visible_traits_predict_known_answer():
    from protod.world import load_scenario

    pack = load_scenario("merchant_recruitment")
    base = PersonaSampler(pack, 0).sample(1)[0]
    quiet = {"business_type": "a pizzeria", "store_count": "two or three locations", "location": "downtown",
             "price_level": "mid-range prices", "current_channel": "direct orders through a website", "years_open": "about five years old",
             "staff_size": "a team of about ten", "communication_style": "brisk and busy"}
    # a single budget place, new, in the suburbs, walk-ins only: commission 1.5 x 2.5 x 2.0 = 7.5, order volume
    # 1.2 x 3 x 1.5 = 5.4, slow payouts 3 x 1.5 = 4.5, tech hassle 1.5, every other concern 1
    telling = {**quiet, "store_count": "a single location", "price_level": "budget-friendly prices",
               "years_open": "new this year", "location": "out in the suburbs",
               "current_channel": "walk-ins and phone orders only"}
    for traits, held, expected in (
        (telling, ("food_quality", "lock_in", "hidden_fees"), ("commission_too_high", "low_order_volume", "slow_payouts")),
        (telling, ("lock_in",), ("commission_too_high",)),
        # no trait says anything: base weights (1.5, 1.2), then the pack's order breaks the ties
        (quiet, ("food_quality", "lock_in", "price_control"), ("commission_too_high", "low_order_volume", "hidden_fees")),
    ):
        persona = dataclasses.replace(base, traits=traits, concerns=tuple(HiddenConcern(c, 0.5) for c in held))
        assert _teacher(pack, persona, "prior") == expected  # k = the number the user holds


def test_prior_teacher_prompt_differs_from_the_students_and_depends_on_visible_traits_only(pack):
    from protod.user.persona import concern_weights

    for persona in PersonaSampler(pack, 7).sample(120):
        own = tuple(c.id for c in persona.concerns)
        shown = _teacher(pack, persona, "prior")
        assert len(shown) == len(own) == len(set(shown))
        # deterministic per persona, whatever the rng; and blind to the hidden concerns: another user with the
        # same traits but other concerns (as many) gets the same teacher
        assert _teacher(pack, persona, "prior", seed=99) == shown
        others = tuple(c for c in pack.concerns if c.id not in own)[: len(own)]
        twin = dataclasses.replace(persona, concerns=tuple(HiddenConcern(c.id, c.severity) for c in others))
        assert _teacher(pack, twin, "prior") == shown
        # nothing the prior does not rank: every concern shown weighs at least as much as any left out
        weights = concern_weights(pack, persona.traits)
        assert min(weights[c] for c in shown) >= max((w for c, w in weights.items() if c not in shown), default=0.0)
        obs = observe(pack, persona, (Message("agent", "Hello."), Message("user", "Who is this?")), privileged=True)
        dep, teacher = deployable_messages(obs), privileged_messages(obs, concerns=shown)
        assert teacher != dep and teacher[1:] == dep[1:] and teacher[0]["content"].startswith(dep[0]["content"])
        block = teacher[0]["content"][len(dep[0]["content"]):]
        for c in pack.concerns:
            assert (c.description in block) == (c.id in shown), (persona.id, c.id)
    # `none` is the no-op: the teacher's prompt is byte-identical to the student's
    assert privileged_messages(obs, concerns=_teacher(pack, persona, "none")) == dep
