"""Tests of W&B's data types: compared with the real SDK offline, and through our server."""
