"""Hyperparameter search shared by the server and the client: W&B's sweep configuration, the grid, random and
bayes (Optuna TPE) methods, hyperband, and the controller that answers agents over a sweep's state.

It sits below both ``server`` and ``core`` (neither may import the other), above ``rundir`` (run ids)."""

from ._config import DISTRIBUTIONS, METHODS, SweepConfigError, SweepSpec, parse_sweep_config
from ._controller import ACTIVE_TRIAL_STATES, SWEEP_STATES, RunObservation, SweepController, change_state, new_sweep
from ._methods import grid_points, metric_value
from ._store import SWEEP_ID, SweepStore

__all__ = [
    "DISTRIBUTIONS",
    "METHODS",
    "SWEEP_ID",
    "SWEEP_STATES",
    "ACTIVE_TRIAL_STATES",
    "RunObservation",
    "SweepConfigError",
    "SweepController",
    "SweepSpec",
    "SweepStore",
    "change_state",
    "grid_points",
    "metric_value",
    "new_sweep",
    "parse_sweep_config",
]
