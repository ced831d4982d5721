"""The demo feature: CLI commands and glue."""
