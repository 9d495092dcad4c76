"""`AccountSnapshot`: many reads in one provider process answered from one listing of the account.

A refresh reads every application of a stack, one Read call each. One GET per application costs N
requests; listing the account (`page[size]=250`, full application objects) costs `meta.total_pages`.
Which is cheaper is known only as reads come in, so the snapshot decides as it goes, within a
window that starts at a read and lasts at most `MAX_AGE_SECONDS`:

- the window's first read is one GET, so reading one application costs one request, as before;
- its second read lists page 1, which holds up to 250 applications and tells the account's size;
- the other pages are listed, concurrently, once the reads asked for in the window reach the number
  of pages still to list: from then on the listing is the cheaper way, and a small stack in a big
  account keeps reading by GET, having paid one page to learn the account's size;
- reads that arrive while a listing is in flight wait for it; none starts a second.

An application is answered from the snapshot only if it is there, the window is younger than
`MAX_AGE_SECONDS` and this process has not written it; anything else is one GET (so an application
deleted since, or created since, reads as it does today: a 404 still drops it from state). A failed
listing is not an error: the reads it would have answered are GETs. The objects served are the
list's own, which are the API's full application objects, so a read returns what a GET-based read does.
"""

from __future__ import annotations

import copy
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from .client import ApplicationPage, TelnyxClient
from .errors import TelnyxApiError

# The age of the oldest answer a snapshot gives: long enough for one refresh's burst of reads,
# short enough that nothing older than one refresh is ever served.
MAX_AGE_SECONDS = 30.0
# Pages fetched at once, as many as the engine's provider host runs calls at once.
LISTING_CONCURRENCY = 4
@dataclass
class _Window:
    """What the reads of one window know: how many were asked, and the pages listed so far."""

    started: float
    asked: int = 0
    total_pages: int | None = None
    listed: int = 0
    listing: bool = False
    failed: bool = False
    applications: dict[str, dict[str, Any]] = field(default_factory=dict)

    def pages_worth_listing(self) -> list[int]:
        """The pages to list now: page 1 from the second read, the rest once the reads asked reach their count."""
        if self.listing or self.failed:
            return []
        if self.total_pages is None:
            return [1] if self.asked >= 2 else []
        rest = list(range(self.listed + 1, self.total_pages + 1))
        return rest if rest and self.asked >= len(rest) else []

    def record(self, numbers: list[int], pages: list[ApplicationPage] | None) -> None:
        """Keep what a listing brought back (None: it failed, so this window lists no more)."""
        self.listing = False
        if pages is None:
            self.failed = True
            return
        for page in pages:
            self.applications.update((str(app["id"]), app) for app in page.applications if "id" in app)
        if self.total_pages is None:
            self.total_pages = pages[0].total_pages
        self.listed = max(numbers)


class AccountSnapshot:
    """Answers `retrieve(app_id)` like `TelnyxClient.retrieve`, from one listing when that costs fewer requests.

    Thread-safe: the provider host serves several reads at once. `client` returns the provider's
    client (created on first use); every write that client makes is forgotten by the snapshot.
    """

    def __init__(
        self,
        client: Callable[[], TelnyxClient],
        *,
        by_list: bool = True,
        max_age: float = MAX_AGE_SECONDS,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._by_list = by_list
        self._max_age = max_age
        self._clock = clock
        self._changed = threading.Condition()
        self._window: _Window | None = None
        self._written: set[str] = set()
        self._watched: TelnyxClient | None = None

    def retrieve(self, app_id: str) -> dict[str, Any]:
        """The application, from the snapshot or by one GET; raises TelnyxApiError (404 when it does not exist)."""
        client = self._client()
        app = self._from_listing(client, str(app_id)) if self._by_list else None
        return app if app is not None else client.retrieve(app_id)

    def forget(self, app_id: str) -> None:
        """This process wrote the application: from now on it is read with a GET."""
        with self._changed:
            self._written.add(str(app_id))

    def _from_listing(self, client: TelnyxClient, app_id: str) -> dict[str, Any] | None:
        with self._changed:
            if client is not self._watched:
                client.on_write(self.forget)
                self._watched = client
            if app_id in self._written:
                return None
            window = self._current_window()
            window.asked += 1
        while True:
            with self._changed:
                while window.listing:
                    self._changed.wait()
                if self._expired(window) or app_id in self._written:
                    return None
                if app_id in window.applications:
                    return copy.deepcopy(window.applications[app_id])
                numbers = window.pages_worth_listing()
                if not numbers:
                    return None
                window.listing = True
            self._list(client, window, numbers)

    def _current_window(self) -> _Window:
        if self._window is None or self._expired(self._window):
            self._window = _Window(started=self._clock())
        return self._window

    def _expired(self, window: _Window) -> bool:
        return self._clock() - window.started > self._max_age

    def _list(self, client: TelnyxClient, window: _Window, numbers: list[int]) -> None:
        pages = None
        try:
            with ThreadPoolExecutor(max_workers=min(LISTING_CONCURRENCY, len(numbers))) as pool:
                pages = list(pool.map(client.list_page, numbers))
        except TelnyxApiError:
            pass  # a failed listing costs only the GETs it would have saved
        finally:
            with self._changed:
                window.record(numbers, pages)
                self._changed.notify_all()
