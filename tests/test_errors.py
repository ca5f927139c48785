"""The exception tree: what each error carries, and that it never carries the key."""

from __future__ import annotations

import pytest

from qdpool import errors


def test_tree() -> None:
    assert issubclass(errors.PayloadTooLarge, errors.InvalidArgument)
    assert issubclass(errors.InvalidInput, ValueError)
    for kind in (
        errors.NotFound,
        errors.AlreadyExists,
        errors.InvalidArgument,
        errors.Unauthenticated,
        errors.PermissionDenied,
        errors.ResourceExhausted,
        errors.Unavailable,
        errors.DeadlineExceeded,
        errors.ServerError,
    ):
        assert issubclass(kind, errors.ApiError)
        assert issubclass(kind, errors.QdpoolError)
    assert issubclass(errors.CircuitOpen, errors.QdpoolError)


def test_api_error_carries_protocol_status_message() -> None:
    error = errors.NotFound(
        "Not found: Collection `x` doesn't exist!", protocol="grpc", status="NOT_FOUND"
    )
    assert str(error) == "[grpc NOT_FOUND] Not found: Collection `x` doesn't exist!"
    assert error.sent is True
    assert "NotFound(" in repr(error)


def test_resource_exhausted_has_retry_after() -> None:
    error = errors.ResourceExhausted("slow", protocol="rest", status=429, retry_after=1.5)
    assert error.retry_after == 1.5
    assert error.default_retryable


def test_invalid_input_names_the_field() -> None:
    error = errors.InvalidInput("points[3].vector", "must not be empty")
    assert error.field == "points[3].vector"
    assert str(error) == "points[3].vector: must not be empty"
    with pytest.raises(ValueError):
        raise error
