import pytest

from protod.scenario import builtin_scenarios, load_scenario

PACKS = builtin_scenarios()


@pytest.fixture(params=PACKS)
def pack(request):
    return load_scenario(request.param)
