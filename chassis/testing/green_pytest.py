"""pytest for nameko integration tests: `python -m chassis.testing.green_pytest [args]`.

eventlet must patch the standard library before anything else imports it, so this runs the
patch and then pytest (the same order nameko's own test runner uses).
"""

from chassis.green import monkey_patch

monkey_patch()

import sys  # noqa: E402

import pytest  # noqa: E402

from chassis.serialization import use_orjson  # noqa: E402

use_orjson()  # as in every service process (chassis.run)

if __name__ == "__main__":
    sys.exit(
        pytest.main(
            [
                "-p",
                "chassis.testing.green_fixtures",
                "--suppress-nameko-eventlet-notification",
                *sys.argv[1:],
            ]
        )
    )
