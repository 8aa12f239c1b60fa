"""Reads: review lists and pages, per-movie statistics, the admin's review filters."""
