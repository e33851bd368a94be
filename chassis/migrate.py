"""Run services' migrations: `python -m chassis.migrate [service ...] [--to REV | --down]`.

With no service named, every folder under services/ that has migrations is migrated.
"""

from __future__ import annotations

import argparse

from chassis import migrations
from chassis.discovery import all_services, settings_of


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("services", nargs="*")
    group = parser.add_mutually_exclusive_group()
    group.add_argument("--to", default="head", help="revision to upgrade to")
    group.add_argument("--down", action="store_true", help="downgrade to an empty schema")
    args = parser.parse_args()
    for service in args.services or all_services():
        settings = settings_of(service)
        if args.down:
            migrations.downgrade(settings)
        else:
            migrations.upgrade(settings, args.to)
        print(f"migrated {service} ({settings.db_schema}) {'down' if args.down else 'up'}")


if __name__ == "__main__":
    main()
