"""Tests of online mode: our client against our server on loopback."""
