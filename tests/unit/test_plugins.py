"""The one plug-in mechanism, the one format list, and the one percentile definition."""
import pytest

from common import plugins
from common.descriptors import FORMATS, RUNTIMES
from common.policies import REGISTRY as POLICIES, build_policy
from common.policies.base import PolicyError
from common.stats import percentile
from model_runners.runtimes import create_runtime
from model_runners.runtimes.base import ModelLoadError
from common.descriptor_input import DescriptorInput
from stack.cli import publish

pytestmark = pytest.mark.timeout(60)


def test_load_imports_the_named_class():
    assert plugins.load("collections:OrderedDict").__name__ == "OrderedDict"


@pytest.mark.parametrize("target", ["collections", "collections:", ":OrderedDict", ""])
def test_load_refuses_a_path_without_module_and_class(target):
    with pytest.raises(ValueError, match="module:Class"):
        plugins.load(target)


def test_an_unknown_name_lists_the_valid_ones():
    with pytest.raises(plugins.UnknownPlugin, match="unknown policy 'fastest'; valid policies: a, b"):
        plugins.lookup({"b": "x:Y", "a": "x:Z"}, "fastest", "policy", "policies")
    with pytest.raises(PolicyError, match="valid policies: consensus, deadline, first, quality"):
        build_policy("fastest", {})
    with pytest.raises(ModelLoadError, match="unsupported format 'sklearn'; supported: onnx, pmml, tensorflow"):
        create_runtime("sklearn")


@pytest.mark.parametrize("name", sorted(POLICIES))
def test_every_registered_policy_loads_and_names_itself(name):
    assert plugins.load(POLICIES[name]).name == name


@pytest.mark.parametrize("fmt", sorted(RUNTIMES))
def test_every_registered_runtime_has_the_runtime_contract(fmt):
    cls = plugins.load(RUNTIMES[fmt])  # the class only: nothing heavy is imported before load()
    assert all(callable(getattr(cls, m, None)) for m in ("load", "score_batch", "unload"))
    assert isinstance(cls.unpacks_archive, bool)


def test_the_format_lists_the_publishers_see_are_the_runtime_registry():
    assert FORMATS == tuple(RUNTIMES)
    assert tuple(f.value for f in publish.Format) == FORMATS  # rvs models publish --format offers exactly these
    for fmt in FORMATS:  # the admin API takes every registered format...
        assert DescriptorInput(name="m", version="1", data_type="iris", format=fmt).format == fmt
    with pytest.raises(ValueError, match="unsupported format"):  # ...and nothing else
        DescriptorInput(name="m", version="1", data_type="iris", format="sklearn")


def test_nearest_rank_percentile_on_known_data():
    values = list(range(1, 101))
    assert [percentile(values, q) for q in (0, 50, 90, 99, 99.9, 100)] == [1, 50, 90, 99, 100, 100]
    assert percentile(list(range(1, 1001)), 99.9) == 999  # not pushed up by float noise
    assert percentile([], 50) is None
    assert percentile([7.0], 99) == 7.0 and percentile([1, 2], 50) == 1 and percentile([1, 2], 51) == 2
    with pytest.raises(ValueError):
        percentile(values, 101)
