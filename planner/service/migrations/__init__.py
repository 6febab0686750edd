"""Alembic environment and revisions of the plan store (see ``service.migrate``)."""
