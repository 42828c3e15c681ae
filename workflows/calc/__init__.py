"""Calculation runs in the database: set-based loaders, bulk writers, the run lifecycle, RQ jobs."""
