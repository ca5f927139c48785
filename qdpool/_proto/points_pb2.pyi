import datetime

from google.protobuf import timestamp_pb2 as _timestamp_pb2
from qdpool._proto import collections_pb2 as _collections_pb2
from qdpool._proto import common_pb2 as _common_pb2
from qdpool._proto import json_with_int_pb2 as _json_with_int_pb2
from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class WriteOrderingType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Weak: _ClassVar[WriteOrderingType]
    Medium: _ClassVar[WriteOrderingType]
    Strong: _ClassVar[WriteOrderingType]

class ReadConsistencyType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    All: _ClassVar[ReadConsistencyType]
    Majority: _ClassVar[ReadConsistencyType]
    Quorum: _ClassVar[ReadConsistencyType]

class UpdateMode(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Upsert: _ClassVar[UpdateMode]
    InsertOnly: _ClassVar[UpdateMode]
    UpdateOnly: _ClassVar[UpdateMode]

class FieldType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    FieldTypeKeyword: _ClassVar[FieldType]
    FieldTypeInteger: _ClassVar[FieldType]
    FieldTypeFloat: _ClassVar[FieldType]
    FieldTypeGeo: _ClassVar[FieldType]
    FieldTypeText: _ClassVar[FieldType]
    FieldTypeBool: _ClassVar[FieldType]
    FieldTypeDatetime: _ClassVar[FieldType]
    FieldTypeUuid: _ClassVar[FieldType]

class Direction(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Asc: _ClassVar[Direction]
    Desc: _ClassVar[Direction]

class RecommendStrategy(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    AverageVector: _ClassVar[RecommendStrategy]
    BestScore: _ClassVar[RecommendStrategy]
    SumScores: _ClassVar[RecommendStrategy]

class Fusion(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    RRF: _ClassVar[Fusion]
    DBSF: _ClassVar[Fusion]

class Sample(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    Random: _ClassVar[Sample]

class UpdateStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownUpdateStatus: _ClassVar[UpdateStatus]
    Acknowledged: _ClassVar[UpdateStatus]
    Completed: _ClassVar[UpdateStatus]
    ClockRejected: _ClassVar[UpdateStatus]
    WaitTimeout: _ClassVar[UpdateStatus]
Weak: WriteOrderingType
Medium: WriteOrderingType
Strong: WriteOrderingType
All: ReadConsistencyType
Majority: ReadConsistencyType
Quorum: ReadConsistencyType
Upsert: UpdateMode
InsertOnly: UpdateMode
UpdateOnly: UpdateMode
FieldTypeKeyword: FieldType
FieldTypeInteger: FieldType
FieldTypeFloat: FieldType
FieldTypeGeo: FieldType
FieldTypeText: FieldType
FieldTypeBool: FieldType
FieldTypeDatetime: FieldType
FieldTypeUuid: FieldType
Asc: Direction
Desc: Direction
AverageVector: RecommendStrategy
BestScore: RecommendStrategy
SumScores: RecommendStrategy
RRF: Fusion
DBSF: Fusion
Random: Sample
UnknownUpdateStatus: UpdateStatus
Acknowledged: UpdateStatus
Completed: UpdateStatus
ClockRejected: UpdateStatus
WaitTimeout: UpdateStatus

class WriteOrdering(_message.Message):
    __slots__ = ("type",)
    TYPE_FIELD_NUMBER: _ClassVar[int]
    type: WriteOrderingType
    def __init__(self, type: _Optional[_Union[WriteOrderingType, str]] = ...) -> None: ...

class ReadConsistency(_message.Message):
    __slots__ = ("type", "factor")
    TYPE_FIELD_NUMBER: _ClassVar[int]
    FACTOR_FIELD_NUMBER: _ClassVar[int]
    type: ReadConsistencyType
    factor: int
    def __init__(self, type: _Optional[_Union[ReadConsistencyType, str]] = ..., factor: _Optional[int] = ...) -> None: ...

class ShardKeySelector(_message.Message):
    __slots__ = ("shard_keys", "fallback")
    SHARD_KEYS_FIELD_NUMBER: _ClassVar[int]
    FALLBACK_FIELD_NUMBER: _ClassVar[int]
    shard_keys: _containers.RepeatedCompositeFieldContainer[_collections_pb2.ShardKey]
    fallback: _collections_pb2.ShardKey
    def __init__(self, shard_keys: _Optional[_Iterable[_Union[_collections_pb2.ShardKey, _Mapping]]] = ..., fallback: _Optional[_Union[_collections_pb2.ShardKey, _Mapping]] = ...) -> None: ...

class DenseVector(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, data: _Optional[_Iterable[float]] = ...) -> None: ...

class SparseVector(_message.Message):
    __slots__ = ("values", "indices")
    VALUES_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    values: _containers.RepeatedScalarFieldContainer[float]
    indices: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, values: _Optional[_Iterable[float]] = ..., indices: _Optional[_Iterable[int]] = ...) -> None: ...

class MultiDenseVector(_message.Message):
    __slots__ = ("vectors",)
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    vectors: _containers.RepeatedCompositeFieldContainer[DenseVector]
    def __init__(self, vectors: _Optional[_Iterable[_Union[DenseVector, _Mapping]]] = ...) -> None: ...

class SparseIndices(_message.Message):
    __slots__ = ("data",)
    DATA_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedScalarFieldContainer[int]
    def __init__(self, data: _Optional[_Iterable[int]] = ...) -> None: ...

class Document(_message.Message):
    __slots__ = ("text", "model", "options")
    class OptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    TEXT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    text: str
    model: str
    options: _containers.MessageMap[str, _json_with_int_pb2.Value]
    def __init__(self, text: _Optional[str] = ..., model: _Optional[str] = ..., options: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ...) -> None: ...

class Image(_message.Message):
    __slots__ = ("image", "model", "options")
    class OptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    image: _json_with_int_pb2.Value
    model: str
    options: _containers.MessageMap[str, _json_with_int_pb2.Value]
    def __init__(self, image: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ..., model: _Optional[str] = ..., options: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ...) -> None: ...

class InferenceObject(_message.Message):
    __slots__ = ("object", "model", "options")
    class OptionsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    MODEL_FIELD_NUMBER: _ClassVar[int]
    OPTIONS_FIELD_NUMBER: _ClassVar[int]
    object: _json_with_int_pb2.Value
    model: str
    options: _containers.MessageMap[str, _json_with_int_pb2.Value]
    def __init__(self, object: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ..., model: _Optional[str] = ..., options: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ...) -> None: ...

class Vector(_message.Message):
    __slots__ = ("data", "indices", "vectors_count", "dense", "sparse", "multi_dense", "document", "image", "object")
    DATA_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    VECTORS_COUNT_FIELD_NUMBER: _ClassVar[int]
    DENSE_FIELD_NUMBER: _ClassVar[int]
    SPARSE_FIELD_NUMBER: _ClassVar[int]
    MULTI_DENSE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedScalarFieldContainer[float]
    indices: SparseIndices
    vectors_count: int
    dense: DenseVector
    sparse: SparseVector
    multi_dense: MultiDenseVector
    document: Document
    image: Image
    object: InferenceObject
    def __init__(self, data: _Optional[_Iterable[float]] = ..., indices: _Optional[_Union[SparseIndices, _Mapping]] = ..., vectors_count: _Optional[int] = ..., dense: _Optional[_Union[DenseVector, _Mapping]] = ..., sparse: _Optional[_Union[SparseVector, _Mapping]] = ..., multi_dense: _Optional[_Union[MultiDenseVector, _Mapping]] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., object: _Optional[_Union[InferenceObject, _Mapping]] = ...) -> None: ...

class VectorOutput(_message.Message):
    __slots__ = ("data", "indices", "vectors_count", "dense", "sparse", "multi_dense")
    DATA_FIELD_NUMBER: _ClassVar[int]
    INDICES_FIELD_NUMBER: _ClassVar[int]
    VECTORS_COUNT_FIELD_NUMBER: _ClassVar[int]
    DENSE_FIELD_NUMBER: _ClassVar[int]
    SPARSE_FIELD_NUMBER: _ClassVar[int]
    MULTI_DENSE_FIELD_NUMBER: _ClassVar[int]
    data: _containers.RepeatedScalarFieldContainer[float]
    indices: SparseIndices
    vectors_count: int
    dense: DenseVector
    sparse: SparseVector
    multi_dense: MultiDenseVector
    def __init__(self, data: _Optional[_Iterable[float]] = ..., indices: _Optional[_Union[SparseIndices, _Mapping]] = ..., vectors_count: _Optional[int] = ..., dense: _Optional[_Union[DenseVector, _Mapping]] = ..., sparse: _Optional[_Union[SparseVector, _Mapping]] = ..., multi_dense: _Optional[_Union[MultiDenseVector, _Mapping]] = ...) -> None: ...

class NamedVectors(_message.Message):
    __slots__ = ("vectors",)
    class VectorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: Vector
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[Vector, _Mapping]] = ...) -> None: ...
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    vectors: _containers.MessageMap[str, Vector]
    def __init__(self, vectors: _Optional[_Mapping[str, Vector]] = ...) -> None: ...

class NamedVectorsOutput(_message.Message):
    __slots__ = ("vectors",)
    class VectorsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: VectorOutput
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[VectorOutput, _Mapping]] = ...) -> None: ...
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    vectors: _containers.MessageMap[str, VectorOutput]
    def __init__(self, vectors: _Optional[_Mapping[str, VectorOutput]] = ...) -> None: ...

class Vectors(_message.Message):
    __slots__ = ("vector", "vectors")
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    vector: Vector
    vectors: NamedVectors
    def __init__(self, vector: _Optional[_Union[Vector, _Mapping]] = ..., vectors: _Optional[_Union[NamedVectors, _Mapping]] = ...) -> None: ...

class VectorsOutput(_message.Message):
    __slots__ = ("vector", "vectors")
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    vector: VectorOutput
    vectors: NamedVectorsOutput
    def __init__(self, vector: _Optional[_Union[VectorOutput, _Mapping]] = ..., vectors: _Optional[_Union[NamedVectorsOutput, _Mapping]] = ...) -> None: ...

class VectorInput(_message.Message):
    __slots__ = ("id", "dense", "sparse", "multi_dense", "document", "image", "object")
    ID_FIELD_NUMBER: _ClassVar[int]
    DENSE_FIELD_NUMBER: _ClassVar[int]
    SPARSE_FIELD_NUMBER: _ClassVar[int]
    MULTI_DENSE_FIELD_NUMBER: _ClassVar[int]
    DOCUMENT_FIELD_NUMBER: _ClassVar[int]
    IMAGE_FIELD_NUMBER: _ClassVar[int]
    OBJECT_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    dense: DenseVector
    sparse: SparseVector
    multi_dense: MultiDenseVector
    document: Document
    image: Image
    object: InferenceObject
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., dense: _Optional[_Union[DenseVector, _Mapping]] = ..., sparse: _Optional[_Union[SparseVector, _Mapping]] = ..., multi_dense: _Optional[_Union[MultiDenseVector, _Mapping]] = ..., document: _Optional[_Union[Document, _Mapping]] = ..., image: _Optional[_Union[Image, _Mapping]] = ..., object: _Optional[_Union[InferenceObject, _Mapping]] = ...) -> None: ...

class PointStruct(_message.Message):
    __slots__ = ("id", "payload", "vectors")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
    vectors: Vectors
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., vectors: _Optional[_Union[Vectors, _Mapping]] = ...) -> None: ...

class PointVectors(_message.Message):
    __slots__ = ("id", "vectors")
    ID_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    vectors: Vectors
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., vectors: _Optional[_Union[Vectors, _Mapping]] = ...) -> None: ...

class PointsIdsList(_message.Message):
    __slots__ = ("ids",)
    IDS_FIELD_NUMBER: _ClassVar[int]
    ids: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    def __init__(self, ids: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ...) -> None: ...

class PointsSelector(_message.Message):
    __slots__ = ("points", "filter")
    POINTS_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    points: PointsIdsList
    filter: _common_pb2.Filter
    def __init__(self, points: _Optional[_Union[PointsIdsList, _Mapping]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ...) -> None: ...

class PayloadIncludeSelector(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, fields: _Optional[_Iterable[str]] = ...) -> None: ...

class PayloadExcludeSelector(_message.Message):
    __slots__ = ("fields",)
    FIELDS_FIELD_NUMBER: _ClassVar[int]
    fields: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, fields: _Optional[_Iterable[str]] = ...) -> None: ...

class WithPayloadSelector(_message.Message):
    __slots__ = ("enable", "include", "exclude")
    ENABLE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    EXCLUDE_FIELD_NUMBER: _ClassVar[int]
    enable: bool
    include: PayloadIncludeSelector
    exclude: PayloadExcludeSelector
    def __init__(self, enable: _Optional[bool] = ..., include: _Optional[_Union[PayloadIncludeSelector, _Mapping]] = ..., exclude: _Optional[_Union[PayloadExcludeSelector, _Mapping]] = ...) -> None: ...

class VectorsSelector(_message.Message):
    __slots__ = ("names",)
    NAMES_FIELD_NUMBER: _ClassVar[int]
    names: _containers.RepeatedScalarFieldContainer[str]
    def __init__(self, names: _Optional[_Iterable[str]] = ...) -> None: ...

class WithVectorsSelector(_message.Message):
    __slots__ = ("enable", "include")
    ENABLE_FIELD_NUMBER: _ClassVar[int]
    INCLUDE_FIELD_NUMBER: _ClassVar[int]
    enable: bool
    include: VectorsSelector
    def __init__(self, enable: _Optional[bool] = ..., include: _Optional[_Union[VectorsSelector, _Mapping]] = ...) -> None: ...

class UpsertPoints(_message.Message):
    __slots__ = ("collection_name", "wait", "points", "ordering", "shard_key_selector", "update_filter", "timeout", "update_mode")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FILTER_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    UPDATE_MODE_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    points: _containers.RepeatedCompositeFieldContainer[PointStruct]
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    update_filter: _common_pb2.Filter
    timeout: int
    update_mode: UpdateMode
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., points: _Optional[_Iterable[_Union[PointStruct, _Mapping]]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., update_filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., timeout: _Optional[int] = ..., update_mode: _Optional[_Union[UpdateMode, str]] = ...) -> None: ...

class DeletePoints(_message.Message):
    __slots__ = ("collection_name", "wait", "points", "ordering", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    points: PointsSelector
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., points: _Optional[_Union[PointsSelector, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class UpdatePointVectors(_message.Message):
    __slots__ = ("collection_name", "wait", "points", "ordering", "shard_key_selector", "update_filter", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    UPDATE_FILTER_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    points: _containers.RepeatedCompositeFieldContainer[PointVectors]
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    update_filter: _common_pb2.Filter
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., points: _Optional[_Iterable[_Union[PointVectors, _Mapping]]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., update_filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class DeletePointVectors(_message.Message):
    __slots__ = ("collection_name", "wait", "points_selector", "vectors", "ordering", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    points_selector: PointsSelector
    vectors: VectorsSelector
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., vectors: _Optional[_Union[VectorsSelector, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class SetPayloadPoints(_message.Message):
    __slots__ = ("collection_name", "wait", "payload", "points_selector", "ordering", "shard_key_selector", "key", "timeout")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
    points_selector: PointsSelector
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    key: str
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., key: _Optional[str] = ..., timeout: _Optional[int] = ...) -> None: ...

class DeletePayloadPoints(_message.Message):
    __slots__ = ("collection_name", "wait", "keys", "points_selector", "ordering", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    KEYS_FIELD_NUMBER: _ClassVar[int]
    POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    keys: _containers.RepeatedScalarFieldContainer[str]
    points_selector: PointsSelector
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., keys: _Optional[_Iterable[str]] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class ClearPayloadPoints(_message.Message):
    __slots__ = ("collection_name", "wait", "points", "ordering", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    points: PointsSelector
    ordering: WriteOrdering
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., points: _Optional[_Union[PointsSelector, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class UpdateBatchPoints(_message.Message):
    __slots__ = ("collection_name", "wait", "operations", "ordering", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    OPERATIONS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    operations: _containers.RepeatedCompositeFieldContainer[PointsUpdateOperation]
    ordering: WriteOrdering
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., operations: _Optional[_Iterable[_Union[PointsUpdateOperation, _Mapping]]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class PointsUpdateOperation(_message.Message):
    __slots__ = ("upsert", "delete_deprecated", "set_payload", "overwrite_payload", "delete_payload", "clear_payload_deprecated", "update_vectors", "delete_vectors", "delete_points", "clear_payload")
    class PointStructList(_message.Message):
        __slots__ = ("points", "shard_key_selector", "update_filter", "update_mode")
        POINTS_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        UPDATE_FILTER_FIELD_NUMBER: _ClassVar[int]
        UPDATE_MODE_FIELD_NUMBER: _ClassVar[int]
        points: _containers.RepeatedCompositeFieldContainer[PointStruct]
        shard_key_selector: ShardKeySelector
        update_filter: _common_pb2.Filter
        update_mode: UpdateMode
        def __init__(self, points: _Optional[_Iterable[_Union[PointStruct, _Mapping]]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., update_filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., update_mode: _Optional[_Union[UpdateMode, str]] = ...) -> None: ...
    class SetPayload(_message.Message):
        __slots__ = ("payload", "points_selector", "shard_key_selector", "key")
        class PayloadEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: _json_with_int_pb2.Value
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        KEY_FIELD_NUMBER: _ClassVar[int]
        payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
        points_selector: PointsSelector
        shard_key_selector: ShardKeySelector
        key: str
        def __init__(self, payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...
    class OverwritePayload(_message.Message):
        __slots__ = ("payload", "points_selector", "shard_key_selector", "key")
        class PayloadEntry(_message.Message):
            __slots__ = ("key", "value")
            KEY_FIELD_NUMBER: _ClassVar[int]
            VALUE_FIELD_NUMBER: _ClassVar[int]
            key: str
            value: _json_with_int_pb2.Value
            def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
        PAYLOAD_FIELD_NUMBER: _ClassVar[int]
        POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        KEY_FIELD_NUMBER: _ClassVar[int]
        payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
        points_selector: PointsSelector
        shard_key_selector: ShardKeySelector
        key: str
        def __init__(self, payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., key: _Optional[str] = ...) -> None: ...
    class DeletePayload(_message.Message):
        __slots__ = ("keys", "points_selector", "shard_key_selector")
        KEYS_FIELD_NUMBER: _ClassVar[int]
        POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        keys: _containers.RepeatedScalarFieldContainer[str]
        points_selector: PointsSelector
        shard_key_selector: ShardKeySelector
        def __init__(self, keys: _Optional[_Iterable[str]] = ..., points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...
    class UpdateVectors(_message.Message):
        __slots__ = ("points", "shard_key_selector", "update_filter")
        POINTS_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        UPDATE_FILTER_FIELD_NUMBER: _ClassVar[int]
        points: _containers.RepeatedCompositeFieldContainer[PointVectors]
        shard_key_selector: ShardKeySelector
        update_filter: _common_pb2.Filter
        def __init__(self, points: _Optional[_Iterable[_Union[PointVectors, _Mapping]]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., update_filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ...) -> None: ...
    class DeleteVectors(_message.Message):
        __slots__ = ("points_selector", "vectors", "shard_key_selector")
        POINTS_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        VECTORS_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        points_selector: PointsSelector
        vectors: VectorsSelector
        shard_key_selector: ShardKeySelector
        def __init__(self, points_selector: _Optional[_Union[PointsSelector, _Mapping]] = ..., vectors: _Optional[_Union[VectorsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...
    class DeletePoints(_message.Message):
        __slots__ = ("points", "shard_key_selector")
        POINTS_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        points: PointsSelector
        shard_key_selector: ShardKeySelector
        def __init__(self, points: _Optional[_Union[PointsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...
    class ClearPayload(_message.Message):
        __slots__ = ("points", "shard_key_selector")
        POINTS_FIELD_NUMBER: _ClassVar[int]
        SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
        points: PointsSelector
        shard_key_selector: ShardKeySelector
        def __init__(self, points: _Optional[_Union[PointsSelector, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...
    UPSERT_FIELD_NUMBER: _ClassVar[int]
    DELETE_DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    SET_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    OVERWRITE_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    DELETE_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    CLEAR_PAYLOAD_DEPRECATED_FIELD_NUMBER: _ClassVar[int]
    UPDATE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    DELETE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    DELETE_POINTS_FIELD_NUMBER: _ClassVar[int]
    CLEAR_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    upsert: PointsUpdateOperation.PointStructList
    delete_deprecated: PointsSelector
    set_payload: PointsUpdateOperation.SetPayload
    overwrite_payload: PointsUpdateOperation.OverwritePayload
    delete_payload: PointsUpdateOperation.DeletePayload
    clear_payload_deprecated: PointsSelector
    update_vectors: PointsUpdateOperation.UpdateVectors
    delete_vectors: PointsUpdateOperation.DeleteVectors
    delete_points: PointsUpdateOperation.DeletePoints
    clear_payload: PointsUpdateOperation.ClearPayload
    def __init__(self, upsert: _Optional[_Union[PointsUpdateOperation.PointStructList, _Mapping]] = ..., delete_deprecated: _Optional[_Union[PointsSelector, _Mapping]] = ..., set_payload: _Optional[_Union[PointsUpdateOperation.SetPayload, _Mapping]] = ..., overwrite_payload: _Optional[_Union[PointsUpdateOperation.OverwritePayload, _Mapping]] = ..., delete_payload: _Optional[_Union[PointsUpdateOperation.DeletePayload, _Mapping]] = ..., clear_payload_deprecated: _Optional[_Union[PointsSelector, _Mapping]] = ..., update_vectors: _Optional[_Union[PointsUpdateOperation.UpdateVectors, _Mapping]] = ..., delete_vectors: _Optional[_Union[PointsUpdateOperation.DeleteVectors, _Mapping]] = ..., delete_points: _Optional[_Union[PointsUpdateOperation.DeletePoints, _Mapping]] = ..., clear_payload: _Optional[_Union[PointsUpdateOperation.ClearPayload, _Mapping]] = ...) -> None: ...

class CreateFieldIndexCollection(_message.Message):
    __slots__ = ("collection_name", "wait", "field_name", "field_type", "field_index_params", "ordering", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    FIELD_NAME_FIELD_NUMBER: _ClassVar[int]
    FIELD_TYPE_FIELD_NUMBER: _ClassVar[int]
    FIELD_INDEX_PARAMS_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    field_name: str
    field_type: FieldType
    field_index_params: _collections_pb2.PayloadIndexParams
    ordering: WriteOrdering
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., field_name: _Optional[str] = ..., field_type: _Optional[_Union[FieldType, str]] = ..., field_index_params: _Optional[_Union[_collections_pb2.PayloadIndexParams, _Mapping]] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class DeleteFieldIndexCollection(_message.Message):
    __slots__ = ("collection_name", "wait", "field_name", "ordering", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    FIELD_NAME_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    field_name: str
    ordering: WriteOrdering
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., field_name: _Optional[str] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class DenseVectorCreationConfig(_message.Message):
    __slots__ = ("size", "distance", "multivector_config", "datatype")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    MULTIVECTOR_CONFIG_FIELD_NUMBER: _ClassVar[int]
    DATATYPE_FIELD_NUMBER: _ClassVar[int]
    size: int
    distance: _collections_pb2.Distance
    multivector_config: _collections_pb2.MultiVectorConfig
    datatype: _collections_pb2.Datatype
    def __init__(self, size: _Optional[int] = ..., distance: _Optional[_Union[_collections_pb2.Distance, str]] = ..., multivector_config: _Optional[_Union[_collections_pb2.MultiVectorConfig, _Mapping]] = ..., datatype: _Optional[_Union[_collections_pb2.Datatype, str]] = ...) -> None: ...

class SparseVectorCreationConfig(_message.Message):
    __slots__ = ("modifier", "datatype")
    MODIFIER_FIELD_NUMBER: _ClassVar[int]
    DATATYPE_FIELD_NUMBER: _ClassVar[int]
    modifier: _collections_pb2.Modifier
    datatype: _collections_pb2.Datatype
    def __init__(self, modifier: _Optional[_Union[_collections_pb2.Modifier, str]] = ..., datatype: _Optional[_Union[_collections_pb2.Datatype, str]] = ...) -> None: ...

class CreateVectorNameRequest(_message.Message):
    __slots__ = ("collection_name", "wait", "vector_name", "dense_config", "sparse_config", "timeout", "ordering")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    DENSE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    SPARSE_CONFIG_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    vector_name: str
    dense_config: DenseVectorCreationConfig
    sparse_config: SparseVectorCreationConfig
    timeout: int
    ordering: WriteOrdering
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., vector_name: _Optional[str] = ..., dense_config: _Optional[_Union[DenseVectorCreationConfig, _Mapping]] = ..., sparse_config: _Optional[_Union[SparseVectorCreationConfig, _Mapping]] = ..., timeout: _Optional[int] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ...) -> None: ...

class DeleteVectorNameRequest(_message.Message):
    __slots__ = ("collection_name", "wait", "vector_name", "timeout", "ordering")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    WAIT_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    ORDERING_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    wait: bool
    vector_name: str
    timeout: int
    ordering: WriteOrdering
    def __init__(self, collection_name: _Optional[str] = ..., wait: _Optional[bool] = ..., vector_name: _Optional[str] = ..., timeout: _Optional[int] = ..., ordering: _Optional[_Union[WriteOrdering, _Mapping]] = ...) -> None: ...

class GetPoints(_message.Message):
    __slots__ = ("collection_name", "ids", "with_payload", "with_vectors", "read_consistency", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    ids: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    with_payload: WithPayloadSelector
    with_vectors: WithVectorsSelector
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., ids: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class CountPoints(_message.Message):
    __slots__ = ("collection_name", "filter", "exact", "read_consistency", "shard_key_selector", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    filter: _common_pb2.Filter
    exact: bool
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., exact: _Optional[bool] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class StartFrom(_message.Message):
    __slots__ = ("float", "integer", "timestamp", "datetime")
    FLOAT_FIELD_NUMBER: _ClassVar[int]
    INTEGER_FIELD_NUMBER: _ClassVar[int]
    TIMESTAMP_FIELD_NUMBER: _ClassVar[int]
    DATETIME_FIELD_NUMBER: _ClassVar[int]
    float: float
    integer: int
    timestamp: _timestamp_pb2.Timestamp
    datetime: str
    def __init__(self, float: _Optional[float] = ..., integer: _Optional[int] = ..., timestamp: _Optional[_Union[datetime.datetime, _timestamp_pb2.Timestamp, _Mapping]] = ..., datetime: _Optional[str] = ...) -> None: ...

class OrderBy(_message.Message):
    __slots__ = ("key", "direction", "start_from")
    KEY_FIELD_NUMBER: _ClassVar[int]
    DIRECTION_FIELD_NUMBER: _ClassVar[int]
    START_FROM_FIELD_NUMBER: _ClassVar[int]
    key: str
    direction: Direction
    start_from: StartFrom
    def __init__(self, key: _Optional[str] = ..., direction: _Optional[_Union[Direction, str]] = ..., start_from: _Optional[_Union[StartFrom, _Mapping]] = ...) -> None: ...

class ScrollPoints(_message.Message):
    __slots__ = ("collection_name", "filter", "offset", "limit", "with_payload", "with_vectors", "read_consistency", "shard_key_selector", "order_by", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    filter: _common_pb2.Filter
    offset: _common_pb2.PointId
    limit: int
    with_payload: WithPayloadSelector
    with_vectors: WithVectorsSelector
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    order_by: OrderBy
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., offset: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., order_by: _Optional[_Union[OrderBy, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class FacetCounts(_message.Message):
    __slots__ = ("collection_name", "key", "filter", "limit", "exact", "timeout", "read_consistency", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    KEY_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    key: str
    filter: _common_pb2.Filter
    limit: int
    exact: bool
    timeout: int
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., key: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., exact: _Optional[bool] = ..., timeout: _Optional[int] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class FacetValue(_message.Message):
    __slots__ = ("string_value", "integer_value", "bool_value")
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    INTEGER_VALUE_FIELD_NUMBER: _ClassVar[int]
    BOOL_VALUE_FIELD_NUMBER: _ClassVar[int]
    string_value: str
    integer_value: int
    bool_value: bool
    def __init__(self, string_value: _Optional[str] = ..., integer_value: _Optional[int] = ..., bool_value: _Optional[bool] = ...) -> None: ...

class FacetHit(_message.Message):
    __slots__ = ("value", "count")
    VALUE_FIELD_NUMBER: _ClassVar[int]
    COUNT_FIELD_NUMBER: _ClassVar[int]
    value: FacetValue
    count: int
    def __init__(self, value: _Optional[_Union[FacetValue, _Mapping]] = ..., count: _Optional[int] = ...) -> None: ...

class QuantizationSearchParams(_message.Message):
    __slots__ = ("ignore", "rescore", "oversampling")
    IGNORE_FIELD_NUMBER: _ClassVar[int]
    RESCORE_FIELD_NUMBER: _ClassVar[int]
    OVERSAMPLING_FIELD_NUMBER: _ClassVar[int]
    ignore: bool
    rescore: bool
    oversampling: float
    def __init__(self, ignore: _Optional[bool] = ..., rescore: _Optional[bool] = ..., oversampling: _Optional[float] = ...) -> None: ...

class AcornSearchParams(_message.Message):
    __slots__ = ("enable", "max_selectivity")
    ENABLE_FIELD_NUMBER: _ClassVar[int]
    MAX_SELECTIVITY_FIELD_NUMBER: _ClassVar[int]
    enable: bool
    max_selectivity: float
    def __init__(self, enable: _Optional[bool] = ..., max_selectivity: _Optional[float] = ...) -> None: ...

class IdfParams(_message.Message):
    __slots__ = ("corpus",)
    CORPUS_FIELD_NUMBER: _ClassVar[int]
    corpus: _common_pb2.Filter
    def __init__(self, corpus: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ...) -> None: ...

class SearchParams(_message.Message):
    __slots__ = ("hnsw_ef", "exact", "quantization", "indexed_only", "acorn", "idf")
    HNSW_EF_FIELD_NUMBER: _ClassVar[int]
    EXACT_FIELD_NUMBER: _ClassVar[int]
    QUANTIZATION_FIELD_NUMBER: _ClassVar[int]
    INDEXED_ONLY_FIELD_NUMBER: _ClassVar[int]
    ACORN_FIELD_NUMBER: _ClassVar[int]
    IDF_FIELD_NUMBER: _ClassVar[int]
    hnsw_ef: int
    exact: bool
    quantization: QuantizationSearchParams
    indexed_only: bool
    acorn: AcornSearchParams
    idf: IdfParams
    def __init__(self, hnsw_ef: _Optional[int] = ..., exact: _Optional[bool] = ..., quantization: _Optional[_Union[QuantizationSearchParams, _Mapping]] = ..., indexed_only: _Optional[bool] = ..., acorn: _Optional[_Union[AcornSearchParams, _Mapping]] = ..., idf: _Optional[_Union[IdfParams, _Mapping]] = ...) -> None: ...

class LookupLocation(_message.Message):
    __slots__ = ("collection_name", "vector_name", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    vector_name: str
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., vector_name: _Optional[str] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class WithLookup(_message.Message):
    __slots__ = ("collection", "with_payload", "with_vectors")
    COLLECTION_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    collection: str
    with_payload: WithPayloadSelector
    with_vectors: WithVectorsSelector
    def __init__(self, collection: _Optional[str] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ...) -> None: ...

class SearchPoints(_message.Message):
    __slots__ = ("collection_name", "vector", "filter", "limit", "with_payload", "params", "score_threshold", "offset", "vector_name", "with_vectors", "read_consistency", "timeout", "shard_key_selector", "sparse_indices")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    SPARSE_INDICES_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    vector: _containers.RepeatedScalarFieldContainer[float]
    filter: _common_pb2.Filter
    limit: int
    with_payload: WithPayloadSelector
    params: SearchParams
    score_threshold: float
    offset: int
    vector_name: str
    with_vectors: WithVectorsSelector
    read_consistency: ReadConsistency
    timeout: int
    shard_key_selector: ShardKeySelector
    sparse_indices: SparseIndices
    def __init__(self, collection_name: _Optional[str] = ..., vector: _Optional[_Iterable[float]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., offset: _Optional[int] = ..., vector_name: _Optional[str] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., sparse_indices: _Optional[_Union[SparseIndices, _Mapping]] = ...) -> None: ...

class SearchBatchPoints(_message.Message):
    __slots__ = ("collection_name", "search_points", "read_consistency", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    SEARCH_POINTS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    search_points: _containers.RepeatedCompositeFieldContainer[SearchPoints]
    read_consistency: ReadConsistency
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., search_points: _Optional[_Iterable[_Union[SearchPoints, _Mapping]]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class SearchPointGroups(_message.Message):
    __slots__ = ("collection_name", "vector", "filter", "limit", "with_payload", "params", "score_threshold", "vector_name", "with_vectors", "group_by", "group_size", "read_consistency", "with_lookup", "timeout", "shard_key_selector", "sparse_indices")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    VECTOR_NAME_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    WITH_LOOKUP_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    SPARSE_INDICES_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    vector: _containers.RepeatedScalarFieldContainer[float]
    filter: _common_pb2.Filter
    limit: int
    with_payload: WithPayloadSelector
    params: SearchParams
    score_threshold: float
    vector_name: str
    with_vectors: WithVectorsSelector
    group_by: str
    group_size: int
    read_consistency: ReadConsistency
    with_lookup: WithLookup
    timeout: int
    shard_key_selector: ShardKeySelector
    sparse_indices: SparseIndices
    def __init__(self, collection_name: _Optional[str] = ..., vector: _Optional[_Iterable[float]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., vector_name: _Optional[str] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., group_by: _Optional[str] = ..., group_size: _Optional[int] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., with_lookup: _Optional[_Union[WithLookup, _Mapping]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., sparse_indices: _Optional[_Union[SparseIndices, _Mapping]] = ...) -> None: ...

class RecommendPoints(_message.Message):
    __slots__ = ("collection_name", "positive", "negative", "filter", "limit", "with_payload", "params", "score_threshold", "offset", "using", "with_vectors", "lookup_from", "read_consistency", "strategy", "positive_vectors", "negative_vectors", "timeout", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    positive: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    negative: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    filter: _common_pb2.Filter
    limit: int
    with_payload: WithPayloadSelector
    params: SearchParams
    score_threshold: float
    offset: int
    using: str
    with_vectors: WithVectorsSelector
    lookup_from: LookupLocation
    read_consistency: ReadConsistency
    strategy: RecommendStrategy
    positive_vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    negative_vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    timeout: int
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., positive: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ..., negative: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., offset: _Optional[int] = ..., using: _Optional[str] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., strategy: _Optional[_Union[RecommendStrategy, str]] = ..., positive_vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., negative_vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class RecommendBatchPoints(_message.Message):
    __slots__ = ("collection_name", "recommend_points", "read_consistency", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    RECOMMEND_POINTS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    recommend_points: _containers.RepeatedCompositeFieldContainer[RecommendPoints]
    read_consistency: ReadConsistency
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., recommend_points: _Optional[_Iterable[_Union[RecommendPoints, _Mapping]]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class RecommendPointGroups(_message.Message):
    __slots__ = ("collection_name", "positive", "negative", "filter", "limit", "with_payload", "params", "score_threshold", "using", "with_vectors", "lookup_from", "group_by", "group_size", "read_consistency", "with_lookup", "strategy", "positive_vectors", "negative_vectors", "timeout", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    WITH_LOOKUP_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    POSITIVE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_VECTORS_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    positive: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    negative: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    filter: _common_pb2.Filter
    limit: int
    with_payload: WithPayloadSelector
    params: SearchParams
    score_threshold: float
    using: str
    with_vectors: WithVectorsSelector
    lookup_from: LookupLocation
    group_by: str
    group_size: int
    read_consistency: ReadConsistency
    with_lookup: WithLookup
    strategy: RecommendStrategy
    positive_vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    negative_vectors: _containers.RepeatedCompositeFieldContainer[Vector]
    timeout: int
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., positive: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ..., negative: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., using: _Optional[str] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ..., group_by: _Optional[str] = ..., group_size: _Optional[int] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., with_lookup: _Optional[_Union[WithLookup, _Mapping]] = ..., strategy: _Optional[_Union[RecommendStrategy, str]] = ..., positive_vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., negative_vectors: _Optional[_Iterable[_Union[Vector, _Mapping]]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class VectorExample(_message.Message):
    __slots__ = ("id", "vector")
    ID_FIELD_NUMBER: _ClassVar[int]
    VECTOR_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    vector: Vector
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., vector: _Optional[_Union[Vector, _Mapping]] = ...) -> None: ...

class TargetVector(_message.Message):
    __slots__ = ("single",)
    SINGLE_FIELD_NUMBER: _ClassVar[int]
    single: VectorExample
    def __init__(self, single: _Optional[_Union[VectorExample, _Mapping]] = ...) -> None: ...

class ContextExamplePair(_message.Message):
    __slots__ = ("positive", "negative")
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    positive: VectorExample
    negative: VectorExample
    def __init__(self, positive: _Optional[_Union[VectorExample, _Mapping]] = ..., negative: _Optional[_Union[VectorExample, _Mapping]] = ...) -> None: ...

class DiscoverPoints(_message.Message):
    __slots__ = ("collection_name", "target", "context", "filter", "limit", "with_payload", "params", "offset", "using", "with_vectors", "lookup_from", "read_consistency", "timeout", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    target: TargetVector
    context: _containers.RepeatedCompositeFieldContainer[ContextExamplePair]
    filter: _common_pb2.Filter
    limit: int
    with_payload: WithPayloadSelector
    params: SearchParams
    offset: int
    using: str
    with_vectors: WithVectorsSelector
    lookup_from: LookupLocation
    read_consistency: ReadConsistency
    timeout: int
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., target: _Optional[_Union[TargetVector, _Mapping]] = ..., context: _Optional[_Iterable[_Union[ContextExamplePair, _Mapping]]] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., limit: _Optional[int] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., offset: _Optional[int] = ..., using: _Optional[str] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class DiscoverBatchPoints(_message.Message):
    __slots__ = ("collection_name", "discover_points", "read_consistency", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    DISCOVER_POINTS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    discover_points: _containers.RepeatedCompositeFieldContainer[DiscoverPoints]
    read_consistency: ReadConsistency
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., discover_points: _Optional[_Iterable[_Union[DiscoverPoints, _Mapping]]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class RecommendInput(_message.Message):
    __slots__ = ("positive", "negative", "strategy")
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    positive: _containers.RepeatedCompositeFieldContainer[VectorInput]
    negative: _containers.RepeatedCompositeFieldContainer[VectorInput]
    strategy: RecommendStrategy
    def __init__(self, positive: _Optional[_Iterable[_Union[VectorInput, _Mapping]]] = ..., negative: _Optional[_Iterable[_Union[VectorInput, _Mapping]]] = ..., strategy: _Optional[_Union[RecommendStrategy, str]] = ...) -> None: ...

class ContextInputPair(_message.Message):
    __slots__ = ("positive", "negative")
    POSITIVE_FIELD_NUMBER: _ClassVar[int]
    NEGATIVE_FIELD_NUMBER: _ClassVar[int]
    positive: VectorInput
    negative: VectorInput
    def __init__(self, positive: _Optional[_Union[VectorInput, _Mapping]] = ..., negative: _Optional[_Union[VectorInput, _Mapping]] = ...) -> None: ...

class ContextInput(_message.Message):
    __slots__ = ("pairs",)
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    pairs: _containers.RepeatedCompositeFieldContainer[ContextInputPair]
    def __init__(self, pairs: _Optional[_Iterable[_Union[ContextInputPair, _Mapping]]] = ...) -> None: ...

class DiscoverInput(_message.Message):
    __slots__ = ("target", "context")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    target: VectorInput
    context: ContextInput
    def __init__(self, target: _Optional[_Union[VectorInput, _Mapping]] = ..., context: _Optional[_Union[ContextInput, _Mapping]] = ...) -> None: ...

class RelevanceFeedbackInput(_message.Message):
    __slots__ = ("target", "feedback", "strategy")
    TARGET_FIELD_NUMBER: _ClassVar[int]
    FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    STRATEGY_FIELD_NUMBER: _ClassVar[int]
    target: VectorInput
    feedback: _containers.RepeatedCompositeFieldContainer[FeedbackItem]
    strategy: FeedbackStrategy
    def __init__(self, target: _Optional[_Union[VectorInput, _Mapping]] = ..., feedback: _Optional[_Iterable[_Union[FeedbackItem, _Mapping]]] = ..., strategy: _Optional[_Union[FeedbackStrategy, _Mapping]] = ...) -> None: ...

class FeedbackItem(_message.Message):
    __slots__ = ("example", "score")
    EXAMPLE_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    example: VectorInput
    score: float
    def __init__(self, example: _Optional[_Union[VectorInput, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class FeedbackStrategy(_message.Message):
    __slots__ = ("naive",)
    NAIVE_FIELD_NUMBER: _ClassVar[int]
    naive: NaiveFeedbackStrategy
    def __init__(self, naive: _Optional[_Union[NaiveFeedbackStrategy, _Mapping]] = ...) -> None: ...

class NaiveFeedbackStrategy(_message.Message):
    __slots__ = ("a", "b", "c")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    C_FIELD_NUMBER: _ClassVar[int]
    a: float
    b: float
    c: float
    def __init__(self, a: _Optional[float] = ..., b: _Optional[float] = ..., c: _Optional[float] = ...) -> None: ...

class NearestInputWithMmr(_message.Message):
    __slots__ = ("nearest", "mmr")
    NEAREST_FIELD_NUMBER: _ClassVar[int]
    MMR_FIELD_NUMBER: _ClassVar[int]
    nearest: VectorInput
    mmr: Mmr
    def __init__(self, nearest: _Optional[_Union[VectorInput, _Mapping]] = ..., mmr: _Optional[_Union[Mmr, _Mapping]] = ...) -> None: ...

class Mmr(_message.Message):
    __slots__ = ("diversity", "candidates_limit")
    DIVERSITY_FIELD_NUMBER: _ClassVar[int]
    CANDIDATES_LIMIT_FIELD_NUMBER: _ClassVar[int]
    diversity: float
    candidates_limit: int
    def __init__(self, diversity: _Optional[float] = ..., candidates_limit: _Optional[int] = ...) -> None: ...

class Rrf(_message.Message):
    __slots__ = ("k", "weights")
    K_FIELD_NUMBER: _ClassVar[int]
    WEIGHTS_FIELD_NUMBER: _ClassVar[int]
    k: int
    weights: _containers.RepeatedScalarFieldContainer[float]
    def __init__(self, k: _Optional[int] = ..., weights: _Optional[_Iterable[float]] = ...) -> None: ...

class TextQuery(_message.Message):
    __slots__ = ("query", "bm25")
    QUERY_FIELD_NUMBER: _ClassVar[int]
    BM25_FIELD_NUMBER: _ClassVar[int]
    query: str
    bm25: Bm25Params
    def __init__(self, query: _Optional[str] = ..., bm25: _Optional[_Union[Bm25Params, _Mapping]] = ...) -> None: ...

class Bm25Params(_message.Message):
    __slots__ = ("k", "b")
    K_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    k: float
    b: float
    def __init__(self, k: _Optional[float] = ..., b: _Optional[float] = ...) -> None: ...

class Formula(_message.Message):
    __slots__ = ("expression", "defaults")
    class DefaultsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    EXPRESSION_FIELD_NUMBER: _ClassVar[int]
    DEFAULTS_FIELD_NUMBER: _ClassVar[int]
    expression: Expression
    defaults: _containers.MessageMap[str, _json_with_int_pb2.Value]
    def __init__(self, expression: _Optional[_Union[Expression, _Mapping]] = ..., defaults: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ...) -> None: ...

class Expression(_message.Message):
    __slots__ = ("constant", "variable", "condition", "geo_distance", "datetime", "datetime_key", "mult", "sum", "div", "neg", "abs", "sqrt", "pow", "exp", "log10", "ln", "exp_decay", "gauss_decay", "lin_decay", "acosh", "max", "min")
    CONSTANT_FIELD_NUMBER: _ClassVar[int]
    VARIABLE_FIELD_NUMBER: _ClassVar[int]
    CONDITION_FIELD_NUMBER: _ClassVar[int]
    GEO_DISTANCE_FIELD_NUMBER: _ClassVar[int]
    DATETIME_FIELD_NUMBER: _ClassVar[int]
    DATETIME_KEY_FIELD_NUMBER: _ClassVar[int]
    MULT_FIELD_NUMBER: _ClassVar[int]
    SUM_FIELD_NUMBER: _ClassVar[int]
    DIV_FIELD_NUMBER: _ClassVar[int]
    NEG_FIELD_NUMBER: _ClassVar[int]
    ABS_FIELD_NUMBER: _ClassVar[int]
    SQRT_FIELD_NUMBER: _ClassVar[int]
    POW_FIELD_NUMBER: _ClassVar[int]
    EXP_FIELD_NUMBER: _ClassVar[int]
    LOG10_FIELD_NUMBER: _ClassVar[int]
    LN_FIELD_NUMBER: _ClassVar[int]
    EXP_DECAY_FIELD_NUMBER: _ClassVar[int]
    GAUSS_DECAY_FIELD_NUMBER: _ClassVar[int]
    LIN_DECAY_FIELD_NUMBER: _ClassVar[int]
    ACOSH_FIELD_NUMBER: _ClassVar[int]
    MAX_FIELD_NUMBER: _ClassVar[int]
    MIN_FIELD_NUMBER: _ClassVar[int]
    constant: float
    variable: str
    condition: _common_pb2.Condition
    geo_distance: GeoDistance
    datetime: str
    datetime_key: str
    mult: MultExpression
    sum: SumExpression
    div: DivExpression
    neg: Expression
    abs: Expression
    sqrt: Expression
    pow: PowExpression
    exp: Expression
    log10: Expression
    ln: Expression
    exp_decay: DecayParamsExpression
    gauss_decay: DecayParamsExpression
    lin_decay: DecayParamsExpression
    acosh: Expression
    max: MaxExpression
    min: MinExpression
    def __init__(self, constant: _Optional[float] = ..., variable: _Optional[str] = ..., condition: _Optional[_Union[_common_pb2.Condition, _Mapping]] = ..., geo_distance: _Optional[_Union[GeoDistance, _Mapping]] = ..., datetime: _Optional[str] = ..., datetime_key: _Optional[str] = ..., mult: _Optional[_Union[MultExpression, _Mapping]] = ..., sum: _Optional[_Union[SumExpression, _Mapping]] = ..., div: _Optional[_Union[DivExpression, _Mapping]] = ..., neg: _Optional[_Union[Expression, _Mapping]] = ..., abs: _Optional[_Union[Expression, _Mapping]] = ..., sqrt: _Optional[_Union[Expression, _Mapping]] = ..., pow: _Optional[_Union[PowExpression, _Mapping]] = ..., exp: _Optional[_Union[Expression, _Mapping]] = ..., log10: _Optional[_Union[Expression, _Mapping]] = ..., ln: _Optional[_Union[Expression, _Mapping]] = ..., exp_decay: _Optional[_Union[DecayParamsExpression, _Mapping]] = ..., gauss_decay: _Optional[_Union[DecayParamsExpression, _Mapping]] = ..., lin_decay: _Optional[_Union[DecayParamsExpression, _Mapping]] = ..., acosh: _Optional[_Union[Expression, _Mapping]] = ..., max: _Optional[_Union[MaxExpression, _Mapping]] = ..., min: _Optional[_Union[MinExpression, _Mapping]] = ...) -> None: ...

class GeoDistance(_message.Message):
    __slots__ = ("origin", "to")
    ORIGIN_FIELD_NUMBER: _ClassVar[int]
    TO_FIELD_NUMBER: _ClassVar[int]
    origin: _common_pb2.GeoPoint
    to: str
    def __init__(self, origin: _Optional[_Union[_common_pb2.GeoPoint, _Mapping]] = ..., to: _Optional[str] = ...) -> None: ...

class MultExpression(_message.Message):
    __slots__ = ("mult",)
    MULT_FIELD_NUMBER: _ClassVar[int]
    mult: _containers.RepeatedCompositeFieldContainer[Expression]
    def __init__(self, mult: _Optional[_Iterable[_Union[Expression, _Mapping]]] = ...) -> None: ...

class SumExpression(_message.Message):
    __slots__ = ("sum",)
    SUM_FIELD_NUMBER: _ClassVar[int]
    sum: _containers.RepeatedCompositeFieldContainer[Expression]
    def __init__(self, sum: _Optional[_Iterable[_Union[Expression, _Mapping]]] = ...) -> None: ...

class MaxExpression(_message.Message):
    __slots__ = ("max",)
    MAX_FIELD_NUMBER: _ClassVar[int]
    max: _containers.RepeatedCompositeFieldContainer[Expression]
    def __init__(self, max: _Optional[_Iterable[_Union[Expression, _Mapping]]] = ...) -> None: ...

class MinExpression(_message.Message):
    __slots__ = ("min",)
    MIN_FIELD_NUMBER: _ClassVar[int]
    min: _containers.RepeatedCompositeFieldContainer[Expression]
    def __init__(self, min: _Optional[_Iterable[_Union[Expression, _Mapping]]] = ...) -> None: ...

class DivExpression(_message.Message):
    __slots__ = ("left", "right", "by_zero_default")
    LEFT_FIELD_NUMBER: _ClassVar[int]
    RIGHT_FIELD_NUMBER: _ClassVar[int]
    BY_ZERO_DEFAULT_FIELD_NUMBER: _ClassVar[int]
    left: Expression
    right: Expression
    by_zero_default: float
    def __init__(self, left: _Optional[_Union[Expression, _Mapping]] = ..., right: _Optional[_Union[Expression, _Mapping]] = ..., by_zero_default: _Optional[float] = ...) -> None: ...

class PowExpression(_message.Message):
    __slots__ = ("base", "exponent")
    BASE_FIELD_NUMBER: _ClassVar[int]
    EXPONENT_FIELD_NUMBER: _ClassVar[int]
    base: Expression
    exponent: Expression
    def __init__(self, base: _Optional[_Union[Expression, _Mapping]] = ..., exponent: _Optional[_Union[Expression, _Mapping]] = ...) -> None: ...

class DecayParamsExpression(_message.Message):
    __slots__ = ("x", "target", "scale", "midpoint")
    X_FIELD_NUMBER: _ClassVar[int]
    TARGET_FIELD_NUMBER: _ClassVar[int]
    SCALE_FIELD_NUMBER: _ClassVar[int]
    MIDPOINT_FIELD_NUMBER: _ClassVar[int]
    x: Expression
    target: Expression
    scale: float
    midpoint: float
    def __init__(self, x: _Optional[_Union[Expression, _Mapping]] = ..., target: _Optional[_Union[Expression, _Mapping]] = ..., scale: _Optional[float] = ..., midpoint: _Optional[float] = ...) -> None: ...

class Query(_message.Message):
    __slots__ = ("nearest", "recommend", "discover", "context", "order_by", "fusion", "sample", "formula", "nearest_with_mmr", "rrf", "relevance_feedback", "text")
    NEAREST_FIELD_NUMBER: _ClassVar[int]
    RECOMMEND_FIELD_NUMBER: _ClassVar[int]
    DISCOVER_FIELD_NUMBER: _ClassVar[int]
    CONTEXT_FIELD_NUMBER: _ClassVar[int]
    ORDER_BY_FIELD_NUMBER: _ClassVar[int]
    FUSION_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    FORMULA_FIELD_NUMBER: _ClassVar[int]
    NEAREST_WITH_MMR_FIELD_NUMBER: _ClassVar[int]
    RRF_FIELD_NUMBER: _ClassVar[int]
    RELEVANCE_FEEDBACK_FIELD_NUMBER: _ClassVar[int]
    TEXT_FIELD_NUMBER: _ClassVar[int]
    nearest: VectorInput
    recommend: RecommendInput
    discover: DiscoverInput
    context: ContextInput
    order_by: OrderBy
    fusion: Fusion
    sample: Sample
    formula: Formula
    nearest_with_mmr: NearestInputWithMmr
    rrf: Rrf
    relevance_feedback: RelevanceFeedbackInput
    text: TextQuery
    def __init__(self, nearest: _Optional[_Union[VectorInput, _Mapping]] = ..., recommend: _Optional[_Union[RecommendInput, _Mapping]] = ..., discover: _Optional[_Union[DiscoverInput, _Mapping]] = ..., context: _Optional[_Union[ContextInput, _Mapping]] = ..., order_by: _Optional[_Union[OrderBy, _Mapping]] = ..., fusion: _Optional[_Union[Fusion, str]] = ..., sample: _Optional[_Union[Sample, str]] = ..., formula: _Optional[_Union[Formula, _Mapping]] = ..., nearest_with_mmr: _Optional[_Union[NearestInputWithMmr, _Mapping]] = ..., rrf: _Optional[_Union[Rrf, _Mapping]] = ..., relevance_feedback: _Optional[_Union[RelevanceFeedbackInput, _Mapping]] = ..., text: _Optional[_Union[TextQuery, _Mapping]] = ...) -> None: ...

class PrefetchQuery(_message.Message):
    __slots__ = ("prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "lookup_from")
    PREFETCH_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    prefetch: _containers.RepeatedCompositeFieldContainer[PrefetchQuery]
    query: Query
    using: str
    filter: _common_pb2.Filter
    params: SearchParams
    score_threshold: float
    limit: int
    lookup_from: LookupLocation
    def __init__(self, prefetch: _Optional[_Iterable[_Union[PrefetchQuery, _Mapping]]] = ..., query: _Optional[_Union[Query, _Mapping]] = ..., using: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., limit: _Optional[int] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ...) -> None: ...

class QueryPoints(_message.Message):
    __slots__ = ("collection_name", "prefetch", "query", "using", "filter", "params", "score_threshold", "limit", "offset", "with_vectors", "with_payload", "read_consistency", "shard_key_selector", "lookup_from", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFETCH_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    OFFSET_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    prefetch: _containers.RepeatedCompositeFieldContainer[PrefetchQuery]
    query: Query
    using: str
    filter: _common_pb2.Filter
    params: SearchParams
    score_threshold: float
    limit: int
    offset: int
    with_vectors: WithVectorsSelector
    with_payload: WithPayloadSelector
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    lookup_from: LookupLocation
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., prefetch: _Optional[_Iterable[_Union[PrefetchQuery, _Mapping]]] = ..., query: _Optional[_Union[Query, _Mapping]] = ..., using: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., limit: _Optional[int] = ..., offset: _Optional[int] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class QueryBatchPoints(_message.Message):
    __slots__ = ("collection_name", "query_points", "read_consistency", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    QUERY_POINTS_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    query_points: _containers.RepeatedCompositeFieldContainer[QueryPoints]
    read_consistency: ReadConsistency
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., query_points: _Optional[_Iterable[_Union[QueryPoints, _Mapping]]] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., timeout: _Optional[int] = ...) -> None: ...

class QueryPointGroups(_message.Message):
    __slots__ = ("collection_name", "prefetch", "query", "using", "filter", "params", "score_threshold", "with_payload", "with_vectors", "lookup_from", "limit", "group_size", "group_by", "read_consistency", "with_lookup", "timeout", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    PREFETCH_FIELD_NUMBER: _ClassVar[int]
    QUERY_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    SCORE_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    WITH_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    WITH_VECTORS_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FROM_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    GROUP_SIZE_FIELD_NUMBER: _ClassVar[int]
    GROUP_BY_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    WITH_LOOKUP_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    prefetch: _containers.RepeatedCompositeFieldContainer[PrefetchQuery]
    query: Query
    using: str
    filter: _common_pb2.Filter
    params: SearchParams
    score_threshold: float
    with_payload: WithPayloadSelector
    with_vectors: WithVectorsSelector
    lookup_from: LookupLocation
    limit: int
    group_size: int
    group_by: str
    read_consistency: ReadConsistency
    with_lookup: WithLookup
    timeout: int
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., prefetch: _Optional[_Iterable[_Union[PrefetchQuery, _Mapping]]] = ..., query: _Optional[_Union[Query, _Mapping]] = ..., using: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., params: _Optional[_Union[SearchParams, _Mapping]] = ..., score_threshold: _Optional[float] = ..., with_payload: _Optional[_Union[WithPayloadSelector, _Mapping]] = ..., with_vectors: _Optional[_Union[WithVectorsSelector, _Mapping]] = ..., lookup_from: _Optional[_Union[LookupLocation, _Mapping]] = ..., limit: _Optional[int] = ..., group_size: _Optional[int] = ..., group_by: _Optional[str] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., with_lookup: _Optional[_Union[WithLookup, _Mapping]] = ..., timeout: _Optional[int] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class SearchMatrixPoints(_message.Message):
    __slots__ = ("collection_name", "filter", "sample", "limit", "using", "timeout", "read_consistency", "shard_key_selector")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    FILTER_FIELD_NUMBER: _ClassVar[int]
    SAMPLE_FIELD_NUMBER: _ClassVar[int]
    LIMIT_FIELD_NUMBER: _ClassVar[int]
    USING_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    READ_CONSISTENCY_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_SELECTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    filter: _common_pb2.Filter
    sample: int
    limit: int
    using: str
    timeout: int
    read_consistency: ReadConsistency
    shard_key_selector: ShardKeySelector
    def __init__(self, collection_name: _Optional[str] = ..., filter: _Optional[_Union[_common_pb2.Filter, _Mapping]] = ..., sample: _Optional[int] = ..., limit: _Optional[int] = ..., using: _Optional[str] = ..., timeout: _Optional[int] = ..., read_consistency: _Optional[_Union[ReadConsistency, _Mapping]] = ..., shard_key_selector: _Optional[_Union[ShardKeySelector, _Mapping]] = ...) -> None: ...

class UpdateResult(_message.Message):
    __slots__ = ("operation_id", "status")
    OPERATION_ID_FIELD_NUMBER: _ClassVar[int]
    STATUS_FIELD_NUMBER: _ClassVar[int]
    operation_id: int
    status: UpdateStatus
    def __init__(self, operation_id: _Optional[int] = ..., status: _Optional[_Union[UpdateStatus, str]] = ...) -> None: ...

class Usage(_message.Message):
    __slots__ = ("hardware", "inference")
    HARDWARE_FIELD_NUMBER: _ClassVar[int]
    INFERENCE_FIELD_NUMBER: _ClassVar[int]
    hardware: HardwareUsage
    inference: InferenceUsage
    def __init__(self, hardware: _Optional[_Union[HardwareUsage, _Mapping]] = ..., inference: _Optional[_Union[InferenceUsage, _Mapping]] = ...) -> None: ...

class InferenceUsage(_message.Message):
    __slots__ = ("models",)
    class ModelsEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: ModelUsage
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[ModelUsage, _Mapping]] = ...) -> None: ...
    MODELS_FIELD_NUMBER: _ClassVar[int]
    models: _containers.MessageMap[str, ModelUsage]
    def __init__(self, models: _Optional[_Mapping[str, ModelUsage]] = ...) -> None: ...

class ModelUsage(_message.Message):
    __slots__ = ("tokens",)
    TOKENS_FIELD_NUMBER: _ClassVar[int]
    tokens: int
    def __init__(self, tokens: _Optional[int] = ...) -> None: ...

class HardwareUsage(_message.Message):
    __slots__ = ("cpu", "payload_io_read", "payload_io_write", "payload_index_io_read", "payload_index_io_write", "vector_io_read", "vector_io_write")
    CPU_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_IO_READ_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_IO_WRITE_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_INDEX_IO_READ_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_INDEX_IO_WRITE_FIELD_NUMBER: _ClassVar[int]
    VECTOR_IO_READ_FIELD_NUMBER: _ClassVar[int]
    VECTOR_IO_WRITE_FIELD_NUMBER: _ClassVar[int]
    cpu: int
    payload_io_read: int
    payload_io_write: int
    payload_index_io_read: int
    payload_index_io_write: int
    vector_io_read: int
    vector_io_write: int
    def __init__(self, cpu: _Optional[int] = ..., payload_io_read: _Optional[int] = ..., payload_io_write: _Optional[int] = ..., payload_index_io_read: _Optional[int] = ..., payload_index_io_write: _Optional[int] = ..., vector_io_read: _Optional[int] = ..., vector_io_write: _Optional[int] = ...) -> None: ...

class OrderValue(_message.Message):
    __slots__ = ("int", "float")
    INT_FIELD_NUMBER: _ClassVar[int]
    FLOAT_FIELD_NUMBER: _ClassVar[int]
    int: int
    float: float
    def __init__(self, int: _Optional[int] = ..., float: _Optional[float] = ...) -> None: ...

class ScoredPoint(_message.Message):
    __slots__ = ("id", "payload", "score", "version", "vectors", "shard_key", "order_value")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    VERSION_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
    score: float
    version: int
    vectors: VectorsOutput
    shard_key: _collections_pb2.ShardKey
    order_value: OrderValue
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., score: _Optional[float] = ..., version: _Optional[int] = ..., vectors: _Optional[_Union[VectorsOutput, _Mapping]] = ..., shard_key: _Optional[_Union[_collections_pb2.ShardKey, _Mapping]] = ..., order_value: _Optional[_Union[OrderValue, _Mapping]] = ...) -> None: ...

class RetrievedPoint(_message.Message):
    __slots__ = ("id", "payload", "vectors", "shard_key", "order_value")
    class PayloadEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: _json_with_int_pb2.Value
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[_json_with_int_pb2.Value, _Mapping]] = ...) -> None: ...
    ID_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    VECTORS_FIELD_NUMBER: _ClassVar[int]
    SHARD_KEY_FIELD_NUMBER: _ClassVar[int]
    ORDER_VALUE_FIELD_NUMBER: _ClassVar[int]
    id: _common_pb2.PointId
    payload: _containers.MessageMap[str, _json_with_int_pb2.Value]
    vectors: VectorsOutput
    shard_key: _collections_pb2.ShardKey
    order_value: OrderValue
    def __init__(self, id: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., payload: _Optional[_Mapping[str, _json_with_int_pb2.Value]] = ..., vectors: _Optional[_Union[VectorsOutput, _Mapping]] = ..., shard_key: _Optional[_Union[_collections_pb2.ShardKey, _Mapping]] = ..., order_value: _Optional[_Union[OrderValue, _Mapping]] = ...) -> None: ...

class CountResult(_message.Message):
    __slots__ = ("count",)
    COUNT_FIELD_NUMBER: _ClassVar[int]
    count: int
    def __init__(self, count: _Optional[int] = ...) -> None: ...

class BatchResult(_message.Message):
    __slots__ = ("result",)
    RESULT_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ...) -> None: ...

class GroupId(_message.Message):
    __slots__ = ("unsigned_value", "integer_value", "string_value")
    UNSIGNED_VALUE_FIELD_NUMBER: _ClassVar[int]
    INTEGER_VALUE_FIELD_NUMBER: _ClassVar[int]
    STRING_VALUE_FIELD_NUMBER: _ClassVar[int]
    unsigned_value: int
    integer_value: int
    string_value: str
    def __init__(self, unsigned_value: _Optional[int] = ..., integer_value: _Optional[int] = ..., string_value: _Optional[str] = ...) -> None: ...

class PointGroup(_message.Message):
    __slots__ = ("id", "hits", "lookup")
    ID_FIELD_NUMBER: _ClassVar[int]
    HITS_FIELD_NUMBER: _ClassVar[int]
    LOOKUP_FIELD_NUMBER: _ClassVar[int]
    id: GroupId
    hits: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    lookup: RetrievedPoint
    def __init__(self, id: _Optional[_Union[GroupId, _Mapping]] = ..., hits: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., lookup: _Optional[_Union[RetrievedPoint, _Mapping]] = ...) -> None: ...

class GroupsResult(_message.Message):
    __slots__ = ("groups",)
    GROUPS_FIELD_NUMBER: _ClassVar[int]
    groups: _containers.RepeatedCompositeFieldContainer[PointGroup]
    def __init__(self, groups: _Optional[_Iterable[_Union[PointGroup, _Mapping]]] = ...) -> None: ...

class SearchMatrixPair(_message.Message):
    __slots__ = ("a", "b", "score")
    A_FIELD_NUMBER: _ClassVar[int]
    B_FIELD_NUMBER: _ClassVar[int]
    SCORE_FIELD_NUMBER: _ClassVar[int]
    a: _common_pb2.PointId
    b: _common_pb2.PointId
    score: float
    def __init__(self, a: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., b: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., score: _Optional[float] = ...) -> None: ...

class SearchMatrixPairs(_message.Message):
    __slots__ = ("pairs",)
    PAIRS_FIELD_NUMBER: _ClassVar[int]
    pairs: _containers.RepeatedCompositeFieldContainer[SearchMatrixPair]
    def __init__(self, pairs: _Optional[_Iterable[_Union[SearchMatrixPair, _Mapping]]] = ...) -> None: ...

class SearchMatrixOffsets(_message.Message):
    __slots__ = ("offsets_row", "offsets_col", "scores", "ids")
    OFFSETS_ROW_FIELD_NUMBER: _ClassVar[int]
    OFFSETS_COL_FIELD_NUMBER: _ClassVar[int]
    SCORES_FIELD_NUMBER: _ClassVar[int]
    IDS_FIELD_NUMBER: _ClassVar[int]
    offsets_row: _containers.RepeatedScalarFieldContainer[int]
    offsets_col: _containers.RepeatedScalarFieldContainer[int]
    scores: _containers.RepeatedScalarFieldContainer[float]
    ids: _containers.RepeatedCompositeFieldContainer[_common_pb2.PointId]
    def __init__(self, offsets_row: _Optional[_Iterable[int]] = ..., offsets_col: _Optional[_Iterable[int]] = ..., scores: _Optional[_Iterable[float]] = ..., ids: _Optional[_Iterable[_Union[_common_pb2.PointId, _Mapping]]] = ...) -> None: ...

class PointsOperationResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: UpdateResult
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[UpdateResult, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class UpdateBatchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[UpdateResult]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[UpdateResult, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class GetResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[RetrievedPoint]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[RetrievedPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class CountResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: CountResult
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[CountResult, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class ScrollResponse(_message.Message):
    __slots__ = ("next_page_offset", "result", "time", "usage")
    NEXT_PAGE_OFFSET_FIELD_NUMBER: _ClassVar[int]
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    next_page_offset: _common_pb2.PointId
    result: _containers.RepeatedCompositeFieldContainer[RetrievedPoint]
    time: float
    usage: Usage
    def __init__(self, next_page_offset: _Optional[_Union[_common_pb2.PointId, _Mapping]] = ..., result: _Optional[_Iterable[_Union[RetrievedPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class QueryResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class QueryBatchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[BatchResult]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class QueryGroupsResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: GroupsResult
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[GroupsResult, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SearchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SearchBatchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[BatchResult]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SearchGroupsResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: GroupsResult
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[GroupsResult, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class RecommendResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class RecommendBatchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[BatchResult]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class RecommendGroupsResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: GroupsResult
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[GroupsResult, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class DiscoverResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[ScoredPoint]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[ScoredPoint, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class DiscoverBatchResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: _containers.RepeatedCompositeFieldContainer[BatchResult]
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Iterable[_Union[BatchResult, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class FacetResponse(_message.Message):
    __slots__ = ("hits", "time", "usage")
    HITS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    hits: _containers.RepeatedCompositeFieldContainer[FacetHit]
    time: float
    usage: Usage
    def __init__(self, hits: _Optional[_Iterable[_Union[FacetHit, _Mapping]]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SearchMatrixPairsResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: SearchMatrixPairs
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[SearchMatrixPairs, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...

class SearchMatrixOffsetsResponse(_message.Message):
    __slots__ = ("result", "time", "usage")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    USAGE_FIELD_NUMBER: _ClassVar[int]
    result: SearchMatrixOffsets
    time: float
    usage: Usage
    def __init__(self, result: _Optional[_Union[SearchMatrixOffsets, _Mapping]] = ..., time: _Optional[float] = ..., usage: _Optional[_Union[Usage, _Mapping]] = ...) -> None: ...
