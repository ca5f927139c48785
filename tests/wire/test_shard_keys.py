"""Shard key selectors without a server: every method that takes ``shard_key_selector`` puts
it in the REST body, its gRPC request carries it as ``shard_key_selector``, and the server's
converter brings it back into the body, for each of Qdrant's three shapes."""

from __future__ import annotations

from typing import Any

import pytest
from qdrant_client import models as qm
from wire_support import encode_request

import qdpool
from qdpool import operations as ops
from qdpool._proto import points_pb2 as _pts
from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.errors import InvalidInput
from qdpool.models import UpdateResult
from qdpool.operations.spec import GrpcCodec, Operation
from qdpool.testing import MockTransport
from qdpool.wire import shard_keys

SHAPES: list[tuple[Any, Any]] = [
    ("tenant", "tenant"),
    (7, 7),
    (["a", 2], ["a", 2]),
    ({"target": "a", "fallback": "b"}, {"target": "a", "fallback": "b"}),
    (qm.ShardKeyWithFallback(target="a", fallback=3), {"target": "a", "fallback": 3}),
]

Calling = tuple[str, Any, dict[str, Any]]
CALLS: list[Calling] = [
    ("upsert", ops.UPSERT, {"points": [{"id": 1, "vector": [1.0, 0.0]}]}),
    ("delete", ops.DELETE_POINTS, {"ids": [1]}),
    ("update_vectors", ops.UPDATE_VECTORS, {"points": [{"id": 1, "vector": [1.0, 0.0]}]}),
    ("delete_vectors", ops.DELETE_VECTORS, {"vectors": ["v"], "points": [1]}),
    ("set_payload", ops.SET_PAYLOAD, {"payload": {"a": 1}, "points": [1]}),
    ("overwrite_payload", ops.OVERWRITE_PAYLOAD, {"payload": {"a": 1}, "points": [1]}),
    ("delete_payload", ops.DELETE_PAYLOAD, {"keys": ["a"], "points": [1]}),
    ("clear_payload", ops.CLEAR_PAYLOAD, {"points": [1]}),
    ("retrieve", ops.RETRIEVE, {"ids": [1]}),
    ("scroll", ops.SCROLL, {}),
    ("count", ops.COUNT, {}),
    ("query_points", ops.QUERY_POINTS, {"query": [1.0, 0.0]}),
    ("query_points_groups", ops.QUERY_POINTS_GROUPS, {"group_by": "g", "query": [1.0, 0.0]}),
    ("facet", ops.FACET, {"key": "g"}),
    ("search_matrix_pairs", ops.SEARCH_MATRIX_PAIRS, {}),
    ("search_matrix_offsets", ops.SEARCH_MATRIX_OFFSETS, {}),
]


def _answer(call: Call) -> Any:
    return UpdateResult(1, "completed") if not call.operation.read else None


@pytest.mark.parametrize(("method", "spec", "kwargs"), CALLS, ids=[c[0] for c in CALLS])
async def test_every_method_carries_the_selector_on_both_protocols(
    method: str, spec: Any, kwargs: dict[str, Any]
) -> None:
    rest, grpc = MockTransport(_answer, "rest"), MockTransport(_answer, "grpc")
    client = qdpool.Client(Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc})
    async with client:
        for given, sent in SHAPES:
            for protocol in ("rest", "grpc"):
                name = "docs"
                await getattr(client, method)(
                    name, **kwargs, shard_key_selector=given, protocol=protocol
                )
            rest_call, grpc_call = rest.calls[-1], grpc.calls[-1]
            assert rest_call.operation is spec and grpc_call.operation is spec
            assert rest_call.body[shard_keys.FIELD] == sent == grpc_call.body[shard_keys.FIELD]
            assert spec.grpc is not None
            message = encode_request(grpc_call)
            assert message.HasField("shard_key_selector")
            received = spec.grpc.request.FromString(message.SerializeToString())
            collection, body, _ = spec.grpc.to_rest(received)
            assert collection == name and body[shard_keys.FIELD] == sent
            without = {k: v for k, v in body.items() if k != shard_keys.FIELD}
            plain = encode_request(grpc_call.part(without, None))
            assert not plain.HasField("shard_key_selector")
            assert spec.grpc.to_rest(plain)[1] == without
        await getattr(client, method)("docs", **kwargs, protocol="rest")
        assert shard_keys.FIELD not in rest.calls[-1].body


def test_a_preserialized_request_gets_the_selector_appended() -> None:
    """The bulk upsert's encoder may return bytes; the selector is appended as a field."""
    from qdpool._proto import points_pb2 as pts

    def encode(call: Call) -> bytes:
        return pts.UpsertPoints(collection_name=str(call.collection)).SerializeToString()

    encoder = shard_keys.encoding(encode, pts.UpsertPoints)
    call = Call(
        ops.UPSERT, "docs", "grpc", {"points": [], "shard_key": [1, "b"]}, None, 0.0, Endpoint("h")
    )
    data = encoder(call)
    assert isinstance(data, bytes)
    message = pts.UpsertPoints.FromString(data)
    assert message.collection_name == "docs"
    assert shard_keys.to_json(message.shard_key_selector) == [1, "b"]


@pytest.mark.parametrize(
    "bad",
    ["", -1, 2**64, True, 1.5, [], ["a", ""], {"target": "a"}, {"target": "a", "x": 1}, None],
)
def test_bad_selectors_are_refused(bad: Any) -> None:
    if bad is None:
        assert shard_keys.with_selector({"a": 1}, None) == {"a": 1}
        return
    with pytest.raises(InvalidInput, match="shard_key_selector"):
        shard_keys.selector(bad)


async def test_batches_carry_a_selector_per_operation_and_per_query() -> None:
    rest, grpc = MockTransport(lambda c: [], "rest"), MockTransport(lambda c: [], "grpc")
    client = qdpool.Client(Endpoint("127.0.0.1"), transports={"rest": rest, "grpc": grpc})
    point = {"id": 1, "vector": [1.0, 0.0]}
    async with client:
        for protocol in ("rest", "grpc"):
            await client.batch_update_points(
                "docs",
                [
                    {"upsert": {"points": [point], "shard_key": "a"}},
                    qm.SetPayloadOperation(
                        set_payload=qm.SetPayload(payload={"x": 1}, points=[1], shard_key=[2, "b"])
                    ),
                    {"delete": {"points": [1]}},
                ],
                protocol=protocol,
            )
            await client.query_batch_points(
                "docs",
                [
                    {"query": [1.0, 0.0], "shard_key": {"target": "a", "fallback": "b"}},
                    {"query": [0.0, 1.0]},
                ],
                protocol=protocol,
            )
    for spec, calls, keys in (
        (ops.BATCH_UPDATE_POINTS, [rest.calls[0], grpc.calls[0]], ["a", [2, "b"], None]),
        (
            ops.QUERY_BATCH_POINTS,
            [rest.calls[1], grpc.calls[1]],
            [{"target": "a", "fallback": "b"}, None],
        ),
    ):
        listed = "operations" if spec is ops.BATCH_UPDATE_POINTS else "searches"
        for call in calls:
            items = [
                next(iter(i.values())) if listed == "operations" else i for i in call.body[listed]
            ]
            assert [i.get(shard_keys.FIELD) for i in items] == keys
        message = spec.grpc.encode(calls[1])
        received = spec.grpc.request.FromString(message.SerializeToString())
        _, body, _ = spec.grpc.to_rest(received)
        items = [next(iter(i.values())) if listed == "operations" else i for i in body[listed]]
        assert [i.get(shard_keys.FIELD) for i in items] == keys


def test_shard_key_requests_round_trip_over_grpc() -> None:
    from qdpool.operations import shard_keys as sko

    create = sko.create_request(
        "acme", shards_number=2, replication_factor=3, placement=[7, 8], initial_state="Partial"
    )
    assert create == {
        "shard_key": "acme",
        "shards_number": 2,
        "replication_factor": 3,
        "placement": [7, 8],
        "initial_state": "Partial",
    }
    for spec, body in (
        (ops.CREATE_SHARD_KEY, create),
        (
            ops.CREATE_SHARD_KEY,
            sko.create_request(
                9, shards_number=None, replication_factor=None, placement=None, initial_state=None
            ),
        ),
        (ops.DELETE_SHARD_KEY, sko.delete_request("acme")),
        (ops.DELETE_SHARD_KEY, sko.delete_request(4)),
    ):
        assert spec.grpc is not None
        call = Call(spec, "docs", "grpc", body, None, 0.0, Endpoint("h"))
        message = spec.grpc.request.FromString(spec.grpc.encode(call).SerializeToString())
        assert spec.grpc.to_rest(message)[:2] == ("docs", body)
    for bad in ([1, 2], {"target": "a", "fallback": "b"}, ""):
        with pytest.raises(InvalidInput, match="shard_key"):
            sko.delete_request(bad)
    with pytest.raises(InvalidInput, match="initial_state"):
        sko.create_request(
            "a", shards_number=None, replication_factor=None, placement=None, initial_state="Up"
        )
    listed = {"shard_keys": [{"key": "a"}, {"key": 3}]}
    assert ops.LIST_SHARD_KEYS.decode_rest(listed) == ["a", 3]
    assert ops.LIST_SHARD_KEYS.decode_rest({"shard_keys": None}) is None
    assert ops.LIST_SHARD_KEYS.grpc is not None
    reply = ops.LIST_SHARD_KEYS.grpc.from_rest(listed, 0.0)
    assert ops.LIST_SHARD_KEYS.grpc.decode(reply) == ["a", 3]
    assert (
        ops.LIST_SHARD_KEYS.grpc.decode(
            ops.LIST_SHARD_KEYS.grpc.from_rest({"shard_keys": None}, 0.0)
        )
        is None
    )


def test_every_spec_whose_request_has_the_field_carries_it_without_its_codec_knowing() -> None:
    seen: list[Any] = []

    def encode(call: Call) -> Any:
        seen.append(dict(call.body))
        return _pts.CountPoints(collection_name=call.collection, exact=call.body["exact"])

    def to_rest(message: Any) -> Any:
        shard_keys_set = message.HasField("shard_key_selector")
        return message.collection_name, {"exact": message.exact, "seen": shard_keys_set}, {}

    bare = GrpcCodec(_pts.CountPoints, _pts.CountResponse, encode, int, to_rest, _never)
    spec: Operation[int] = Operation(
        "count_by_test", "POST", "/c/{collection}", "/qdrant.Points/Count", True, True, int, bare
    )
    assert spec.grpc is not None and spec.grpc is not bare
    assert shard_keys.codec(spec.grpc) is spec.grpc  # wrapping twice changes nothing
    call = Call(spec, "docs", "grpc", {"exact": True, "shard_key": "a"}, None, 0.0, Endpoint("h"))
    message = _pts.CountPoints.FromString(spec.grpc.encode(call).SerializeToString())
    assert seen == [{"exact": True}]
    assert [k.keyword for k in message.shard_key_selector.shard_keys] == ["a"]
    # The server's converter gets the message without the field, and the body gets it back.
    assert spec.grpc.to_rest(message) == (
        "docs",
        {"exact": True, "seen": False, "shard_key": "a"},
        {},
    )
    for real in ops.ALL:
        request = real.grpc.request if real.grpc is not None else None
        if request is not None and "shard_key_selector" in request.DESCRIPTOR.fields_by_name:
            assert real.grpc is not None and shard_keys.codec(real.grpc) is real.grpc, real.name
    # A request without the field (a payload index write) is left as it is.
    plain = GrpcCodec(_pts.CreateFieldIndexCollection, None, encode, int, to_rest, _never)
    assert "shard_key_selector" not in _pts.CreateFieldIndexCollection.DESCRIPTOR.fields_by_name
    assert shard_keys.codec(plain) is plain


def _never(result: Any, elapsed: float) -> Any:
    raise AssertionError("not a server test")
