"""Make the PostgreSQL driver cooperate with eventlet.

psycopg2 as shipped blocks the whole nameko process on every query. psycogreen installs a wait
callback that yields to the eventlet hub instead.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager


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


@contextmanager
def driver_blocking() -> Iterator[None]:
    """Let psycopg2 run one statement the way it cannot run green (COPY).

    psycopg2 refuses COPY while a wait callback is installed. Inside this block the callback is
    off, so the statement blocks the whole process until it ends; nothing else runs meanwhile,
    as long as the block does not yield to the hub. Keep it to one statement.
    """
    import psycopg2.extensions

    callback = psycopg2.extensions.get_wait_callback()
    psycopg2.extensions.set_wait_callback(None)
    try:
        yield
    finally:
        psycopg2.extensions.set_wait_callback(callback)
