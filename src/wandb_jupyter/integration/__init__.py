"""Integrations with training libraries that need no GPU framework, and the ``import wandb`` alias.

- :mod:`.sklearn`: W&B's ``wandb.sklearn.plot_*`` charts (scikit-learn);
- :mod:`.xgboost`: ``WandbCallback`` for XGBoost;
- :mod:`.lightgbm`: ``wandb_callback`` and ``log_summary`` for LightGBM;
- :mod:`._alias`: ``install_as_wandb()``, so that third-party code's ``import wandb`` uses this package.

Each submodule imports its library when it is imported itself, never earlier;
a missing library is one UsageError naming the package to install.
"""
