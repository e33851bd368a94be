"""Open311 GeoReport v2 on the wire: the specification's error array instead of problem+json,
XML beside JSON (`.xml` / `.json` on the resource), and the form-encoded POST.

Open311 routes use `Open311Route`: whatever a route raises (the gateway's own checks, a
service's typed error, a request that does not fit) leaves as `[{"code": 400, "description":
"…"}]` (or `<errors><error>…`) with the right status; a 429 keeps its Retry-After. Every other
route keeps problem+json (gateway/problems.py)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Coroutine, Mapping
from typing import Any
from xml.etree import ElementTree

from fastapi import Request, Response
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from pydantic import BaseModel, ValidationError
from starlette.datastructures import UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException

from contracts.errors import (
    ERRORS_BY_NAME,
    HTTP_STATUS,
    ErrorCode,
    PlatformError,
    ValidationFailed,
    code_for_remote_error,
)
from contracts.open311 import Open311Error, Open311Format
from gateway.rpc import RemoteError

log = logging.getLogger(__name__)
XML_MEDIA_TYPE = "text/xml; charset=utf-8"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8"?>\n'
#: the element each list's members are named by, in the specification's XML
ITEM_NAMES = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "service_requests": "request",
    "errors": "error",
}
#: the specification answers a request that does not fit with 400, not 422
OPEN311_STATUS = {**HTTP_STATUS, ErrorCode.VALIDATION_FAILED: 400}
MAX_FORM_FIELDS = 60
_ATTRIBUTE_FIELD = re.compile(r"^attribute\[([^\[\]]{1,64})\](\[\])?$")
FORM_FIELDS = frozenset(
    {
        "service_code",
        "jurisdiction_id",
        "lat",
        "long",
        "address_string",
        "address_id",
        "email",
        "device_id",
        "account_id",
        "first_name",
        "last_name",
        "phone",
        "description",
        "media_url",
    }
)


def format_of(request: Request) -> Open311Format:
    return Open311Format.XML if request.url.path.endswith(".xml") else Open311Format.JSON


def _append(parent: ElementTree.Element, name: str, value: Any) -> None:
    element = ElementTree.SubElement(parent, name)
    _fill(element, name, value)


def _fill(element: ElementTree.Element, name: str, value: Any) -> None:
    if isinstance(value, list):
        for item in value:
            _append(element, ITEM_NAMES.get(name, "item"), item)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _append(element, str(key), item)
    elif isinstance(value, bool):
        element.text = "true" if value else "false"
    elif value is not None:
        element.text = str(value)


def xml_document(root: str, value: Any) -> bytes:
    """`value` (JSON-shaped) as the specification's XML: a list under `root` holds elements
    named by ITEM_NAMES, a mapping holds one element per field, null is an empty element."""
    element = ElementTree.Element(root)
    _fill(element, root, value)
    return XML_DECLARATION + ElementTree.tostring(element, encoding="unicode").encode()


def render(
    value: Any, root: str, fmt: Open311Format, status_code: int = 200
) -> JSONResponse | Response:
    if fmt is Open311Format.XML:
        return Response(xml_document(root, value), status_code, media_type=XML_MEDIA_TYPE)
    return JSONResponse(value, status_code)


def error_response(
    status: int,
    descriptions: list[str],
    fmt: Open311Format,
    headers: dict[str, str] | None = None,
) -> Response:
    errors = [Open311Error(code=status, description=d).model_dump() for d in descriptions]
    if fmt is Open311Format.XML:
        return Response(
            xml_document("errors", errors), status, headers=headers, media_type=XML_MEDIA_TYPE
        )
    return JSONResponse(errors, status, headers=headers)


def _descriptions(detail: str, problems: Any) -> list[str]:
    fields = [f"{p['field']}: {p['problem']}" for p in problems or () if isinstance(p, dict)]
    return [detail, *fields]


def _retry_after(fields: Mapping[str, Any]) -> dict[str, str] | None:
    return {"Retry-After": str(fields["retry_after"])} if "retry_after" in fields else None


def _field_name(location: Any) -> str:
    parts = [str(p) for p in location if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "request"


def refusal(exc: Exception, fmt: Open311Format) -> Response | None:
    """The Open311 answer for an exception raised inside an Open311 route (None: not ours)."""
    if isinstance(exc, RequestValidationError):
        problems = [f"{_field_name(e.get('loc', ()))}: {e.get('type')}" for e in exc.errors()]
        return error_response(400, ["the request does not fit the specification", *problems], fmt)
    if isinstance(exc, PlatformError):
        return error_response(
            OPEN311_STATUS[exc.code],
            _descriptions(exc.detail, exc.fields.get("errors")),
            fmt,
            _retry_after(exc.fields),
        )
    if isinstance(exc, RemoteError):
        code = code_for_remote_error(exc.exc_type)
        if exc.exc_type not in ERRORS_BY_NAME:
            log.error("unexpected service error", extra={"exc_type": exc.exc_type})
            return error_response(500, ["the service failed"], fmt)
        return error_response(
            OPEN311_STATUS[code],
            _descriptions(exc.detail, exc.fields.get("errors")),
            fmt,
            _retry_after(exc.fields),
        )
    return None


class Open311Route(APIRoute):
    """A route that answers errors in the GeoReport v2 format."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def open311_handler(request: Request) -> Response:
            try:
                return await handler(request)
            except (RequestValidationError, PlatformError, RemoteError) as exc:
                answer = refusal(exc, format_of(request))
                assert answer is not None
                return answer
            except StarletteHTTPException as exc:  # a form the parser could not read
                detail = exc.detail if isinstance(exc.detail, str) else "bad request"
                return error_response(exc.status_code, [detail], format_of(request))

        return open311_handler


def validated(model: type[BaseModel], data: Mapping[str, Any]) -> Any:
    """`data` as `model`, or ValidationFailed naming the fields (400 on an Open311 route)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": _field_name(e["loc"]) if e["loc"] else "request", "problem": e["type"]}
            for e in exc.errors(include_input=False, include_url=False)
        ]
        raise ValidationFailed(f"invalid {model.__name__}", errors=problems) from None


async def request_form(request: Request) -> tuple[dict[str, Any], str | None]:
    """The POST requests form: the specification's fields (empty ones left out) with
    `attribute[CODE]` (and `attribute[CODE][]`, repeated for a multivaluelist) gathered into
    `attributes`; and the api_key (from the form, or else the query string). Fields the
    specification does not name are ignored, as its clients expect."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type not in ("application/x-www-form-urlencoded", "multipart/form-data"):
        raise ValidationFailed(
            "POST requests is application/x-www-form-urlencoded",
            errors=[{"field": "content-type", "problem": "form_expected"}],
        )
    form = await request.form(max_files=0, max_fields=MAX_FORM_FIELDS)
    fields: dict[str, Any] = {}
    attributes: dict[str, Any] = {}
    api_key = request.query_params.get("api_key")
    for name, value in form.multi_items():
        if isinstance(value, UploadFile):
            raise ValidationFailed("media is given by media_url, not uploaded")
        if name == "api_key":
            api_key = value or api_key
            continue
        attribute = _ATTRIBUTE_FIELD.match(name)
        if attribute:
            code, many = attribute.group(1), attribute.group(2)
            if many or code in attributes:
                previous = attributes.get(code, [])
                attributes[code] = [*([previous] if isinstance(previous, str) else previous), value]
            else:
                attributes[code] = value
        elif name in FORM_FIELDS and value != "":
            if name in fields:
                raise ValidationFailed(
                    f"{name} given twice", errors=[{"field": name, "problem": "repeated"}]
                )
            fields[name] = value
    if "jurisdiction_id" not in fields and request.query_params.get("jurisdiction_id"):
        fields["jurisdiction_id"] = request.query_params["jurisdiction_id"]
    return {**fields, "attributes": attributes}, api_key
