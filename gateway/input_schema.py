"""A record's features checked against its data type's input schema before anything
is produced. A record that no model can score gets an immediate 422 that lists the
expected features, instead of a trip through every model and a 504 at the deadline,
which a caller can't tell from a slow platform."""
from __future__ import annotations

from common.domain import Role
from common.errors import PlatformError

MAX_NAMES_SHOWN = 64  # a schema may have thousands of features: the error stays short
MAX_NAMES_IN_A_PROBLEM = 8  # /ready lists a problem per line: enough names to tell the schemas apart


class FeaturesMismatch(PlatformError):
    """Features that don't fit the data type's input schema. `detail` has the shape of
    the gateway's other 422s: one {loc, msg} per problem."""

    status_code = 422

    def __init__(self, message: str, detail: list[dict]):
        super().__init__(message)
        self.detail = detail


def input_schemas(models: list[dict]) -> dict[str, tuple[str, ...]]:
    """Each data type's feature names in order, from its live (not retired) models, as
    the registry summarizes them. () when none of them publishes a schema.

    A model without a schema is left out: it can't contradict names, and its width is
    unknown here. A data type whose models publish different schemas is left out too, so
    nothing is rejected that one of them could score: `schema_disagreements` says so on
    /ready instead."""
    return {data_type: next(iter(schemas), ()) for data_type, schemas in _live_schemas(models).items()
            if len(schemas) <= 1}


def schema_disagreements(models: list[dict]) -> list[str]:
    """One warning for /ready per data type whose live models publish different input
    schemas, naming each schema's versions. Records of such a data type are not checked,
    and some of its models will fail the records that fit the others."""
    problems = []
    for data_type, schemas in sorted(_live_schemas(models).items()):
        if len(schemas) > 1:
            each = "; ".join(f"{', '.join(versions)} expect{'s' if len(versions) == 1 else ''} {_brief(schema)}"
                             for schema, versions in sorted(schemas.items(), key=lambda item: item[1]))
            problems.append(f"data type {data_type}: its live models disagree on the input schema: {each}")
    return problems


def _live_schemas(models: list[dict]) -> dict[str, dict[tuple[str, ...], list[str]]]:
    """{data type: {feature names: the "name:version"s that publish them}}, from the live
    models that publish a schema; a data type whose models publish none maps to {}."""
    found: dict[str, dict[tuple[str, ...], list[str]]] = {}
    for m in models:
        if m.get("role") == Role.RETIRED.value or "data_type" not in m:
            continue
        names = tuple(f["name"] for f in m.get("input_schema") or ())
        schemas = found.setdefault(m["data_type"], {})
        if names:
            schemas.setdefault(names, []).append(f"{m['name']}:{m['version']}")
    return found


def _brief(schema: tuple[str, ...]) -> str:
    shown = ", ".join(schema[:MAX_NAMES_IN_A_PROBLEM])
    more = f", … ({len(schema) - MAX_NAMES_IN_A_PROBLEM} more)" if len(schema) > MAX_NAMES_IN_A_PROBLEM else ""
    return f"{len(schema)} feature{'' if len(schema) == 1 else 's'} ({shown}{more})"


def check_features(data_type: str, schema: tuple[str, ...] | None, features: list[float] | dict[str, float]) -> None:
    """Raises FeaturesMismatch when no model of `data_type` could score `features`.
    `schema` None (unknown, or the models disagree) checks nothing."""
    if schema is None:
        return
    if isinstance(features, dict):
        _check_named(data_type, schema, features)
    else:
        _check_count(data_type, schema, features)


def _check_count(data_type: str, schema: tuple[str, ...], values: list[float]) -> None:
    if not schema or len(values) == len(schema):  # without a schema the runtime checks the width
        return
    problem = f"expected {len(schema)} values, got {len(values)}"
    raise FeaturesMismatch(f"{_expects(data_type, schema)}; got {len(values)}",
                           [{"loc": ["body", "features"], "msg": problem}])


def _check_named(data_type: str, schema: tuple[str, ...], named: dict[str, float]) -> None:
    if not schema:  # the runners map names through the schema, so none of them could score this
        raise FeaturesMismatch(f"{data_type}'s models publish no input schema, so its features can't be named: "
                               f"send them as a list, in the models' input order",
                               [{"loc": ["body", "features"], "msg": "named features need an input schema"}])
    missing = [name for name in schema if name not in named]
    if not missing and len(named) == len(schema):  # every name present and none more: nothing unknown
        return
    expected = set(schema)  # built only on the way to a 422
    unknown = [name for name in named if name not in expected]
    if not unknown and not missing:  # a schema that repeats a name: the runners take it as is
        return
    parts = [_expects(data_type, schema)]
    if unknown:
        parts.append(f"unknown: {_listing(unknown)}")
    if missing:
        parts.append(f"missing: {_listing(missing)}")
    raise FeaturesMismatch("; ".join(parts),
                           [{"loc": ["body", "features", n], "msg": "unknown feature"} for n in unknown]
                           + [{"loc": ["body", "features", n], "msg": "missing feature"} for n in missing])


def _expects(data_type: str, schema: tuple[str, ...]) -> str:
    return f"{data_type} expects {len(schema)} features, in this order: {_listing(schema)}"


def _listing(names) -> str:
    shown = ", ".join(names[:MAX_NAMES_SHOWN])
    return shown if len(names) <= MAX_NAMES_SHOWN else f"{shown}, … ({len(names) - MAX_NAMES_SHOWN} more)"
