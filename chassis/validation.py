"""Turning untrusted RPC arguments into contract models, with typed errors."""

from __future__ import annotations

from typing import Any, TypeVar

from pydantic import BaseModel, ValidationError

from contracts.errors import ValidationFailed

M = TypeVar("M", bound=BaseModel)


def parse(model: type[M], data: Any) -> M:
    """Validate `data` as `model`, or raise ValidationFailed naming the fields (never values)."""
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = [
            {"field": ".".join(str(p) for p in error["loc"]), "problem": error["type"]}
            for error in exc.errors(include_input=False, include_url=False)
        ]
        raise ValidationFailed(f"invalid {model.__name__}", errors=problems) from None
