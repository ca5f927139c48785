from google.protobuf.internal import containers as _containers
from google.protobuf.internal import enum_type_wrapper as _enum_type_wrapper
from google.protobuf import descriptor as _descriptor
from google.protobuf import message as _message
from collections.abc import Iterable as _Iterable, Mapping as _Mapping
from typing import ClassVar as _ClassVar, Optional as _Optional, Union as _Union

DESCRIPTOR: _descriptor.FileDescriptor

class Distance(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownDistance: _ClassVar[Distance]
    Cosine: _ClassVar[Distance]
    Euclid: _ClassVar[Distance]
    Dot: _ClassVar[Distance]
    Manhattan: _ClassVar[Distance]

class CollectionStatus(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownCollectionStatus: _ClassVar[CollectionStatus]
    Green: _ClassVar[CollectionStatus]
    Yellow: _ClassVar[CollectionStatus]
    Red: _ClassVar[CollectionStatus]
    Grey: _ClassVar[CollectionStatus]

class PayloadSchemaType(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
    __slots__ = ()
    UnknownType: _ClassVar[PayloadSchemaType]
    Keyword: _ClassVar[PayloadSchemaType]
    Integer: _ClassVar[PayloadSchemaType]
    Float: _ClassVar[PayloadSchemaType]
    Geo: _ClassVar[PayloadSchemaType]
    Text: _ClassVar[PayloadSchemaType]
    Bool: _ClassVar[PayloadSchemaType]
    Datetime: _ClassVar[PayloadSchemaType]
    Uuid: _ClassVar[PayloadSchemaType]
UnknownDistance: Distance
Cosine: Distance
Euclid: Distance
Dot: Distance
Manhattan: Distance
UnknownCollectionStatus: CollectionStatus
Green: CollectionStatus
Yellow: CollectionStatus
Red: CollectionStatus
Grey: CollectionStatus
UnknownType: PayloadSchemaType
Keyword: PayloadSchemaType
Integer: PayloadSchemaType
Float: PayloadSchemaType
Geo: PayloadSchemaType
Text: PayloadSchemaType
Bool: PayloadSchemaType
Datetime: PayloadSchemaType
Uuid: PayloadSchemaType

class VectorParams(_message.Message):
    __slots__ = ("size", "distance", "on_disk")
    SIZE_FIELD_NUMBER: _ClassVar[int]
    DISTANCE_FIELD_NUMBER: _ClassVar[int]
    ON_DISK_FIELD_NUMBER: _ClassVar[int]
    size: int
    distance: Distance
    on_disk: bool
    def __init__(self, size: _Optional[int] = ..., distance: _Optional[_Union[Distance, str]] = ..., on_disk: _Optional[bool] = ...) -> None: ...

class VectorParamsMap(_message.Message):
    __slots__ = ("map",)
    class MapEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: VectorParams
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[VectorParams, _Mapping]] = ...) -> None: ...
    MAP_FIELD_NUMBER: _ClassVar[int]
    map: _containers.MessageMap[str, VectorParams]
    def __init__(self, map: _Optional[_Mapping[str, VectorParams]] = ...) -> None: ...

class VectorsConfig(_message.Message):
    __slots__ = ("params", "params_map")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    PARAMS_MAP_FIELD_NUMBER: _ClassVar[int]
    params: VectorParams
    params_map: VectorParamsMap
    def __init__(self, params: _Optional[_Union[VectorParams, _Mapping]] = ..., params_map: _Optional[_Union[VectorParamsMap, _Mapping]] = ...) -> None: ...

class CreateCollection(_message.Message):
    __slots__ = ("collection_name", "shard_number", "on_disk_payload", "timeout", "vectors_config", "replication_factor")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    SHARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ON_DISK_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    VECTORS_CONFIG_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_FACTOR_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    shard_number: int
    on_disk_payload: bool
    timeout: int
    vectors_config: VectorsConfig
    replication_factor: int
    def __init__(self, collection_name: _Optional[str] = ..., shard_number: _Optional[int] = ..., on_disk_payload: _Optional[bool] = ..., timeout: _Optional[int] = ..., vectors_config: _Optional[_Union[VectorsConfig, _Mapping]] = ..., replication_factor: _Optional[int] = ...) -> None: ...

class DeleteCollection(_message.Message):
    __slots__ = ("collection_name", "timeout")
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    TIMEOUT_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    timeout: int
    def __init__(self, collection_name: _Optional[str] = ..., timeout: _Optional[int] = ...) -> None: ...

class CollectionOperationResponse(_message.Message):
    __slots__ = ("result", "time")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    result: bool
    time: float
    def __init__(self, result: _Optional[bool] = ..., time: _Optional[float] = ...) -> None: ...

class ListCollectionsRequest(_message.Message):
    __slots__ = ()
    def __init__(self) -> None: ...

class CollectionDescription(_message.Message):
    __slots__ = ("name",)
    NAME_FIELD_NUMBER: _ClassVar[int]
    name: str
    def __init__(self, name: _Optional[str] = ...) -> None: ...

class ListCollectionsResponse(_message.Message):
    __slots__ = ("collections", "time")
    COLLECTIONS_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    collections: _containers.RepeatedCompositeFieldContainer[CollectionDescription]
    time: float
    def __init__(self, collections: _Optional[_Iterable[_Union[CollectionDescription, _Mapping]]] = ..., time: _Optional[float] = ...) -> None: ...

class GetCollectionInfoRequest(_message.Message):
    __slots__ = ("collection_name",)
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    def __init__(self, collection_name: _Optional[str] = ...) -> None: ...

class OptimizerStatus(_message.Message):
    __slots__ = ("ok", "error")
    OK_FIELD_NUMBER: _ClassVar[int]
    ERROR_FIELD_NUMBER: _ClassVar[int]
    ok: bool
    error: str
    def __init__(self, ok: _Optional[bool] = ..., error: _Optional[str] = ...) -> None: ...

class CollectionParams(_message.Message):
    __slots__ = ("shard_number", "on_disk_payload", "vectors_config", "replication_factor")
    SHARD_NUMBER_FIELD_NUMBER: _ClassVar[int]
    ON_DISK_PAYLOAD_FIELD_NUMBER: _ClassVar[int]
    VECTORS_CONFIG_FIELD_NUMBER: _ClassVar[int]
    REPLICATION_FACTOR_FIELD_NUMBER: _ClassVar[int]
    shard_number: int
    on_disk_payload: bool
    vectors_config: VectorsConfig
    replication_factor: int
    def __init__(self, shard_number: _Optional[int] = ..., on_disk_payload: _Optional[bool] = ..., vectors_config: _Optional[_Union[VectorsConfig, _Mapping]] = ..., replication_factor: _Optional[int] = ...) -> None: ...

class HnswConfigDiff(_message.Message):
    __slots__ = ("m", "ef_construct", "full_scan_threshold", "max_indexing_threads", "on_disk", "payload_m", "inline_storage")
    M_FIELD_NUMBER: _ClassVar[int]
    EF_CONSTRUCT_FIELD_NUMBER: _ClassVar[int]
    FULL_SCAN_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    MAX_INDEXING_THREADS_FIELD_NUMBER: _ClassVar[int]
    ON_DISK_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_M_FIELD_NUMBER: _ClassVar[int]
    INLINE_STORAGE_FIELD_NUMBER: _ClassVar[int]
    m: int
    ef_construct: int
    full_scan_threshold: int
    max_indexing_threads: int
    on_disk: bool
    payload_m: int
    inline_storage: bool
    def __init__(self, m: _Optional[int] = ..., ef_construct: _Optional[int] = ..., full_scan_threshold: _Optional[int] = ..., max_indexing_threads: _Optional[int] = ..., on_disk: _Optional[bool] = ..., payload_m: _Optional[int] = ..., inline_storage: _Optional[bool] = ...) -> None: ...

class MaxOptimizationThreads(_message.Message):
    __slots__ = ("value", "setting")
    class Setting(int, metaclass=_enum_type_wrapper.EnumTypeWrapper):
        __slots__ = ()
        Auto: _ClassVar[MaxOptimizationThreads.Setting]
    Auto: MaxOptimizationThreads.Setting
    VALUE_FIELD_NUMBER: _ClassVar[int]
    SETTING_FIELD_NUMBER: _ClassVar[int]
    value: int
    setting: MaxOptimizationThreads.Setting
    def __init__(self, value: _Optional[int] = ..., setting: _Optional[_Union[MaxOptimizationThreads.Setting, str]] = ...) -> None: ...

class OptimizersConfigDiff(_message.Message):
    __slots__ = ("deleted_threshold", "vacuum_min_vector_number", "default_segment_number", "max_segment_size", "memmap_threshold", "indexing_threshold", "flush_interval_sec", "max_optimization_threads")
    DELETED_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    VACUUM_MIN_VECTOR_NUMBER_FIELD_NUMBER: _ClassVar[int]
    DEFAULT_SEGMENT_NUMBER_FIELD_NUMBER: _ClassVar[int]
    MAX_SEGMENT_SIZE_FIELD_NUMBER: _ClassVar[int]
    MEMMAP_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    INDEXING_THRESHOLD_FIELD_NUMBER: _ClassVar[int]
    FLUSH_INTERVAL_SEC_FIELD_NUMBER: _ClassVar[int]
    MAX_OPTIMIZATION_THREADS_FIELD_NUMBER: _ClassVar[int]
    deleted_threshold: float
    vacuum_min_vector_number: int
    default_segment_number: int
    max_segment_size: int
    memmap_threshold: int
    indexing_threshold: int
    flush_interval_sec: int
    max_optimization_threads: MaxOptimizationThreads
    def __init__(self, deleted_threshold: _Optional[float] = ..., vacuum_min_vector_number: _Optional[int] = ..., default_segment_number: _Optional[int] = ..., max_segment_size: _Optional[int] = ..., memmap_threshold: _Optional[int] = ..., indexing_threshold: _Optional[int] = ..., flush_interval_sec: _Optional[int] = ..., max_optimization_threads: _Optional[_Union[MaxOptimizationThreads, _Mapping]] = ...) -> None: ...

class WalConfigDiff(_message.Message):
    __slots__ = ("wal_capacity_mb", "wal_segments_ahead")
    WAL_CAPACITY_MB_FIELD_NUMBER: _ClassVar[int]
    WAL_SEGMENTS_AHEAD_FIELD_NUMBER: _ClassVar[int]
    wal_capacity_mb: int
    wal_segments_ahead: int
    def __init__(self, wal_capacity_mb: _Optional[int] = ..., wal_segments_ahead: _Optional[int] = ...) -> None: ...

class CollectionConfig(_message.Message):
    __slots__ = ("params", "hnsw_config", "optimizer_config", "wal_config")
    PARAMS_FIELD_NUMBER: _ClassVar[int]
    HNSW_CONFIG_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_CONFIG_FIELD_NUMBER: _ClassVar[int]
    WAL_CONFIG_FIELD_NUMBER: _ClassVar[int]
    params: CollectionParams
    hnsw_config: HnswConfigDiff
    optimizer_config: OptimizersConfigDiff
    wal_config: WalConfigDiff
    def __init__(self, params: _Optional[_Union[CollectionParams, _Mapping]] = ..., hnsw_config: _Optional[_Union[HnswConfigDiff, _Mapping]] = ..., optimizer_config: _Optional[_Union[OptimizersConfigDiff, _Mapping]] = ..., wal_config: _Optional[_Union[WalConfigDiff, _Mapping]] = ...) -> None: ...

class PayloadSchemaInfo(_message.Message):
    __slots__ = ("data_type", "points")
    DATA_TYPE_FIELD_NUMBER: _ClassVar[int]
    POINTS_FIELD_NUMBER: _ClassVar[int]
    data_type: PayloadSchemaType
    points: int
    def __init__(self, data_type: _Optional[_Union[PayloadSchemaType, str]] = ..., points: _Optional[int] = ...) -> None: ...

class CollectionInfo(_message.Message):
    __slots__ = ("status", "optimizer_status", "segments_count", "config", "payload_schema", "points_count", "indexed_vectors_count")
    class PayloadSchemaEntry(_message.Message):
        __slots__ = ("key", "value")
        KEY_FIELD_NUMBER: _ClassVar[int]
        VALUE_FIELD_NUMBER: _ClassVar[int]
        key: str
        value: PayloadSchemaInfo
        def __init__(self, key: _Optional[str] = ..., value: _Optional[_Union[PayloadSchemaInfo, _Mapping]] = ...) -> None: ...
    STATUS_FIELD_NUMBER: _ClassVar[int]
    OPTIMIZER_STATUS_FIELD_NUMBER: _ClassVar[int]
    SEGMENTS_COUNT_FIELD_NUMBER: _ClassVar[int]
    CONFIG_FIELD_NUMBER: _ClassVar[int]
    PAYLOAD_SCHEMA_FIELD_NUMBER: _ClassVar[int]
    POINTS_COUNT_FIELD_NUMBER: _ClassVar[int]
    INDEXED_VECTORS_COUNT_FIELD_NUMBER: _ClassVar[int]
    status: CollectionStatus
    optimizer_status: OptimizerStatus
    segments_count: int
    config: CollectionConfig
    payload_schema: _containers.MessageMap[str, PayloadSchemaInfo]
    points_count: int
    indexed_vectors_count: int
    def __init__(self, status: _Optional[_Union[CollectionStatus, str]] = ..., optimizer_status: _Optional[_Union[OptimizerStatus, _Mapping]] = ..., segments_count: _Optional[int] = ..., config: _Optional[_Union[CollectionConfig, _Mapping]] = ..., payload_schema: _Optional[_Mapping[str, PayloadSchemaInfo]] = ..., points_count: _Optional[int] = ..., indexed_vectors_count: _Optional[int] = ...) -> None: ...

class GetCollectionInfoResponse(_message.Message):
    __slots__ = ("result", "time")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    result: CollectionInfo
    time: float
    def __init__(self, result: _Optional[_Union[CollectionInfo, _Mapping]] = ..., time: _Optional[float] = ...) -> None: ...

class CollectionExistsRequest(_message.Message):
    __slots__ = ("collection_name",)
    COLLECTION_NAME_FIELD_NUMBER: _ClassVar[int]
    collection_name: str
    def __init__(self, collection_name: _Optional[str] = ...) -> None: ...

class CollectionExists(_message.Message):
    __slots__ = ("exists",)
    EXISTS_FIELD_NUMBER: _ClassVar[int]
    exists: bool
    def __init__(self, exists: _Optional[bool] = ...) -> None: ...

class CollectionExistsResponse(_message.Message):
    __slots__ = ("result", "time")
    RESULT_FIELD_NUMBER: _ClassVar[int]
    TIME_FIELD_NUMBER: _ClassVar[int]
    result: CollectionExists
    time: float
    def __init__(self, result: _Optional[_Union[CollectionExists, _Mapping]] = ..., time: _Optional[float] = ...) -> None: ...
