"""What every resolver gets: the caller, the request id, and a database session."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, TypeVar

from strawberry.dataloader import DataLoader

from ca_api.auth.actor import Actor
from ca_api.auth.principal import Principal
from ca_api.errors import ApiError, ErrorCode

K = TypeVar("K")
V = TypeVar("V")

# The most keys one batch read of a loader is asked for: a list of 35,000 rows each asking for
# its client sent one statement with 35,000 parameters (50 s of the server's CPU, then refused
# by the driver, whose limit is 32,767: an internal error). Larger batches go as several reads.
LARGEST_BATCH = 2_000

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

    from ca_api.config import Settings
    from ca_api.db import Database
    from ca_api.trusted_documents.service import Prepared


@dataclass
class RequestScope:
    """Lives for one HTTP request or one websocket; owns the session it opens."""

    database: Database
    request_id: str
    principal: Principal | None = None
    leeway_seconds: int = 0
    # The registered document this request runs, parsed (ca_api.trusted_documents).
    trusted_document: Prepared | None = None
    _session: AsyncSession | None = field(default=None, repr=False)
    _on_close: list[Callable[[], object]] = field(default_factory=list, repr=False)

    def on_close(self, callback: Callable[[], object]) -> None:
        self._on_close.append(callback)

    def session(self) -> AsyncSession:
        if self._session is None:
            self._session = self.database.session()
        return self._session

    async def close(self) -> None:
        for callback in self._on_close:
            callback()
        self._on_close.clear()
        if self._session is not None:
            session, self._session = self._session, None
            # An error in one root field ends the response while a sibling's statement may
            # still be in flight (graphql-core does not wait for the rest): the session is
            # closed once that statement is done (``db.SerialSession``'s turn), never under it.
            turn: asyncio.Lock | None = getattr(session, "_turn", None)
            if turn is None:
                await session.close()
            else:
                async with turn:
                    await session.close()


@dataclass
class Context:
    scope: RequestScope
    settings: Settings
    request: Any = None
    response: Any = None
    extra: dict[str, Any] = field(default_factory=dict)
    connection_params: dict[str, Any] | None = None  # set by strawberry on websockets

    @property
    def principal(self) -> Principal:
        """The caller. A websocket outlives its token: once the token has expired, nothing
        more is answered on it."""
        p = self.scope.principal
        if p is None:
            raise ApiError(ErrorCode.UNAUTHENTICATED, "not authenticated")
        if p.expires_at is not None and p.expires_at + self.scope.leeway_seconds < time.time():
            raise ApiError(ErrorCode.UNAUTHENTICATED, "the token has expired")
        return p

    @property
    def request_id(self) -> str:
        return self.scope.request_id

    @property
    def session(self) -> AsyncSession:
        return self.scope.session()

    @property
    def actor(self) -> Actor:
        return Actor(self.principal, self.request_id)

    def loader(self, name: str, batch: Callable[[list[K]], Awaitable[list[V]]]) -> DataLoader[K, V]:
        """A DataLoader made once per request (N+1 is a bug)."""
        existing = self.extra.get(name)
        if existing is None:
            existing = DataLoader(load_fn=batch, max_batch_size=LARGEST_BATCH)
            self.extra[name] = existing
        return existing
