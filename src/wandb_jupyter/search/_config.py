"""W&B's sweep configuration, checked once: every mistake is one error naming the field and what it accepts.

The format is W&B's (``method``, ``metric{name, goal, target}``, ``parameters`` with ``value``,
``values`` (+ ``probabilities``), ``distribution`` with its bounds, nested ``parameters``,
``early_terminate``, ``run_cap``, ``program``, ``command``); both the server and the offline
controller read sweeps through :func:`parse_sweep_config`, so they accept exactly the same ones.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..common._errors import UsageError

__all__ = [
    "SweepConfigError",
    "Parameter",
    "Metric",
    "Hyperband",
    "SweepSpec",
    "parse_sweep_config",
    "METHODS",
    "DISTRIBUTIONS",
]

METHODS = ("grid", "random", "bayes")
GOALS = ("minimize", "maximize")

#: distribution -> (required keys, optional keys with their defaults), as W&B's sweep schema defines them.
DISTRIBUTIONS: dict[str, tuple[tuple[str, ...], dict[str, float]]] = {
    "constant": (("value",), {}),
    "categorical": (("values",), {}),
    "int_uniform": (("min", "max"), {}),
    "uniform": (("min", "max"), {}),
    "q_uniform": (("min", "max"), {"q": 1.0}),
    "log_uniform": (("min", "max"), {}),
    "q_log_uniform": (("min", "max"), {"q": 1.0}),
    "log_uniform_values": (("min", "max"), {}),
    "q_log_uniform_values": (("min", "max"), {"q": 1.0}),
    "inv_log_uniform": (("min", "max"), {}),
    "inv_log_uniform_values": (("min", "max"), {}),
    "normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "log_normal": ((), {"mu": 0.0, "sigma": 1.0}),
    "q_log_normal": ((), {"mu": 0.0, "sigma": 1.0, "q": 1.0}),
    "beta": ((), {"a": 1.0, "b": 1.0}),
    "q_beta": ((), {"a": 1.0, "b": 1.0, "q": 1.0}),
}
_POSITIVE_BOUNDS = ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values")
_TOP_KEYS = (
    "method",
    "metric",
    "parameters",
    "early_terminate",
    "run_cap",
    "name",
    "description",
    "program",
    "command",
    "project",
    "entity",
)
_PARAMETER_KEYS = (
    "value",
    "values",
    "probabilities",
    "distribution",
    "parameters",
    "min",
    "max",
    "q",
    "mu",
    "sigma",
    "a",
    "b",
    "desc",
    "description",
)


class SweepConfigError(UsageError, ValueError):
    """An invalid sweep configuration: ``field`` is its path (``parameters.lr.distribution``)."""

    def __init__(self, field: str, problem: str) -> None:
        self.field = field
        super().__init__(f"invalid sweep configuration: {field}: {problem}")


@dataclass(frozen=True)
class Parameter:
    """One searched (or fixed) value; ``path`` is where it goes in the run's config (nested parameters)."""

    path: tuple[str, ...]
    distribution: str
    values: tuple[Any, ...] = ()
    probabilities: tuple[float, ...] | None = None
    bounds: dict[str, float] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return ".".join(self.path)


@dataclass(frozen=True)
class Metric:
    name: str
    goal: str = "minimize"
    target: float | None = None

    def better(self, a: float, b: float) -> bool:
        return a < b if self.goal == "minimize" else a > b

    def reached(self, value: float) -> bool:
        return self.target is not None and not self.better(self.target, value)


@dataclass(frozen=True)
class Hyperband:
    """W&B's hyperband early termination: brackets at ``min_iter * eta**k`` (or ``max_iter / eta**k``)."""

    bands: tuple[int, ...]
    eta: float
    strict: bool = False


@dataclass(frozen=True)
class SweepSpec:
    method: str
    parameters: tuple[Parameter, ...]
    metric: Metric | None
    early_terminate: Hyperband | None
    run_cap: int | None
    raw: dict[str, Any]


def _accepted(choices: Any) -> str:
    return "one of " + ", ".join(str(c) for c in choices)


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise SweepConfigError(where, f"{value!r} is not a finite number")
    return value


def _positive_int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise SweepConfigError(where, f"{value!r} is not accepted: a whole number >= 1")
    return value


def _metric(raw: Any, method: str) -> Metric | None:
    if raw is None:
        if method == "bayes":
            raise SweepConfigError("metric", "the bayes method needs a metric: {name: ..., goal: minimize|maximize}")
        return None
    if not isinstance(raw, dict):
        raise SweepConfigError("metric", f"{raw!r} is not accepted: a mapping {{name, goal, target}}")
    unknown = set(raw) - {"name", "goal", "target", "impute", "impute_while_running"}
    if unknown:
        raise SweepConfigError(f"metric.{sorted(unknown)[0]}", "unknown key; accepted keys: name, goal, target")
    name = raw.get("name")
    if not isinstance(name, str) or not name:
        raise SweepConfigError("metric.name", f"{name!r} is not accepted: the name of a logged value")
    goal = raw.get("goal", "minimize")
    if goal not in GOALS:
        raise SweepConfigError("metric.goal", f"{goal!r} is not {_accepted(GOALS)}")
    target = raw.get("target")
    return Metric(name, goal, None if target is None else _number(target, "metric.target"))


def _values(raw: dict[str, Any], where: str) -> tuple[Any, ...]:
    values = raw["values"]
    if not isinstance(values, list) or not values:
        raise SweepConfigError(f"{where}.values", f"{values!r} is not accepted: a non-empty list")
    return tuple(values)


def _probabilities(raw: dict[str, Any], where: str, count: int) -> tuple[float, ...] | None:
    if "probabilities" not in raw:
        return None
    probs = raw["probabilities"]
    if (
        not isinstance(probs, list)
        or len(probs) != count
        or any(isinstance(p, bool) or not isinstance(p, (int, float)) or p < 0 for p in probs)
        or not math.isclose(sum(probs), 1.0, abs_tol=1e-6)
    ):
        raise SweepConfigError(
            f"{where}.probabilities", f"{probs!r} is not accepted: {count} non-negative numbers that sum to 1"
        )
    return tuple(float(p) for p in probs)


def _inferred_distribution(raw: dict[str, Any], where: str) -> str:
    """What W&B infers when ``distribution`` is absent (the SDK fills it before sending the sweep)."""
    if "value" in raw:
        return "constant"
    if "values" in raw:
        return "categorical"
    if "min" in raw and "max" in raw:
        low, high = raw["min"], raw["max"]
        if isinstance(low, int) and isinstance(high, int) and not isinstance(low, bool):
            return "int_uniform"
        if isinstance(low, float) and isinstance(high, float):
            return "uniform"
        raise SweepConfigError(
            where,
            "min and max are ambiguous: give both as integers (int_uniform) or both as "
            "floats (uniform), or name a distribution",
        )
    raise SweepConfigError(where, "is not accepted: give value, values, min and max, a distribution, or parameters")


def _bounds(raw: dict[str, Any], distribution: str, where: str) -> dict[str, float]:
    required, optional = DISTRIBUTIONS[distribution]
    bounds: dict[str, float] = {}
    for key in required:
        if key not in raw:
            raise SweepConfigError(where, f"distribution {distribution} needs {' and '.join(required)}")
        if key in ("min", "max"):
            bounds[key] = _number(raw[key], f"{where}.{key}")
    for key, default in optional.items():
        bounds[key] = _number(raw.get(key, default), f"{where}.{key}")
    if "min" in bounds and bounds["min"] > bounds["max"]:
        raise SweepConfigError(f"{where}.min", f"{bounds['min']!r} is above max {bounds['max']!r}")
    if distribution in _POSITIVE_BOUNDS and bounds["min"] <= 0:
        raise SweepConfigError(f"{where}.min", f"{bounds['min']!r} is not accepted: {distribution} needs min > 0")
    if distribution == "int_uniform" and not all(float(bounds[k]).is_integer() for k in ("min", "max")):
        raise SweepConfigError(where, "int_uniform needs whole-number min and max")
    for key in ("q", "sigma", "a", "b"):
        if key in bounds and bounds[key] <= 0:
            raise SweepConfigError(f"{where}.{key}", f"{bounds[key]!r} is not accepted: a number > 0")
    return bounds


def _parameter(path: tuple[str, ...], raw: Any) -> list[Parameter]:
    where = "parameters." + ".".join(path)
    if not isinstance(raw, dict):
        raise SweepConfigError(where, f"{raw!r} is not accepted: a mapping such as {{values: [...]}} or {{min, max}}")
    unknown = set(raw) - set(_PARAMETER_KEYS)
    if unknown:
        raise SweepConfigError(f"{where}.{sorted(unknown)[0]}", f"unknown key; {_accepted(_PARAMETER_KEYS)}")
    if "parameters" in raw:
        return _parameters(raw["parameters"], path)
    distribution = raw.get("distribution") or _inferred_distribution(raw, where)
    if distribution not in DISTRIBUTIONS:
        raise SweepConfigError(f"{where}.distribution", f"{distribution!r} is not {_accepted(DISTRIBUTIONS)}")
    if distribution == "categorical" and "values" not in raw and "value" in raw:
        distribution = "constant"
    if distribution == "constant":
        if "value" not in raw:
            raise SweepConfigError(where, "distribution constant needs value")
        return [Parameter(path, "constant", (raw["value"],))]
    if distribution == "categorical":
        if "values" not in raw:
            raise SweepConfigError(where, "distribution categorical needs values")
        values = _values(raw, where)
        return [Parameter(path, "categorical", values, _probabilities(raw, where, len(values)))]
    return [Parameter(path, distribution, bounds=_bounds(raw, distribution, where))]


def _parameters(raw: Any, prefix: tuple[str, ...] = ()) -> list[Parameter]:
    where = "parameters" + "".join(f".{p}" for p in prefix)
    if not isinstance(raw, dict) or not raw:
        raise SweepConfigError(where, f"{raw!r} is not accepted: a non-empty mapping of parameter names")
    found: list[Parameter] = []
    for name, spec in raw.items():
        if not isinstance(name, str) or not name:
            raise SweepConfigError(where, f"{name!r} is not accepted as a parameter name: a non-empty string")
        found.extend(_parameter((*prefix, name), spec))
    return found


def _hyperband(raw: Any) -> Hyperband | None:
    if raw is None:
        return None
    if not isinstance(raw, dict):
        raise SweepConfigError("early_terminate", f"{raw!r} is not accepted: {{type: hyperband, min_iter|max_iter}}")
    if raw.get("type") != "hyperband":
        raise SweepConfigError("early_terminate.type", f"{raw.get('type')!r} is not one of hyperband")
    eta = _number(raw.get("eta", 3), "early_terminate.eta")
    if eta <= 1:
        raise SweepConfigError("early_terminate.eta", f"{eta!r} is not accepted: a number > 1")
    if "min_iter" in raw:
        low = _positive_int(raw["min_iter"], "early_terminate.min_iter")
        count = _positive_int(raw.get("s", 3), "early_terminate.s")
        bands = [low * eta**k for k in range(count)]
    elif "max_iter" in raw:
        high = _positive_int(raw["max_iter"], "early_terminate.max_iter")
        count = _positive_int(raw.get("s", 3), "early_terminate.s")
        bands = [high / eta**k for k in range(count, 0, -1)]
    else:
        raise SweepConfigError("early_terminate", "hyperband needs min_iter (with s, eta) or max_iter (with s, eta)")
    return Hyperband(tuple(sorted({max(1, round(b)) for b in bands})), eta, bool(raw.get("strict", False)))


def parse_sweep_config(raw: Any) -> SweepSpec:
    """The checked sweep; :class:`SweepConfigError` names the first wrong field and what it accepts."""
    if not isinstance(raw, dict):
        raise SweepConfigError("(the configuration)", f"{type(raw).__name__} is not accepted: a mapping")
    unknown = [key for key in raw if key not in _TOP_KEYS]
    if unknown:
        raise SweepConfigError(str(unknown[0]), f"unknown key; accepted keys: {', '.join(_TOP_KEYS)}")
    method = raw.get("method")
    if method not in METHODS:
        raise SweepConfigError("method", f"{method!r} is not {_accepted(METHODS)}")
    parameters = tuple(_parameters(raw.get("parameters")))
    if method == "grid":
        for parameter in parameters:
            if parameter.distribution not in ("constant", "categorical", "int_uniform", "q_uniform"):
                raise SweepConfigError(
                    f"parameters.{parameter.name}",
                    f"the grid method needs discrete values: value, values, int_uniform or q_uniform, not "
                    f"{parameter.distribution}",
                )
    run_cap = raw.get("run_cap")
    return SweepSpec(
        method=method,
        parameters=parameters,
        metric=_metric(raw.get("metric"), method),
        early_terminate=_hyperband(raw.get("early_terminate")),
        run_cap=None if run_cap is None else _positive_int(run_cap, "run_cap"),
        raw=raw,
    )
