"""What the resilience interceptors report, and who listens.

Retry, hedge, breaker, rate limit and concurrency interceptors tell an
``Observer`` what they did; telemetry implements it (span events and metrics),
tests implement it to count, and the default does nothing. This keeps the
policies free of any telemetry import and the telemetry free of policy logic.

Each hook is called in the task of the call it concerns, so an observer can
read the current span from context. Hooks must be cheap and must not raise.
"""

from __future__ import annotations

from typing import Protocol

from qdpool.call import Call


class Observer(Protocol):
    """Receives resilience events; subclass ``NullObserver`` to listen to only some."""

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        """An attempt failed; ``will_retry`` says whether another attempt follows."""

    def on_backoff(self, call: Call, delay: float) -> None:
        """A retry will be sent after ``delay`` seconds."""

    def on_retry_budget_exhausted(self, call: Call) -> None:
        """A retry was due but the retry budget is spent; the call fails fast."""

    def on_hedge(self, call: Call, delay: float) -> None:
        """A hedged attempt was sent ``delay`` seconds after the first."""

    def on_hedge_won(self, call: Call) -> None:
        """A hedged attempt answered first."""

    def on_breaker_rejected(self, call: Call) -> None:
        """The breaker refused an attempt without sending it."""

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        """A breaker changed state (``closed``, ``open``, ``half_open``)."""

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        """An attempt waited ``seconds`` for the rate limiter."""

    def on_concurrency_wait(self, call: Call, seconds: float) -> None:
        """An attempt waited ``seconds`` for a concurrency slot."""

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        """An attempt moved to another protocol because its own was unavailable."""


class NullObserver:
    """Listens to nothing; the default."""

    def on_attempt_failed(self, call: Call, error: BaseException, will_retry: bool) -> None:
        pass

    def on_backoff(self, call: Call, delay: float) -> None:
        pass

    def on_retry_budget_exhausted(self, call: Call) -> None:
        pass

    def on_hedge(self, call: Call, delay: float) -> None:
        pass

    def on_hedge_won(self, call: Call) -> None:
        pass

    def on_breaker_rejected(self, call: Call) -> None:
        pass

    def on_breaker_state(self, endpoint: str, protocol: str, old: str, new: str) -> None:
        pass

    def on_rate_limit_wait(self, call: Call, seconds: float) -> None:
        pass

    def on_concurrency_wait(self, call: Call, seconds: float) -> None:
        pass

    def on_fallback(self, call: Call, from_protocol: str, to_protocol: str) -> None:
        pass


NULL_OBSERVER = NullObserver()
