"""corral connectors."""
