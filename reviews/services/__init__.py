"""Writes: scoring and storing reviews (the one path), re-scoring, API tokens."""
