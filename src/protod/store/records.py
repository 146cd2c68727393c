"""The shapes of the run files protod writes and reads back (pydantic models): read through
protod.store.files.read_model, a damaged or foreign file is refused with the file, the field and what to do.

Models check what the readers use and allow extra keys (a newer protod may add some). Numbers are finite where a
reader formats or compares them; NaN is allowed only where the writer records "nothing to average".
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import (
    BaseModel, ConfigDict, Field, StrictBool, StrictInt, ValidationError, field_validator, model_validator,
)

Finite = Annotated[float, Field(allow_inf_nan=False)]
Rate = Annotated[float, Field(ge=0.0, le=1.0, allow_inf_nan=False)]
Count = Annotated[StrictInt, Field(ge=0, le=10**12)]
KeyedRates = Annotated[dict[str, Rate], Field(min_length=1)]


class _Record(BaseModel):
    model_config = ConfigDict(extra="allow")


def _int_keys(value: dict[str, Any]) -> dict[str, Any]:
    for key in value:
        if not key.isdigit() or not 0 < int(key) <= 10**6:
            raise ValueError(f"key {key[:20]!r}: expected a positive integer k")
    return value


# -- demo ------------------------------------------------------------------------------------------------------------
class DemoSeconds(_Record):
    """train/<run>/demo_seconds.json: the training time of a finished demo run."""

    seconds: Annotated[float, Field(ge=0.0, allow_inf_nan=False)]


class GapCurve(_Record):
    """What `protod report` plots of a gap.json."""

    deployable_pass_at_k: KeyedRates
    privileged_pass_at_k: KeyedRates
    privileged_pass_at_1: Rate

    _keys = field_validator("deployable_pass_at_k", "privileged_pass_at_k")(_int_keys)

    @model_validator(mode="after")
    def _same_ks(self) -> GapCurve:
        if set(self.deployable_pass_at_k) != set(self.privileged_pass_at_k):
            raise ValueError("deployable_pass_at_k and privileged_pass_at_k: expected the same k values")
        return self


class GapRecord(GapCurve):
    """gap.json (`protod gap`, the demo's stage 2)."""

    gap_closed_by_sampling: StrictBool
    n: Annotated[StrictInt, Field(ge=1, le=10**9)]
    acceptance_ci_method: str | None = None  # absent: written before intervals were clustered by user


class EvalCell(_Record):
    agent: str
    simulator: str
    run_dir: str
    acceptance: Rate
    ci_low: Rate
    ci_high: Rate
    ci_method: str | None = None  # absent: written before intervals were clustered by user (dialogues as independent)
    pass_at_k: dict[str, Rate]  # empty when every dialogue of the cell ended in an error
    concern_discovery_rate: Rate | None
    probing_rate: Rate | None
    unsupported_claim_rate: Rate | None
    mean_turns_to_accept: Annotated[float, Field(ge=0.0)] | None  # None: no dialogue accepted
    error_count: Count = 0

    _keys = field_validator("pass_at_k")(_int_keys)


class EvalRecord(_Record):
    """eval.json (`protod eval`, the demo's stage 4)."""

    results: Annotated[list[EvalCell], Field(min_length=1)]


class StratumCell(_Record):
    n: Count
    acceptance: Rate
    ci_low: Rate
    ci_high: Rate


class ReportedEvalCell(EvalCell):
    """What `protod report` shows of one eval cell, on top of what the demo reads."""

    n_dialogues: Count
    concern_resolution_rate: Rate | None
    by_stratum: dict[str, StratumCell] = {}


class ReportedEval(_Record):
    results: Annotated[list[ReportedEvalCell], Field(min_length=1)]


class DifficultyCell(_Record):
    acceptance_rate: Rate


class Metrics(_Record):
    """metrics.json (`protod simulate`); one without `n` is not a run's (e.g. a summary) and is skipped."""

    n: Count | None = None
    acceptance_rate: Rate = 0.0
    concern_discovery_rate: Rate | None = None
    concern_resolution_rate: Rate | None = None
    error_count: Count = 0
    by_difficulty: dict[str, DifficultyCell] = {}

    @model_validator(mode="after")
    def _rates_of_a_run(self) -> Metrics:
        if self.n is not None and (self.concern_discovery_rate is None or self.concern_resolution_rate is None):
            raise ValueError("concern_discovery_rate and concern_resolution_rate: expected numbers in a run's metrics")
        return self


# -- summary.json ----------------------------------------------------------------------------------------------------
class Spread(_Record):
    mean: float  # NaN: nothing to average (e.g. no acceptance, so no turns to accept)
    std: float


Pair = Annotated[list[Finite], Field(min_length=2, max_length=2)]


class ArmOnSimulator(_Record):
    acceptance: Rate
    ci_low: Rate
    ci_high: Rate
    users_ci: Pair | None = None  # the interval with the trained policies held fixed (older summaries lack it)
    seed_flips: Rate | None = None
    per_seed: Annotated[list[Rate], Field(min_length=1)]
    pass_at_k: KeyedRates
    concern_discovery_rate: Spread
    probing_rate: Spread
    unsupported_claim_rate: Spread

    _keys = field_validator("pass_at_k")(_int_keys)


class FirstProbe(_Record):
    probed: Rate | None = None
    first_hits_primary: Rate | None = None
    first_hits_prior: Rate | None = None
    prior_hits_primary: Rate | None = None


class SummaryArm(_Record):
    label: str
    why: str
    rule: ArmOnSimulator
    first_probe: FirstProbe | None = None


class Paired(_Record):
    difference: Finite
    ci_low: Finite
    ci_high: Finite
    users_ci: Pair | None = None
    min_detectable_difference: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] | None = None


class Headline(_Record):
    intervals_separate: StrictBool
    paired: Paired


class SummaryGap(_Record):
    deployable_pass_at_k: KeyedRates
    privileged_pass_at_1: Rate
    closed_by_sampling: StrictBool
    users: Annotated[StrictInt, Field(ge=1, le=10**9)]

    _keys = field_validator("deployable_pass_at_k")(_int_keys)


class Budget(_Record):
    steps: Count
    dialogues_per_step: Count
    training_dialogues_per_run: Count
    eval_users: Count
    eval_rollouts_per_user: Annotated[dict[str, Count], Field(min_length=1)]

    @field_validator("eval_rollouts_per_user")
    @classmethod
    def _has_rule(cls, value: dict[str, int]) -> dict[str, int]:
        if "rule" not in value:
            raise ValueError("expected the rule simulator among them")
        return value


class Summary(_Record):
    """summary.json (`protod demo`), which `protod results` renders into README."""

    model: str
    gap: SummaryGap
    budget: Budget
    seeds: Annotated[list[Annotated[StrictInt, Field(ge=0, le=2**63)]], Field(min_length=1)]
    arms: Annotated[dict[str, SummaryArm], Field(min_length=1)]
    comparisons: dict[str, Paired]
    headline: Headline | None = None
    matrix: dict[str, dict[str, Rate]]
    kendall_tau: dict[str, Finite]
    distinct_policies: list[str] | None = None
    seconds: dict[str, Annotated[float, Field(ge=0.0, allow_inf_nan=False)]]

    @model_validator(mode="after")
    def _consistent(self) -> Summary:
        if "total" not in self.seconds:
            raise ValueError("seconds: expected a total")
        for name, arm in self.arms.items():
            for sim in self.budget.eval_rollouts_per_user:
                if sim == "rule":
                    continue
                try:
                    ArmOnSimulator.model_validate((arm.model_extra or {}).get(sim))
                except ValidationError as e:
                    first = e.errors()[0]
                    where = ".".join(str(x) for x in first["loc"])
                    raise ValueError(f"arms.{name}.{sim}{'.' + where if where else ''}: {first['msg']}") from None
        for key in self.comparisons:
            sim, _, pair = key.partition(":")
            a, _, b = pair.partition("-vs-")
            if a not in self.arms or b not in self.arms:
                raise ValueError(f"comparisons: key {key[:40]!r}: expected <simulator>:<arm>-vs-<arm> of arms it lists")
        return self


# -- training --------------------------------------------------------------------------------------------------------
class BaseSpec(_Record):
    kind: str
    path: str | None = None

    @model_validator(mode="after")
    def _path_for_hf(self) -> BaseSpec:
        if self.kind not in ("hf", "smollm2"):
            raise ValueError(f"kind: expected hf or smollm2, got {self.kind[:40]!r}")
        if self.kind == "hf" and not self.path:
            raise ValueError("path: a base model of kind hf needs its directory")
        return self


class TrainLogLine(_Record):
    """One line of train_log.jsonl (one optimizer step)."""

    step: Annotated[StrictInt, Field(ge=1, le=10**9)]
    step_s: Annotated[float, Field(ge=0.0, allow_inf_nan=False)] = 0.0


CHECKPOINT_META = "protod_checkpoint.json"  # a checkpoint directory's own record (CheckpointMeta)


class CheckpointMeta(_Record):
    """checkpoint-N/protod_checkpoint.json: which base model the weights or adapter go on, and the step."""

    base: BaseSpec
    step: Annotated[StrictInt, Field(ge=0, le=10**9)]
    lora: StrictBool
    algo: str
