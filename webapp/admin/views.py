"""Routes of the admin blueprint."""

from webapp.admin import bp  # noqa: F401
