"""Tests of the local server (wandb_jupyter.server). A package, like tests/browser, so that its
conftest.py does not shadow tests/conftest.py for the modules that import helpers from it."""
