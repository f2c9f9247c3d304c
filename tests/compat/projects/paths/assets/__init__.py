"""Files shipped as package data."""
