"""Make the PostgreSQL driver cooperate with eventlet.

psycopg2 as shipped blocks the whole nameko process on every query. psycogreen installs a wait
callback that yields to the eventlet hub instead.
"""

from __future__ import annotations


def patch_database_driver() -> None:
    import psycopg2.extensions
    from psycogreen.eventlet import patch_psycopg

    patch_psycopg()
    if psycopg2.extensions.get_wait_callback() is None:
        raise RuntimeError("psycopg2 has no green wait callback: queries would block the hub")


def monkey_patch() -> None:
    """Everything an eventlet process needs before other imports: call it first."""
    import warnings

    # eventlet announces its maintenance mode at import; DESIGN.md keeps it at the edges
    warnings.filterwarnings("ignore", message=r"\s*Eventlet is deprecated")
    import eventlet

    eventlet.monkey_patch()
    patch_database_driver()
