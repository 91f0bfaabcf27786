"""Tooling of the outreach analytics warehouse: raw data loader, scheduled job, benchmark."""
