"""The OpenAPI document and the matrix agree; the gRPC side answers health checks."""

from __future__ import annotations

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc

from gateway.app import create_app
from gateway.authz import Matrix
from gateway.settings import GatewaySettings
from tests.support.platform import Gateway

PROTECTED_ERRORS = {"401", "403", "422", "429", "503", "504"}


def production_document() -> dict:
    return create_app(GatewaySettings()).openapi()


def operations(document: dict) -> list[tuple[str, str, dict]]:
    return [
        (path, method, op)
        for path, item in document["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]


def test_every_route_in_the_openapi_document_is_in_the_authorisation_matrix() -> None:
    matrix = Matrix.load()
    ids = {op["operationId"] for _, _, op in operations(production_document())}
    assert ids, "no operations in the document"
    assert ids <= matrix.operations, f"routes without a rule: {sorted(ids - matrix.operations)}"
    handler_checked = {
        "auth.revoke_officer",  # checked inside auth.revoke, not a route
        "prevention.stream_sightings",  # the gRPC door (SensorIngest.StreamSightings)
    }
    assert matrix.operations - ids == handler_checked, "rules for routes that do not exist"


OPEN311 = "/open311/v2/"


def test_every_route_is_grouped_documented_and_lists_its_problems() -> None:
    document = production_document()
    assert document["openapi"].startswith("3.")
    for path, method, op in operations(document):
        assert path.startswith(("/api/v1/", "/.well-known/", OPEN311)), path
        assert op.get("tags"), (path, method)
        assert op.get("summary"), (path, method)
        if path.startswith(OPEN311):
            # GeoReport v2 answers errors in its own format, an array of code and description
            assert {"400", "403", "404", "429"} <= set(op["responses"]), (path, method)
            assert "application/json" in op["responses"]["400"]["content"], (path, method)
            continue
        assert set(op["responses"]) >= PROTECTED_ERRORS, (path, method)
        problem = op["responses"]["422"]["content"]
        assert "application/problem+json" in problem, (path, method)
    assert "Problem" in document["components"]["schemas"]


def _has_example(document: dict, node: object) -> bool:
    """Whether a schema or content node carries an example, following $refs one level."""
    if isinstance(node, dict):
        if "example" in node or "examples" in node:
            return True
        ref = node.get("$ref")
        if ref:
            target = document["components"]["schemas"][ref.rsplit("/", 1)[1]]
            return "examples" in target
        return any(_has_example(document, v) for v in node.values())
    if isinstance(node, list):
        return any(_has_example(document, v) for v in node)
    return False


def test_every_route_documents_an_example() -> None:
    document = production_document()
    for path, method, op in operations(document):
        success = {k: v for k, v in op["responses"].items() if k.startswith("2")}
        documented = [op.get("requestBody", {}), *success.values()]
        if "204" in success:
            continue  # nothing comes back to show
        assert any(_has_example(document, d) for d in documented), (path, method)


async def test_the_openapi_document_and_docs_are_served(gateway: Gateway) -> None:
    document = await gateway.client.get("/api/v1/openapi.json")
    assert document.status_code == 200
    assert document.json()["info"]["title"] == "Smart policing platform API"
    docs = await gateway.client.get("/api/v1/docs")
    assert docs.status_code == 200 and "swagger" in docs.text.lower()


async def test_grpc_health_answers_serving(gateway: Gateway) -> None:
    port = gateway.app.state.grpc_port
    async with grpc.aio.insecure_channel(f"127.0.0.1:{port}") as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        reply = await stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
    assert reply.status == health_pb2.HealthCheckResponse.SERVING


async def test_probes_and_metrics_need_no_token(gateway: Gateway) -> None:
    assert (await gateway.client.get("/healthz")).json() == {"alive": True}
    assert (await gateway.client.get("/readyz")).status_code == 200
    metrics = await gateway.client.get("/metrics")
    assert "sp_gateway_http_duration_seconds" in metrics.text
