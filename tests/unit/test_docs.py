"""The README's settings table names every setting the code reads."""
from pathlib import Path

import pytest
from pydantic import AliasChoices

from common.settings import InfraSettings
from gateway.settings import GatewaySettings
from model_runners.artifacts import ArtifactSettings
from model_runners.settings import RunnerSettings
from registry.settings import RegistrySettings
from rendezvous.settings import RendezvousSettings
from stats.settings import StatsSettings

pytestmark = pytest.mark.timeout(10)
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("cls, prefix", [(InfraSettings, ""), (GatewaySettings, "GATEWAY_"),
                                         (RendezvousSettings, "RENDEZVOUS_"), (RegistrySettings, "REGISTRY_"),
                                         (ArtifactSettings, ""), (RunnerSettings, "RUNNER_"),
                                         (StatsSettings, "STATS_")])
def test_every_setting_is_documented(cls, prefix):
    for name, field in cls.model_fields.items():
        env = env_name(name, field, prefix)
        assert f"`{env}`" in README, f"{env} is missing from the README's settings table"


def env_name(name: str, field, prefix: str) -> str:
    """The name an operator sets: a field's first alias (ADMIN_TOKEN, AUDIT_TOKEN), else prefix + NAME."""
    if isinstance(field.validation_alias, AliasChoices):
        return str(field.validation_alias.choices[0])
    return f"{prefix}{name.upper()}"
