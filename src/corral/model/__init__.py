"""Layer 1: the model. Plain data and protocols, no I/O."""
