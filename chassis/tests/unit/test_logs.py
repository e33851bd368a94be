from __future__ import annotations

import logging
from collections.abc import Iterator

import orjson
import pytest
from opentelemetry.sdk.trace import TracerProvider

from chassis.logs import configure_logging


@pytest.fixture
def restored_logging() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


def test_log_lines_are_json_with_the_service_and_the_current_trace(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("data")
    tracer = TracerProvider().get_tracer("test")
    with tracer.start_as_current_span("work") as span:
        logging.getLogger("chassis.test").info("batch stored", extra={"rows": 3})
    line = orjson.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert line["event"] == "batch stored"
    assert line["service"] == "data"
    assert line["rows"] == 3
    assert line["trace_id"] == format(span.get_span_context().trace_id, "032x")
    assert line["level"] == "info"


def test_expected_errors_are_logged_without_a_traceback(
    restored_logging: None, capsys: pytest.CaptureFixture[str]
) -> None:
    configure_logging("data")
    try:
        raise ValueError("a unit with this id exists")
    except ValueError:
        logging.getLogger("nameko.containers").warning(
            "(expected) error handling worker %s: %s", "w", "x", exc_info=True
        )
        logging.getLogger("nameko.containers").error("error handling worker", exc_info=True)
    expected, unexpected = (orjson.loads(x) for x in capsys.readouterr().out.strip().splitlines())
    assert "exception" not in expected
    assert "Traceback" in unexpected["exception"]
