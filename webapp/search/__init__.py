"""The search feature: CLI commands and glue."""
