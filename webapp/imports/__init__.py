"""The imports feature: CLI commands and glue."""
