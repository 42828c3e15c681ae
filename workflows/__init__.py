"""Background work and domain processes: jobs, state machines and the calculation engine."""
