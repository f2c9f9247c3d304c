"""Test tooling: a harness for operations and facts, and the test image."""
