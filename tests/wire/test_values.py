"""``qdpool.wire.values``: a dense vector given as a list is packed by ``struct``.

The judge is protobuf's own ``data.extend``: the same floats for every list it takes
(ints, bools, numpy scalars, values past float32's range, which it makes infinite), and
the same refusal for what it refuses.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import numpy as np
import pytest

from qdpool._proto import points_pb2
from qdpool.errors import InvalidInput
from qdpool.wire.values import _fill_dense


def _extended(vector: list[Any]) -> list[float]:
    out = points_pb2.DenseVector()
    out.data.extend(vector)
    return list(out.data)


@pytest.mark.parametrize(
    "vector",
    [
        [0.1234] * 384,
        [],
        [1, True, False, -0.0, 2**70, 3.4028235e38],
        [np.float32(0.5), np.float64(0.1), np.int64(3), Decimal("0.25")],
        [0.5, 1e300, -1e39],  # past float32's range: protobuf makes them +-inf
        [float("nan"), float("inf")],
    ],
    ids=["384-d", "empty", "ints-and-bools", "numpy-scalars", "overflow", "nan-inf"],
)
def test_a_list_encodes_as_protobuf_extends_it(vector: list[Any]) -> None:
    out = points_pb2.DenseVector()
    _fill_dense(out, vector, "v")
    assert str(list(out.data)) == str(_extended(vector))  # str: nan == nan
    assert points_pb2.DenseVector.FromString(out.SerializeToString()) == out


@pytest.mark.parametrize("vector", [[0.5, "x"], [None], [object()]])
def test_a_list_protobuf_refuses_is_refused(vector: list[Any]) -> None:
    with pytest.raises(InvalidInput, match="a dense vector must be a list of numbers") as info:
        _fill_dense(points_pb2.DenseVector(), vector, "query")
    assert info.value.field == "query"


def test_numpy_arrays_and_tuples_still_encode() -> None:
    array = np.arange(5, dtype=np.float32) / 3
    for vector in (array, tuple(array.tolist())):
        out = points_pb2.DenseVector()
        _fill_dense(out, vector, "v")
        assert list(out.data) == _extended(array.tolist())
