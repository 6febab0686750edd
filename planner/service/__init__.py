"""The HTTP service (``hedge-planner serve``): FastAPI app, API keys and roles, plan store.

- :mod:`~hedge_planner.service.app`: the application (:func:`create_app`) and its routes;
- :mod:`~hedge_planner.service.http`: error responses, key roles, rate and size limits, uploads;
- :mod:`~hedge_planner.service.jobs`: running submitted cases and desk hedges (no HTTP);
- :mod:`~hedge_planner.service.desk`: the desk's hedge request (holdings or key-rate DV01s);
- :mod:`~hedge_planner.service.keys`: API keys (stored hashed) and roles;
- :mod:`~hedge_planner.service.store`: stored plans and keys (SQLAlchemy; SQLite, PostgreSQL);
- :mod:`~hedge_planner.service.migrate`: Alembic migrations of the store.
"""
