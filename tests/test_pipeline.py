"""The chain: order, context flow, and that it is folded once."""

from __future__ import annotations

import contextvars
from typing import Any

import pytest

from qdpool.call import Call
from qdpool.endpoint import Endpoint
from qdpool.operations import COUNT
from qdpool.pipeline import Handler, Pipeline

ENDPOINT = Endpoint("localhost")
request_id: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="")


def make_call() -> Call:
    return Call(COUNT, "docs", "rest", {"exact": True}, None, 1e12, ENDPOINT)


class Recorder:
    def __init__(self, name: str, log: list[str]) -> None:
        self.name = name
        self.log = log

    async def __call__(self, call: Call, next: Handler) -> Any:
        self.log.append(f"{self.name}>")
        result = await next(call)
        self.log.append(f"<{self.name}")
        return result


async def test_interceptors_run_outermost_first_and_unwind_in_reverse() -> None:
    log: list[str] = []

    async def terminal(call: Call) -> int:
        log.append("transport")
        return 7

    pipeline = Pipeline([Recorder("a", log), Recorder("b", log)], terminal)
    assert await pipeline(make_call()) == 7
    assert log == ["a>", "b>", "transport", "<b", "<a"]


async def test_describe_prints_the_order() -> None:
    class Dispatch:
        name = "transport"

        async def __call__(self, call: Call) -> None:
            return None

    pipeline = Pipeline([Recorder("telemetry", []), Recorder("deadline", [])], Dispatch())
    assert pipeline.describe() == "telemetry → deadline → transport"
    assert repr(pipeline) == "Pipeline(telemetry → deadline → transport)"


async def test_context_set_by_an_interceptor_is_seen_by_the_transport() -> None:
    class SetsContext:
        async def __call__(self, call: Call, next: Handler) -> Any:
            token = request_id.set("abc")
            try:
                return await next(call)
            finally:
                request_id.reset(token)

    async def terminal(call: Call) -> str:
        return request_id.get()

    assert await Pipeline([SetsContext()], terminal)(make_call()) == "abc"


async def test_an_interceptor_may_short_circuit_without_calling_next() -> None:
    class Cached:
        async def __call__(self, call: Call, next: Handler) -> Any:
            return "cached"

    async def terminal(call: Call) -> str:
        raise AssertionError("must not be reached")

    assert await Pipeline([Cached()], terminal)(make_call()) == "cached"


async def test_errors_propagate_through_every_link() -> None:
    log: list[str] = []

    async def terminal(call: Call) -> None:
        raise KeyError("boom")

    with pytest.raises(KeyError):
        await Pipeline([Recorder("a", log)], terminal)(make_call())
    assert log == ["a>"]


def test_find_returns_the_interceptor_of_a_kind() -> None:
    rec = Recorder("a", [])

    async def terminal(call: Call) -> None:
        return None

    pipeline = Pipeline([rec], terminal)
    assert pipeline.find(Recorder) is rec
    assert pipeline.find(int) is None


class Before:
    """An interceptor with ``before``: says whether a call needs its ``__call__``."""

    def __init__(self, log: list[str], *, enough: bool) -> None:
        self.log = log
        self.enough = enough

    def before(self, call: Call) -> bool:
        self.log.append("before")
        if self.enough:
            call.headers["x-before"] = "1"
        return self.enough

    async def __call__(self, call: Call, next: Handler) -> Any:
        self.log.append("call>")
        result = await next(call)
        self.log.append("<call")
        return result


@pytest.mark.parametrize("enough", [True, False])
async def test_before_hands_the_call_on_or_leaves_it_to_call(enough: bool) -> None:
    log: list[str] = []

    async def terminal(call: Call) -> dict[str, str]:
        log.append("transport")
        return dict(call.headers)

    pipeline = Pipeline([Recorder("outer", log), Before(log, enough=enough)], terminal)
    headers = await pipeline(make_call())
    inner = ["transport"] if enough else ["call>", "transport", "<call"]
    assert log == ["outer>", "before", *inner, "<outer"]
    assert headers == ({"x-before": "1"} if enough else {})


async def test_the_default_interceptors_before_matches_their_call() -> None:
    """Auth, the deadline and telemetry without an SDK do through ``before`` what their
    ``__call__`` does, so a call is the same whichever path the link takes."""
    from qdpool.errors import DeadlineExceeded
    from qdpool.interceptors.auth import Auth
    from qdpool.interceptors.deadline import Deadline
    from qdpool.telemetry import Telemetry

    telemetry = Telemetry()
    chain: list[Any] = [
        telemetry.call_interceptor,
        Deadline(),
        telemetry.attempt_interceptor,
        Auth("k"),
    ]

    async def terminal(call: Call) -> dict[str, str]:
        return dict(call.headers)

    linked = Pipeline(chain, terminal)
    for interceptor in chain:
        assert interceptor.before(make_call())
    assert await linked(make_call()) == {"api-key": "k"}

    late = make_call()
    late.deadline = 0.0
    with pytest.raises(DeadlineExceeded, match="deadline expired"):
        await linked(late)
    assert not Deadline().before(late)  # so the link enters __call__, which raises
