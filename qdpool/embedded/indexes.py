"""Payload indexes: Qdrant's ``field_schema`` JSON → Qdrant Edge's index schema, and back.

``PUT /collections/{c}/index`` takes ``{"field_name", "field_schema"}`` where the
schema is a type name (``"keyword"``) or an object with ``type`` and that
type's parameters.  The engine really builds the index (filters on the field
use it, ``order_by`` needs one, facets need one).  ``GET /collections/{c}``
reports each index from the engine's own description, in Qdrant's
``payload_schema`` shape: ``{"data_type", "params"?, "points"}`` where
``params`` appears only for indexes created from an object schema.
"""

from __future__ import annotations

from typing import Any

import qdrant_edge as qe

from qdpool.embedded.convert import parse_bool, parse_object, parse_uint, reject_unknown_fields
from qdpool.embedded.errors import EngineError

_TYPES: dict[str, qe.PayloadSchemaType] = {
    "keyword": qe.PayloadSchemaType.Keyword,
    "integer": qe.PayloadSchemaType.Integer,
    "float": qe.PayloadSchemaType.Float,
    "geo": qe.PayloadSchemaType.Geo,
    "text": qe.PayloadSchemaType.Text,
    "bool": qe.PayloadSchemaType.Bool,
    "datetime": qe.PayloadSchemaType.Datetime,
    "uuid": qe.PayloadSchemaType.Uuid,
}


def _name(member: Any) -> str:
    """A pyo3 enum member's name (``TokenizerType.Word`` → ``"Word"``); members are not hashable."""
    return str(member).rsplit(".", 1)[-1]


def _members(enum: Any) -> dict[str, Any]:
    """Lower-case name → member, for the engine's enums (which are not iterable)."""
    return {
        n.lower(): getattr(enum, n)
        for n in dir(enum)
        if not n.startswith("_") and isinstance(getattr(enum, n), enum)
    }


_TYPE_NAMES = {_name(v): k for k, v in _TYPES.items()}

# Per type: the boolean parameters Qdrant 1.18 accepts (and Edge builds) besides ``type``.
_FLAGS: dict[str, tuple[str, ...]] = {
    "keyword": ("is_tenant", "on_disk", "enable_hnsw"),
    "integer": ("lookup", "range", "is_principal", "on_disk", "enable_hnsw"),
    "float": ("is_principal", "on_disk", "enable_hnsw"),
    "geo": ("on_disk", "enable_hnsw"),
    "bool": ("on_disk", "enable_hnsw"),
    "datetime": ("is_principal", "on_disk", "enable_hnsw"),
    "uuid": ("is_tenant", "on_disk", "enable_hnsw"),
    "text": ("lowercase", "ascii_folding", "phrase_matching", "on_disk", "enable_hnsw"),
}
_PARAMS_CLASSES: dict[str, Any] = {
    "keyword": qe.KeywordIndexParams,
    "integer": qe.IntegerIndexParams,
    "float": qe.FloatIndexParams,
    "geo": qe.GeoIndexParams,
    "bool": qe.BoolIndexParams,
    "datetime": qe.DatetimeIndexParams,
    "uuid": qe.UuidIndexParams,
    "text": qe.TextIndexParams,
}
_TOKENIZERS = {
    "prefix": qe.TokenizerType.Prefix,
    "whitespace": qe.TokenizerType.Whitespace,
    "word": qe.TokenizerType.Word,
    "multilingual": qe.TokenizerType.Multilingual,
}
_TOKENIZER_NAMES = {_name(v): k for k, v in _TOKENIZERS.items()}
_LANGUAGES = _members(qe.Language)
_SNOWBALL = _members(qe.SnowballLanguage)


def parse_create(body: Any) -> tuple[str, qe.PayloadSchemaType | Any]:
    """A ``PUT .../index`` body → (field name, the engine's schema)."""
    body = parse_object(body, "body")
    reject_unknown_fields(body, frozenset(("field_name", "field_schema")), "")
    name = body.get("field_name")
    if not isinstance(name, str):
        raise EngineError.format("missing field `field_name`")
    if not name:
        raise EngineError.validation("field_name", "must not be empty")
    raw = body.get("field_schema")
    if raw is None:
        raise EngineError.wrong_input(
            "Can't auto-detect field type, please specify `field_schema` in the request"
        )
    return name, parse_schema(raw)


def parse_schema(raw: Any) -> qe.PayloadSchemaType | Any:
    """``"keyword"`` or ``{"type": "keyword", ...}``."""
    if isinstance(raw, str):
        if raw not in _TYPES:
            raise _unknown_type(raw)
        return _TYPES[raw]
    spec = parse_object(raw, "field_schema")
    kind = spec.get("type")
    if not isinstance(kind, str) or kind not in _TYPES:
        raise _unknown_type(kind)
    flags = _FLAGS[kind]
    allowed = {"type", *flags}
    if kind == "text":
        allowed |= {"tokenizer", "min_token_len", "max_token_len", "stopwords", "stemmer"}
    reject_unknown_fields(spec, frozenset(allowed), "field_schema: ")
    args: dict[str, Any] = {}
    for flag in flags:
        if spec.get(flag) is not None:
            args[flag] = parse_bool(spec[flag], f"field_schema.{flag}", default=False)
    if kind == "integer" and args.get("lookup") is False and args.get("range") is False:
        raise EngineError.validation(
            "field_schema", "the 'lookup' and 'range' capabilities can't be both disabled"
        )
    if kind == "text":
        args.update(_text_args(spec))
    return _PARAMS_CLASSES[kind](**args)


def _text_args(spec: dict[str, Any]) -> dict[str, Any]:
    args: dict[str, Any] = {}
    tokenizer = spec.get("tokenizer")
    if tokenizer is not None:
        if tokenizer not in _TOKENIZERS:
            raise EngineError.format(
                f"field_schema.tokenizer: unknown variant `{tokenizer}`, "
                "expected one of `prefix`, `whitespace`, `word`, `multilingual`"
            )
        args["tokenizer"] = _TOKENIZERS[tokenizer]
    for bound in ("min_token_len", "max_token_len"):
        value = parse_uint(spec.get(bound), f"field_schema.{bound}", default=None)
        if value is not None:
            args[bound] = value
    if spec.get("stopwords") is not None:
        args["stopwords"] = _stopwords(spec["stopwords"])
    if spec.get("stemmer") is not None:
        stemmer = parse_object(spec["stemmer"], "field_schema.stemmer")
        reject_unknown_fields(stemmer, frozenset(("type", "language")), "field_schema.stemmer: ")
        language = stemmer.get("language")
        if stemmer.get("type") != "snowball" or language not in _SNOWBALL:
            raise EngineError.format(
                "field_schema.stemmer: expected {type: snowball, language: <snowball language>}"
            )
        args["stemmer"] = qe.SnowballParams(_SNOWBALL[language])
    return args


def _stopwords(raw: Any) -> Any:
    if isinstance(raw, str):
        if raw not in _LANGUAGES:
            raise EngineError.format(f"field_schema.stopwords: unknown language `{raw}`")
        return _LANGUAGES[raw]
    spec = parse_object(raw, "field_schema.stopwords")
    reject_unknown_fields(spec, frozenset(("languages", "custom")), "field_schema.stopwords: ")
    languages, custom = spec.get("languages"), spec.get("custom")
    if languages is not None and (
        not isinstance(languages, list) or any(lang not in _LANGUAGES for lang in languages)
    ):
        raise EngineError.format("field_schema.stopwords.languages: expected known languages")
    if custom is not None and (
        not isinstance(custom, list) or not all(isinstance(w, str) for w in custom)
    ):
        raise EngineError.format("field_schema.stopwords.custom: expected a list of strings")
    return qe.StopwordsSet(
        languages={_LANGUAGES[lang] for lang in languages} if languages is not None else None,
        custom=set(custom) if custom is not None else None,
    )


def _unknown_type(kind: Any) -> EngineError:
    expected = ", ".join(f"`{k}`" for k in _TYPES)
    return EngineError.format(f"field_schema: unknown variant `{kind}`, expected one of {expected}")


def schema_out(info: qe.PayloadIndexInfo) -> dict[str, Any]:
    """One entry of ``payload_schema``, from the engine's description of the index."""
    kind = _TYPE_NAMES[_name(info.data_type)]
    out: dict[str, Any] = {"data_type": kind}
    if info.params is not None:
        out["params"] = _params_out(kind, info.params)
    out["points"] = info.points
    return out


def _params_out(kind: str, params: Any) -> dict[str, Any]:
    out: dict[str, Any] = {"type": kind}
    if kind == "text":
        tokenizer = getattr(params, "tokenizer", None)
        if tokenizer is not None:
            out["tokenizer"] = _TOKENIZER_NAMES.get(_name(tokenizer), _name(tokenizer).lower())
        for bound in ("min_token_len", "max_token_len"):
            if getattr(params, bound, None) is not None:
                out[bound] = getattr(params, bound)
    for flag in _FLAGS[kind]:
        value = getattr(params, flag, None)
        if value is not None:
            out[flag] = value
    if kind == "text":
        stopwords = getattr(params, "stopwords", None)
        if isinstance(stopwords, qe.Language):
            out["stopwords"] = _name(stopwords).lower()
        elif stopwords is not None:
            spec: dict[str, Any] = {}
            if stopwords.languages:
                spec["languages"] = sorted(_name(lang).lower() for lang in stopwords.languages)
            if stopwords.custom:
                spec["custom"] = sorted(stopwords.custom)
            out["stopwords"] = spec
        stemmer = getattr(params, "stemmer", None)
        if isinstance(stemmer, qe.SnowballParams):
            out["stemmer"] = {"type": "snowball", "language": _name(stemmer.language).lower()}
    return out
