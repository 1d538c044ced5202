"""Qt item models (one per grid) and the read-only queries that feed them."""
