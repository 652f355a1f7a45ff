"""The README's settings table names every setting the code reads."""
from pathlib import Path

import pytest

from common.settings import InfraSettings
from gateway.settings import GatewaySettings
from model_runners.artifacts import ArtifactSettings
from registry.settings import RegistrySettings
from rendezvous.settings import RendezvousSettings

pytestmark = pytest.mark.timeout(10)
README = (Path(__file__).resolve().parents[2] / "README.md").read_text()


@pytest.mark.parametrize("cls, prefix", [(InfraSettings, ""), (GatewaySettings, "GATEWAY_"),
                                         (RendezvousSettings, "RENDEZVOUS_"), (RegistrySettings, "REGISTRY_"),
                                         (ArtifactSettings, "")])
def test_every_setting_is_documented(cls, prefix):
    for name in cls.model_fields:
        env = "ADMIN_TOKEN" if name == "admin_token" else f"{prefix}{name.upper()}"
        assert f"`{env}`" in README, f"{env} is missing from the README's settings table"
