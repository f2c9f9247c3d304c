"""corral cli."""
