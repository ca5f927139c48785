"""REST wire format: paths, bodies, the envelope, and the status → error classification."""

from __future__ import annotations

import orjson
import pytest

from qdpool import errors
from qdpool.call import WAIT, Call
from qdpool.endpoint import Endpoint
from qdpool.models import HealthInfo, Record, ScoredPoint, as_float32
from qdpool.operations import CREATE_COLLECTION, HEALTH, QUERY_POINTS, RETRIEVE, SCROLL, UPSERT
from qdpool.transport.codec_json import (
    decode,
    encode_body,
    error_for,
    parse_retry_after,
    path_for,
    query_for,
    target_for,
)

EP = Endpoint("localhost")


def call_for(
    op: object, collection: str | None = "docs", body: dict[str, object] | None = None
) -> Call:
    return Call(op, collection, "rest", body, None, 1e12, EP)  # type: ignore[arg-type]


def test_path_quotes_the_collection_name() -> None:
    assert path_for(call_for(QUERY_POINTS, "a b/c")) == "/collections/a%20b%2Fc/points/query"
    assert path_for(call_for(HEALTH, None)) == "/"


def test_body_is_encoded_with_orjson_unless_already_encoded() -> None:
    assert encode_body(call_for(QUERY_POINTS, body={"limit": 3})) == b'{"limit":3}'
    call = call_for(QUERY_POINTS, body={"limit": 3})
    call.encoded = b"precomputed"
    assert encode_body(call) == b"precomputed"
    assert encode_body(call_for(HEALTH, None)) is None


@pytest.mark.parametrize(
    ("status", "kind"),
    [
        (404, errors.NotFound),
        (409, errors.AlreadyExists),
        (400, errors.InvalidArgument),
        (422, errors.InvalidArgument),
        (401, errors.Unauthenticated),
        (403, errors.PermissionDenied),
        (429, errors.ResourceExhausted),
        (408, errors.DeadlineExceeded),
        (504, errors.DeadlineExceeded),
        (502, errors.Unavailable),
        (503, errors.Unavailable),
        (500, errors.ServerError),
        (418, errors.ServerError),
    ],
)
def test_status_classification(status: int, kind: type[errors.ApiError]) -> None:
    body = orjson.dumps({"status": {"error": "the message"}, "time": 0.0})
    error = error_for(status, body, None)
    assert type(error) is kind
    assert error.message == "the message"
    assert error.status == status
    assert error.protocol == "rest"


def test_payload_too_large_is_recognised_by_qdrants_message() -> None:
    msg = (
        "Payload error: JSON payload (40000000 bytes) is larger than allowed "
        "(limit: 33554432 bytes)."
    )
    error = error_for(400, orjson.dumps({"status": {"error": msg}}), None)
    assert isinstance(error, errors.PayloadTooLarge)


def test_plain_text_401_keeps_the_text() -> None:
    error = error_for(401, b"Must provide an API key or an Authorization bearer token", None)
    assert isinstance(error, errors.Unauthenticated)
    assert error.message.startswith("Must provide")


def test_retry_after() -> None:
    error = error_for(429, b"{}", "2.5")
    assert isinstance(error, errors.ResourceExhausted)
    assert error.retry_after == 2.5
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00 GMT") is None
    assert parse_retry_after("-1") is None
    assert parse_retry_after(None) is None


def test_decode_query_and_scroll() -> None:
    raw = orjson.dumps(
        {
            "result": {"points": [{"id": 1, "version": 3, "score": 0.1, "payload": {"a": 1}}]},
            "status": "ok",
        }
    )
    assert decode(call_for(QUERY_POINTS), 200, raw, None) == [
        ScoredPoint(1, as_float32(0.1), 3, {"a": 1})
    ]
    raw = orjson.dumps({"result": {"points": [{"id": "x", "payload": {}}], "next_page_offset": 7}})
    assert decode(call_for(SCROLL), 200, raw, None) == ([Record("x", None, None)], 7)


def test_decode_health_has_no_envelope() -> None:
    raw = orjson.dumps(
        {"title": "qdrant - vector search engine", "version": "1.18.1", "commit": "c"}
    )
    assert decode(call_for(HEALTH, None), 200, raw, None) == HealthInfo(
        "qdrant - vector search engine", "1.18.1", "c"
    )


def test_unexpected_answer_is_a_server_error() -> None:
    with pytest.raises(errors.ServerError, match="unexpected response"):
        decode(call_for(CREATE_COLLECTION), 200, b"<html>", None)


def test_a_mistyped_points_answer_is_a_server_error() -> None:
    """The point answers are decoded from their bytes (``raw_answer``); their errors map the
    same way as the parsed answers'."""
    raw = orjson.dumps({"result": {"points": [{"id": 1, "score": "high"}]}, "status": "ok"})
    with pytest.raises(errors.ServerError, match=r"unexpected response to query_points: .*score"):
        decode(call_for(QUERY_POINTS), 200, raw, None)
    raw = orjson.dumps({"result": [{"id": 1, "vector": [0.5, "x"]}], "status": "ok"})
    with pytest.raises(errors.ServerError, match="unexpected response to retrieve"):
        decode(call_for(RETRIEVE), 200, raw, None)


def test_errors_are_raised_from_decode() -> None:
    with pytest.raises(errors.NotFound):
        decode(call_for(QUERY_POINTS), 404, b'{"status":{"error":"Not found"}}', None)


def test_server_timeout_travels_as_whole_seconds_where_the_route_takes_it() -> None:
    query = call_for(QUERY_POINTS, body={})
    assert query_for(query, 2.2) == "timeout=3"
    assert query_for(query, 0.01) == "timeout=1"
    upsert = Call(UPSERT, "docs", "rest", {}, WAIT, 1e12, EP)
    assert query_for(upsert, 4.0) == "wait=true&timeout=4"
    assert upsert.options == WAIT  # the call's own options are left alone
    assert query_for(call_for(HEALTH, None), 3.0) == ""


def test_target_carries_the_query_string() -> None:
    upsert = Call(UPSERT, "my docs", "rest", {}, WAIT, 1e12, EP)
    assert target_for(upsert, 1.5) == "/collections/my%20docs/points?wait=true&timeout=2"
    assert target_for(call_for(HEALTH, None), 1.0) == "/"


def test_remembered_targets_are_the_ones_built() -> None:
    """Every input of a target is in the key it is remembered under: each combination
    gives what ``path_for`` and ``query_for`` build, however often it is asked for."""
    from qdpool.call import NO_WAIT, Options
    from qdpool.operations import CREATE_PAYLOAD_INDEX, DELETE_PAYLOAD_INDEX

    calls = [
        Call(UPSERT, "a", "rest", {}, options, 1e12, EP)
        for options in (None, WAIT, NO_WAIT, Options(wait=True, ordering="strong"))
    ]
    calls += [Call(QUERY_POINTS, name, "rest", {}, None, 1e12, EP) for name in ("a", "b", "é")]
    calls += [Call(CREATE_PAYLOAD_INDEX, "a", "rest", {}, WAIT, 1e12, EP)]
    calls += [
        Call(DELETE_PAYLOAD_INDEX, "a", "rest", None, WAIT, 1e12, EP, {"field_name": name})
        for name in ("x", "y z")
    ]
    for _ in range(2):
        for call in calls:
            for timeout in (0.2, 1.0, 1.5, 30.0):
                query = query_for(call, timeout)
                expected = path_for(call) + ("?" + query if query else "")
                assert target_for(call, timeout) == expected
    assert target_for(calls[-1], 1.0).startswith("/collections/a/index/y%20z?")
