"""Several model hosts as one backend: each call goes to the healthy host with the fewest requests in
flight, each host with its own limit; a host that fails is set aside for a while and retried later,
while the others carry on."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from ..errors import ModelNotFound, VidscanError
from .base import Backend, CallStats, ChatReply, Message, ModelInfo, ServerDown, TransientError

if TYPE_CHECKING:
    from pydantic import BaseModel

T = TypeVar("T", bound="BaseModel")
R = TypeVar("R")
SET_ASIDE_SECONDS = 15.0  # how long a failing host rests before it is tried again


class HostPool(Backend):
    name = "pool"
    label = "model servers"

    def __init__(self, hosts: list[Backend], parallel_per_host: int) -> None:
        super().__init__(", ".join(h.host for h in hosts), hosts[0].timeout, 0)
        self.hosts = hosts
        self.limit = max(1, parallel_per_host)
        self.in_flight = {h.host: 0 for h in hosts}
        self.served = {h.host: 0 for h in hosts}  # successful calls per host, for the report
        self.resting_until = {h.host: 0.0 for h in hosts}
        self._free = threading.Condition()

    @property
    def calls(self) -> int:
        return sum(h.calls for h in self.hosts)

    def calls_by_host(self) -> dict[str, int]:
        """Calls each host answered."""
        return dict(self.served)

    def version(self) -> str:
        return "; ".join(f"{h.host}: {_try(h.version)}" for h in self.hosts)

    def show(self, model: str) -> ModelInfo:
        """The model as the first host that has it describes it; hosts without it are set aside."""
        found: ModelInfo | None = None
        problems: list[VidscanError] = []
        for host in self.hosts:
            try:
                info = host.show(model)
                found = found or info
            except VidscanError as exc:
                problems.append(exc)
                self.resting_until[host.host] = float("inf")  # never comes back in this run
        if found is None:
            raise problems[0]
        return found

    def pull(self, model: str, progress: Callable[[str, int, int], None] | None = None) -> None:
        for host in self.hosts:
            host.pull(model, progress)

    def _chat_once(
        self, model: str, messages: list[Message], schema: dict, num_ctx: int, num_predict: int
    ) -> ChatReply:
        raise AssertionError("HostPool routes whole calls: see chat_json")

    def chat_json(
        self,
        model: str,
        prompt: str,
        schema: type[T],
        images: list[bytes] | None = None,
        system: str | None = None,
        num_ctx: int = 8192,
        num_predict: int = 1024,
    ) -> tuple[T, CallStats]:
        return self._route(
            lambda host: host.chat_json(model, prompt, schema, images, system, num_ctx, num_predict)
        )

    def embed(self, model: str, texts: list[str]) -> list[list[float]]:
        return self._route(lambda host: host.embed(model, texts))

    def _route(self, call: Callable[[Backend], R]) -> R:
        """call(host) on the least busy healthy host; a host that fails rests and another is tried."""
        last: VidscanError | None = None
        for _ in range(len(self.hosts) * 3):
            host = self._acquire()
            if host is None:
                break
            try:
                result = call(host)
                with self._free:
                    self.served[host.host] += 1
                return result
            except (TransientError, ModelNotFound) as exc:
                last = exc
                with self._free:
                    self.resting_until[host.host] = time.monotonic() + SET_ASIDE_SECONDS
            finally:
                self._release(host)
        raise ServerDown(f"no model host answered ({last})" if last else "every model host is set aside")

    def _acquire(self) -> Backend | None:
        """The healthy host with the fewest requests in flight and a free slot; waits for one."""
        with self._free:
            while True:
                now = time.monotonic()
                healthy = [h for h in self.hosts if self.resting_until[h.host] <= now]
                if not healthy:
                    return None  # all set aside at once: the pool is down, as one host would be
                open_hosts = [h for h in healthy if self.in_flight[h.host] < self.limit]
                if open_hosts:
                    host = min(open_hosts, key=lambda h: self.in_flight[h.host])
                    self.in_flight[host.host] += 1
                    return host
                self._free.wait(timeout=1.0)

    def _release(self, host: Backend) -> None:
        with self._free:
            self.in_flight[host.host] -= 1
            self._free.notify_all()


def _try(call: Callable[[], str]) -> str:
    try:
        return call()
    except VidscanError as exc:
        return f"unreachable ({exc})"
