"""Revisions of the plan store schema, oldest first."""
