"""protod: simulate, train and evaluate proactive task-oriented dialogue agents.

    >>> import protod
    >>> pack = protod.load_scenario("merchant_recruitment")
    >>> personas = protod.PersonaSampler(pack, seed=0).sample(24)
    >>> trajectories = protod.run_episodes(pack, protod.make_scripted_agent("oracle"), personas, seed=0)
"""

from protod.agent.registry import SCRIPTED_AGENTS, make_scripted_agent
from protod.agent.views import Message, Observation, deployable_messages, observe, privileged_messages
from protod.run.metrics import summarize
from protod.user.persona import Persona, PersonaSampler
from protod.run.rollout import Episode, Trajectory, make_episodes, run_episodes
from protod.run.trajectories import simulate_to_dir
from protod.world import Scenario, ScenarioError, builtin_scenarios, load_scenario
from protod.user.simulator import CognitiveUserSimulator
from protod.user.state import ConcernStatus, Decision, UserState

__version__ = "0.1.0"

__all__ = [
    "SCRIPTED_AGENTS", "CognitiveUserSimulator", "ConcernStatus", "Decision", "Episode", "Message", "Observation",
    "Persona", "PersonaSampler", "Scenario", "ScenarioError", "Trajectory", "UserState", "builtin_scenarios",
    "deployable_messages", "load_scenario", "make_episodes", "make_scripted_agent", "observe", "privileged_messages",
    "run_episodes", "simulate_to_dir", "summarize",
]
