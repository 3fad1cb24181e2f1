"""The 422s the gateway answers itself, shaped as FastAPI's request validation shapes them (and so
as a service answers them): a list of problems, each located at a field."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal, TypeVar

from fastapi import HTTPException, status
from fastapi.encoders import jsonable_encoder
from pydantic import BaseModel, ValidationError

ModelT = TypeVar("ModelT", bound=BaseModel)


def invalid(field: str, message: str) -> HTTPException:
    return HTTPException(
        status.HTTP_422_UNPROCESSABLE_CONTENT,
        [{"type": "value_error", "loc": ["body", field], "msg": message}],
    )


def read_as(
    model: type[ModelT], values: Mapping[str, Any], *, part: Literal["body", "query"] = "body"
) -> ModelT:
    """A page's raw ``values`` as the contract model a service reads them into; values it would
    refuse are refused here with the very 422 it would answer (a ``HTTPException`` whose detail
    locates each problem in the request's ``part``)."""
    try:
        return model.model_validate(values)
    except ValidationError as error:
        problems = [
            {**problem, "loc": (part, *problem["loc"])}
            for problem in error.errors(include_url=False)
        ]
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, jsonable_encoder(problems)
        ) from None
