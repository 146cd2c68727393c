"""Loading packs, and rejecting bad ones with errors a pack author can act on."""

from pathlib import Path

import pytest
import yaml

from protod.world import ScenarioError, builtin_scenarios, load_scenario, parse_scenario

MERCHANT = Path(__file__).parents[1] / "src/protod/scenarios/merchant_recruitment.yaml"


def test_builtins_are_listed_and_load_by_id_and_path():
    assert {"merchant_recruitment", "courier_recruitment"} <= set(builtin_scenarios())
    by_id = load_scenario("merchant_recruitment")
    by_path = load_scenario(str(MERCHANT))
    assert by_id.model_dump() == by_path.model_dump()


def _broken(mutate) -> str:
    data = yaml.safe_load(MERCHANT.read_text())
    mutate(data)
    return yaml.safe_dump(data, sort_keys=False)


@pytest.mark.parametrize(
    ("mutate", "field", "words"),
    [
        (lambda d: d.pop("facts"), "facts", "required field is missing"),
        (lambda d: d.__setitem__("turn_budget", "twelve"), "turn_budget", "integer"),
        (lambda d: d["concerns"][2]["resolution_facts"].append("free_lunch"), "concerns.2.resolution_facts.1", "unknown fact 'free_lunch'"),
        (lambda d: d["correlations"][0].__setitem__("trait", "shoe_size"), "correlations.0.trait", "unknown trait 'shoe_size'"),
        (lambda d: d["concerns"][0].__setitem__("severety", 0.3), "concerns.0.severety", "unknown field"),
        (lambda d: d["concerns"][0]["reveal_lines"].append("My {favourite_colour} is red."), "concerns.0.reveal_lines.3", "not a trait field"),
        (lambda d: d.__setitem__("incompatible", [{"store_count": "a single location", "shoe_size": "42"}]), "incompatible.0.shoe_size", "unknown trait 'shoe_size'"),
        (lambda d: d.__setitem__("incompatible", [{"store_count": "a single location", "location": "on the moon"}]), "incompatible.0.location", "not a value of trait 'location'"),
        (lambda d: d.__setitem__("incompatible", [{"location": "downtown"}]), "incompatible.0", "expected two trait: value pairs"),
        # a single location rules out every location: such a user could not be drawn
        (lambda d: d.__setitem__("incompatible", [{"store_count": "a single location", "location": v} for v in d["traits"][2]["values"]]),
         "incompatible", "could have no value of trait 'location'"),
    ],
)
def test_bad_pack_is_rejected_naming_file_line_and_field(mutate, field, words):
    with pytest.raises(ScenarioError) as info:
        parse_scenario(_broken(mutate), source="my_pack.yaml")
    message = str(info.value)
    assert message.startswith("my_pack.yaml:")
    assert f": {field}: " in message
    assert words in message
    assert "\n" not in message


def test_line_numbers_point_at_the_offending_field():
    text = _broken(lambda d: d["correlations"][0].__setitem__("trait", "shoe_size"))
    with pytest.raises(ScenarioError) as info:
        parse_scenario(text, source="p.yaml")
    line = info.value.problems[0].line
    assert "shoe_size" in text.splitlines()[line - 1]


def test_every_problem_is_reported_not_just_the_first():
    def many(d):
        d["correlations"][0]["trait"] = "shoe_size"
        d["concerns"][1]["resolution_facts"] = ["nope"]
        d["false_claims"][0]["contradicts"] = "nothing"
    with pytest.raises(ScenarioError) as info:
        parse_scenario(_broken(many), source="p.yaml")
    paths = {p.path for p in info.value.problems}
    assert {"correlations.0.trait", "concerns.1.resolution_facts.0", "false_claims.0.contradicts"} <= paths


def test_not_yaml_and_not_a_mapping():
    with pytest.raises(ScenarioError, match="not valid YAML"):
        parse_scenario("id: [unclosed", source="x.yaml")
    with pytest.raises(ScenarioError, match="expected a mapping"):
        parse_scenario("- a\n- b\n", source="x.yaml")


def test_unknown_scenario_names_the_builtins():
    with pytest.raises(ScenarioError, match="merchant_recruitment"):
        load_scenario("no_such_pack")
