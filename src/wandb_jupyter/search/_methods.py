"""The three search methods: the next parameters of a sweep from the trials it has run.

``grid`` walks the product of every parameter's values in a fixed order, each once; ``random``
draws each parameter from its distribution; ``bayes`` asks Optuna's TPE sampler (a maintained
Bayesian optimiser), rebuilt each time from the finished trials and their metric, with the
running ones as "constant liar" points so parallel agents do not all try the same place. Every
draw is seeded from the sweep's seed and the trial's number: the same sweep suggests the same
sequence. Optuna is imported only by a bayes sweep; without it, one error says what to install.
"""

from __future__ import annotations

import itertools
import math
import random
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from ..common._errors import UsageError
from ._config import Metric, Parameter, SweepSpec

__all__ = ["Suggestion", "Observed", "grid_points", "suggest", "nest"]


@dataclass(frozen=True)
class Observed:
    """A trial the optimiser may learn from: its raw point and, once finished, its metric."""

    raw: dict[str, Any]
    value: float | None
    running: bool


@dataclass(frozen=True)
class Suggestion:
    values: dict[str, Any]  # parameter name (dotted for nested ones) -> value for the run's config
    raw: dict[str, Any]  # the optimiser's own coordinates (bayes), to learn from later


def nest(values: dict[str, Any], parameters: Sequence[Parameter]) -> dict[str, Any]:
    """The run config: nested parameters become nested mappings, as W&B's agents hand them over."""
    config: dict[str, Any] = {}
    for parameter in parameters:
        target = config
        for part in parameter.path[:-1]:
            target = target.setdefault(part, {})
        target[parameter.path[-1]] = values[parameter.name]
    return config


def _quantize(value: float, q: float) -> float:
    quantized = round(value / q) * q
    return int(quantized) if float(q).is_integer() and float(quantized).is_integer() else quantized


# -- grid ------------------------------------------------------------------------------


def _grid_values(parameter: Parameter) -> list[Any]:
    if parameter.distribution in ("constant", "categorical"):
        return list(parameter.values)
    low, high = parameter.bounds["min"], parameter.bounds["max"]
    if parameter.distribution == "int_uniform":
        return list(range(int(low), int(high) + 1))
    q = parameter.bounds["q"]  # q_uniform
    count = math.floor((high - low) / q + 1e-9) + 1
    return [_quantize(low + i * q, q) for i in range(count)]


def grid_points(spec: SweepSpec) -> Iterator[dict[str, Any]]:
    """Every point of the grid, the first parameter varying slowest (W&B's order)."""
    names = [p.name for p in spec.parameters]
    for combination in itertools.product(*(_grid_values(p) for p in spec.parameters)):
        yield dict(zip(names, combination))


def grid_size(spec: SweepSpec) -> int:
    return math.prod(len(_grid_values(p)) for p in spec.parameters)


# -- random ----------------------------------------------------------------------------


def _draw(parameter: Parameter, rng: random.Random) -> Any:
    b, kind = parameter.bounds, parameter.distribution
    if kind == "constant":
        return parameter.values[0]
    if kind == "categorical":
        index = rng.choices(range(len(parameter.values)), weights=parameter.probabilities)[0]
        return parameter.values[index]
    if kind == "int_uniform":
        return rng.randint(int(b["min"]), int(b["max"]))
    if kind in ("uniform", "q_uniform"):
        value = rng.uniform(b["min"], b["max"])
    elif kind in ("log_uniform", "q_log_uniform"):
        value = math.exp(rng.uniform(b["min"], b["max"]))
    elif kind in ("log_uniform_values", "q_log_uniform_values"):
        value = math.exp(rng.uniform(math.log(b["min"]), math.log(b["max"])))
    elif kind == "inv_log_uniform":
        value = math.exp(-rng.uniform(b["min"], b["max"]))
    elif kind == "inv_log_uniform_values":
        value = 1.0 / math.exp(rng.uniform(math.log(1.0 / b["max"]), math.log(1.0 / b["min"])))
    elif kind in ("normal", "q_normal"):
        value = rng.gauss(b["mu"], b["sigma"])
    elif kind in ("log_normal", "q_log_normal"):
        value = math.exp(rng.gauss(b["mu"], b["sigma"]))
    else:  # beta, q_beta
        value = rng.betavariate(b["a"], b["b"])
    return _quantize(value, b["q"]) if kind.startswith("q_") else value


def _random(spec: SweepSpec, rng: random.Random) -> Suggestion:
    return Suggestion({p.name: _draw(p, rng) for p in spec.parameters}, {})


# -- bayes (Optuna TPE) -------------------------------------------------------------------

#: how far the unbounded distributions reach for the optimiser, in standard deviations
_NORMAL_REACH = 4.0


def optuna_module() -> Any:
    try:
        import optuna
    except ImportError:
        raise UsageError(
            "the bayes sweep method needs Optuna: pip install optuna (or pip install 'wandb-jupyter[sweeps]')"
        ) from None
    optuna.logging.set_verbosity(optuna.logging.WARNING)
    return optuna


def _distribution(optuna: Any, parameter: Parameter) -> Any:
    """The optimiser's coordinate of a parameter (categoricals by index: values need not be hashable)."""
    d, b, kind = optuna.distributions, parameter.bounds, parameter.distribution
    if kind == "categorical":
        return d.CategoricalDistribution(list(range(len(parameter.values))))
    if kind == "int_uniform":
        return d.IntDistribution(int(b["min"]), int(b["max"]))
    if kind in ("uniform", "q_uniform"):
        return d.FloatDistribution(b["min"], b["max"])
    if kind in ("log_uniform", "q_log_uniform"):
        return d.FloatDistribution(math.exp(b["min"]), math.exp(b["max"]), log=True)
    if kind in ("log_uniform_values", "q_log_uniform_values", "inv_log_uniform_values"):
        return d.FloatDistribution(b["min"], b["max"], log=True)
    if kind == "inv_log_uniform":
        return d.FloatDistribution(math.exp(-b["max"]), math.exp(-b["min"]), log=True)
    if kind in ("normal", "q_normal"):
        return d.FloatDistribution(b["mu"] - _NORMAL_REACH * b["sigma"], b["mu"] + _NORMAL_REACH * b["sigma"])
    if kind in ("log_normal", "q_log_normal"):
        reach = _NORMAL_REACH * b["sigma"]
        return d.FloatDistribution(math.exp(b["mu"] - reach), math.exp(b["mu"] + reach), log=True)
    return d.FloatDistribution(0.0, 1.0)  # beta, q_beta


def _value(parameter: Parameter, raw: Any) -> Any:
    if parameter.distribution == "categorical":
        return parameter.values[raw]
    if parameter.distribution.startswith("q_"):
        return _quantize(raw, parameter.bounds["q"])
    return raw


def _bayes(spec: SweepSpec, observed: Sequence[Observed], seed: int) -> Suggestion:
    optuna = optuna_module()
    searched = [p for p in spec.parameters if p.distribution != "constant"]
    distributions = {p.name: _distribution(optuna, p) for p in searched}
    assert spec.metric is not None  # parse_sweep_config requires it for bayes
    direction = "minimize" if spec.metric.goal == "minimize" else "maximize"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # constant_liar is "experimental" in Optuna's words
        sampler = optuna.samplers.TPESampler(seed=seed, constant_liar=True, multivariate=True)
        study = optuna.create_study(direction=direction, sampler=sampler)
        for trial in observed:
            if set(trial.raw) != set(distributions) or not _inside(trial.raw, distributions):
                continue  # from an earlier version of the configuration
            if trial.running:
                state, value = optuna.trial.TrialState.RUNNING, None
            elif trial.value is not None and math.isfinite(trial.value):
                state, value = optuna.trial.TrialState.COMPLETE, trial.value
            else:
                state, value = optuna.trial.TrialState.FAIL, None
            study.add_trial(
                optuna.trial.create_trial(params=trial.raw, distributions=distributions, value=value, state=state)
            )
        asked = study.ask(distributions)
    raw = dict(asked.params)
    values = {p.name: _value(p, raw[p.name]) for p in searched}
    values.update({p.name: p.values[0] for p in spec.parameters if p.distribution == "constant"})
    return Suggestion({p.name: values[p.name] for p in spec.parameters}, raw)


def _inside(raw: dict[str, Any], distributions: dict[str, Any]) -> bool:
    try:
        return all(distributions[name]._contains(distributions[name].to_internal_repr(v)) for name, v in raw.items())
    except (ValueError, TypeError, KeyError):
        return False


def suggest(spec: SweepSpec, observed: Sequence[Observed], *, seed: int, number: int) -> Suggestion:
    """The parameters of trial ``number`` (0-based) of a random or bayes sweep."""
    mixed = (seed * 1_000_003 + number) % (1 << 32)  # numpy's (Optuna's) seeds are 32 bits
    if spec.method == "bayes":
        return _bayes(spec, observed, mixed)
    return _random(spec, random.Random(mixed))


def metric_value(summary: dict[str, Any], metric: Metric | None) -> float | None:
    """The run's metric from its summary (W&B reads the summary), when it is a finite number."""
    if metric is None:
        return None
    value = summary.get(metric.name)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        return None
    return float(value)
