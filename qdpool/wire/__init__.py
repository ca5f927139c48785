"""Conversions both the client and the embedded server need: Qdrant's REST JSON shapes
and qdpool's protobuf messages (Qdrant's field numbers), in both directions.

Client side, the ``encode_*`` functions of ``requests`` turn a ``Call`` (its body in
Qdrant's REST JSON shape, its typed ``Options``) into the request message of the
operation's gRPC method, and ``responses``' ``decode_*`` turn the reply into exactly
what ``rest``'s decoders return for the same answer over REST, so both protocols
compare equal. Server side (the embedded Qdrant-compatible server), ``requests``'
``*_to_rest`` turn a request message into ``(collection, REST body, REST params)``,
refusing any field the server does not honour, and ``responses.responder`` builds the
reply from a REST ``result``. Each operation's spec (``qdpool.operations``) names its
functions; nothing here is looked up by an operation's name.

Rules shared by both protocols' decoders:

* A payload is None when the server returned none or an empty one (gRPC cannot tell an
  absent payload from an empty map; REST gives ``null``, absent or ``{}``). A vector is
  None when the server returned none.
* Scores and vector components are float32 values (``models.as_float32``). A protobuf
  ``float`` already holds exactly that, so vector components are copied as they are.
* Snapshot ``creation_time`` is rendered ``YYYY-MM-DDTHH:MM:SS``: UTC, no zone, whole
  seconds (fractions truncated). Qdrant's REST gives the same without zone but may add a
  fraction; ``rest.normalize_timestamp`` cuts it to the same 19 characters.
* Update statuses are lower-case snake case, as over REST (``"wait_timeout"``).
* Defaults are made explicit where REST and gRPC might differ: retrieve and scroll send
  ``with_payload=true``/``with_vectors=false`` unless the body says otherwise, count sends
  ``exact=true``.

Messages live in qdpool's own proto package (``qdpool.wire``) with Qdrant's names and
field numbers; the wire carries no package names, and method paths come from the specs.

Modules: ``values`` (JSON values, payloads, point ids, vectors, timestamps), ``filters``
(filter dict <-> ``Filter``), ``requests`` and ``responses`` (the shared request and reply
machinery), ``rest`` (REST result JSON -> typed results), ``enums``, and one module per
family of operations: ``collections`` and ``collections_config`` (create, update, info),
``aliases``, ``snapshots``, ``points_ops`` (writes, payloads, vectors, payload indexes)
and ``query_ops`` (queries and reads).
"""
