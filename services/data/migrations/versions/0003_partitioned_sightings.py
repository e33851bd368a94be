"""Sightings become a table partitioned by day of `seen_at` (UTC), with an H3 cell and the
details a checkpoint reports; existing rows move over.

Revision ID: data_0003
Revises: data_0002
"""

from __future__ import annotations

from alembic import op

revision = "data_0003"
down_revision = "data_0002"
branch_labels = None
depends_on = None

CREATE_PARTITION_FUNCTION = """
CREATE FUNCTION ensure_sightings_partition(day date) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
    name text := format('sightings_p%s', to_char(day, 'YYYYMMDD'));
BEGIN
    PERFORM pg_advisory_xact_lock(hashtext('sightings_partitions'));
    IF to_regclass(name) IS NULL THEN
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF sightings FOR VALUES FROM (%L) TO (%L)',
            name, day::timestamp AT TIME ZONE 'UTC', (day + 1)::timestamp AT TIME ZONE 'UTC'
        );
    END IF;
END $$
"""


def upgrade() -> None:
    op.execute("ALTER TABLE sightings RENAME TO sightings_unpartitioned")
    op.execute("ALTER INDEX sightings_plate_seen_at RENAME TO sightings_unpartitioned_plate")
    op.execute("ALTER INDEX sightings_seen_at RENAME TO sightings_unpartitioned_seen_at")
    op.execute(
        """
        CREATE TABLE sightings (
            sighting_id uuid NOT NULL,
            plate varchar(16) NOT NULL,
            device_id varchar(64) NOT NULL,
            seen_at timestamptz NOT NULL,
            lat double precision,
            lon double precision,
            cell bigint,
            direction smallint CHECK (direction BETWEEN 0 AND 359),
            speed_kmh real CHECK (speed_kmh >= 0),
            confidence real CHECK (confidence BETWEEN 0 AND 1),
            image_ref varchar(200),
            batch_id varchar(128) NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now(),
            PRIMARY KEY (sighting_id, seen_at)
        ) PARTITION BY RANGE (seen_at)
        """
    )
    op.execute("CREATE INDEX sightings_plate_seen_at ON sightings (plate, seen_at)")
    op.execute("CREATE INDEX sightings_cell_seen_at ON sightings (cell, seen_at)")
    op.execute(CREATE_PARTITION_FUNCTION)
    op.execute(
        """
        SELECT ensure_sightings_partition(day::date)
        FROM generate_series(
            (SELECT date_trunc('day', min(seen_at) AT TIME ZONE 'UTC') FROM sightings_unpartitioned),
            (SELECT date_trunc('day', max(seen_at) AT TIME ZONE 'UTC') FROM sightings_unpartitioned),
            interval '1 day'
        ) AS day
        """
    )
    op.execute(
        "INSERT INTO sightings (sighting_id, plate, device_id, seen_at, lat, lon, batch_id, "
        "recorded_at) SELECT sighting_id, plate, device_id, seen_at, lat, lon, batch_id, "
        "recorded_at FROM sightings_unpartitioned"
    )
    op.execute("DROP TABLE sightings_unpartitioned")


def downgrade() -> None:
    op.execute(
        """
        CREATE TABLE sightings_unpartitioned (
            sighting_id uuid PRIMARY KEY,
            plate varchar(16) NOT NULL,
            device_id varchar(64) NOT NULL,
            seen_at timestamptz NOT NULL,
            lat double precision,
            lon double precision,
            batch_id varchar(128) NOT NULL,
            recorded_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        "INSERT INTO sightings_unpartitioned SELECT sighting_id, plate, device_id, seen_at, lat, "
        "lon, batch_id, recorded_at FROM sightings"
    )
    op.execute("DROP TABLE sightings")
    op.execute("DROP FUNCTION ensure_sightings_partition(date)")
    op.execute("ALTER TABLE sightings_unpartitioned RENAME TO sightings")
    op.execute("CREATE INDEX sightings_plate_seen_at ON sightings (plate, seen_at)")
    op.execute("CREATE INDEX sightings_seen_at ON sightings (seen_at)")
