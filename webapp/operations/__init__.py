"""Operational commands: preparing a site for its first start."""
