"""Developer and CI helpers (not part of the application)."""
