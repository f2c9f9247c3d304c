"""corral engine."""
