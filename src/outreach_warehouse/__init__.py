"""Tooling of the outreach analytics warehouse: the raw data loader and its demo generator, the scheduled job, the
benchmark, and the dbt commands they run."""
