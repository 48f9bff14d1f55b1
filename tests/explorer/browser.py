"""Minimal headless-Chromium driver speaking the Chrome DevTools Protocol over aiohttp.

No browser-automation dependency: one websocket to the browser, flattened sessions per page,
one reader task that resolves command futures and dispatches events.
"""

from __future__ import annotations

import asyncio
import base64
import collections
import contextlib
import itertools
import json
import os
import re
import shutil
import signal
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import aiohttp

DEFAULT_CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-quic",
    "--no-first-run",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--remote-debugging-port=0",
    "--window-size=1400,1000",
)
_DEVTOOLS_LINE = re.compile(r"DevTools listening on (ws://\S+)")

# Pseudo-event the connection sends every page when the socket dies.
CONNECTION_LOST = "Connection.lost"
# Events after which no load event will ever come.
_FATAL_EVENTS = (CONNECTION_LOST, "Inspector.targetCrashed", "Inspector.detached")

Event = tuple[str, dict[str, Any]]
EventHandler = Callable[[str, dict[str, Any]], None]


class CdpError(Exception):
    """A CDP command answered with an error."""

    def __init__(self, method: str, message: str, code: int | None = None) -> None:
        super().__init__(f"{method}: {message}" + (f" (code {code})" if code is not None else ""))
        self.method = method
        self.message = message
        self.code = code


class BrowserClosed(ConnectionError):
    """The DevTools connection is gone (browser exited, socket closed or reader crashed)."""


class JsError(Exception):
    """Page-side JavaScript threw (or a promise rejected) during evaluate."""


class NavigationError(Exception):
    """Page.navigate reported an errorText (DNS, connection refused, ...)."""


class ElementNotFound(LookupError):
    """A CSS selector matched nothing."""


@dataclass(frozen=True)
class FailedRequest:
    """A request that did not deliver its resource."""

    url: str
    reason: str  # CDP errorText ("net::ERR_...") or "HTTP <status>"
    resource_type: str


class _Connection:
    """One browser-level websocket: ids, pending futures, per-session event dispatch."""

    def __init__(self, http: aiohttp.ClientSession, ws: aiohttp.ClientWebSocketResponse) -> None:
        self._http = http
        self._ws = ws
        self._ids = itertools.count(1)
        self._pending: dict[int, tuple[str, asyncio.Future[dict[str, Any]]]] = {}
        self._handlers: dict[str | None, EventHandler] = {}
        self._dead: BaseException | None = None
        self._reader = asyncio.create_task(self._read(), name="cdp-reader")

    @classmethod
    async def open(cls, url: str, timeout: float) -> _Connection:
        http = aiohttp.ClientSession()
        try:
            # Screenshots arrive as one large base64 message: no size cap.
            async with asyncio.timeout(timeout):
                ws = await http.ws_connect(url, max_msg_size=0)
        except BaseException:
            await http.close()
            raise
        return cls(http, ws)

    def on_events(self, session_id: str | None, handler: EventHandler | None) -> None:
        if handler is None:
            self._handlers.pop(session_id, None)
        else:
            self._handlers[session_id] = handler

    async def send(
        self,
        method: str,
        params: dict[str, Any] | None = None,
        *,
        session_id: str | None = None,
        timeout: float = 10.0,
    ) -> dict[str, Any]:
        if self._dead is not None:
            raise BrowserClosed(f"{method}: connection is closed") from self._dead
        msg_id = next(self._ids)
        fut: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._pending[msg_id] = (method, fut)
        message: dict[str, Any] = {"id": msg_id, "method": method, "params": params or {}}
        if session_id is not None:
            message["sessionId"] = session_id
        try:
            try:
                await self._ws.send_str(json.dumps(message))
            except (ConnectionError, aiohttp.ClientError) as exc:
                raise BrowserClosed(f"{method}: could not send: {exc!r}") from exc
            async with asyncio.timeout(timeout):
                return await fut
        except TimeoutError:
            raise TimeoutError(f"CDP {method} got no answer within {timeout}s") from None
        finally:
            self._pending.pop(msg_id, None)

    async def _read(self) -> None:
        error: BaseException = BrowserClosed("DevTools websocket closed")
        try:
            async for msg in self._ws:
                if msg.type != aiohttp.WSMsgType.TEXT:
                    continue
                data = json.loads(msg.data)
                if "id" in data:
                    self._resolve(data)
                else:
                    handler = self._handlers.get(data.get("sessionId"))
                    if handler is not None:
                        handler(data["method"], data.get("params", {}))
        except asyncio.CancelledError:
            error = BrowserClosed("DevTools connection closed by client")
            raise
        except BaseException as exc:  # a crash here must not leave callers waiting forever
            error = BrowserClosed(f"CDP reader crashed: {exc!r}")
            error.__cause__ = exc
        finally:
            self._dead = error
            for _, fut in self._pending.values():
                if not fut.done():
                    fut.set_exception(error)
            self._pending.clear()
            # Event waiters are not futures here: tell them too, so they stop instead of timing out.
            for handler in list(self._handlers.values()):
                with contextlib.suppress(Exception):
                    handler(CONNECTION_LOST, {"error": str(error)})

    def _resolve(self, data: dict[str, Any]) -> None:
        entry = self._pending.get(data["id"])
        if entry is None or entry[1].done():
            return  # caller timed out and left
        method, fut = entry
        if "error" in data:
            err = data["error"]
            fut.set_exception(CdpError(method, err.get("message", str(err)), err.get("code")))
        else:
            fut.set_result(data.get("result", {}))

    async def close(self) -> None:
        self._reader.cancel()
        with contextlib.suppress(BaseException):
            await self._reader
        with contextlib.suppress(Exception):
            await self._ws.close()
        await self._http.close()


class Browser:
    """`async with Browser() as b: page = await b.new_page()` — a throwaway headless Chromium."""

    def __init__(self, executable: str | None = None, *, launch_timeout: float = 20.0) -> None:
        self.executable = executable or os.environ.get("CHROMIUM", DEFAULT_CHROMIUM)
        self.launch_timeout = launch_timeout
        self._proc: asyncio.subprocess.Process | None = None
        self._profile: str | None = None
        self._conn: _Connection | None = None
        # Chromium keeps logging to stderr; it must be drained or the pipe fills and blocks it.
        self._stderr_tail: collections.deque[str] = collections.deque(maxlen=200)
        self._stderr_task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> Browser:
        try:
            await self._launch()
        except BaseException:
            await self.close()
            raise
        return self

    async def __aexit__(self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None) -> None:
        await self.close()

    @property
    def stderr(self) -> str:
        """Recent chromium stderr, for diagnostics."""
        return "\n".join(self._stderr_tail)

    async def _launch(self) -> None:
        self._profile = tempfile.mkdtemp(prefix="explorer-chromium-")
        self._proc = await asyncio.create_subprocess_exec(
            self.executable,
            *CHROMIUM_FLAGS,
            f"--user-data-dir={self._profile}",
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # own process group: close() can kill renderers/zygotes too
        )
        ws_url: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        self._stderr_task = asyncio.create_task(self._drain_stderr(ws_url), name="chromium-stderr")
        try:
            async with asyncio.timeout(self.launch_timeout):
                url = await ws_url
        except TimeoutError:
            raise RuntimeError(f"chromium printed no DevTools URL within {self.launch_timeout}s; stderr:\n{self.stderr}") from None
        self._conn = await _Connection.open(url, self.launch_timeout)

    async def _drain_stderr(self, ws_url: asyncio.Future[str]) -> None:
        assert self._proc is not None and self._proc.stderr is not None
        while line := await self._proc.stderr.readline():
            text = line.decode(errors="replace").rstrip()
            self._stderr_tail.append(text)
            if not ws_url.done() and (m := _DEVTOOLS_LINE.search(text)):
                ws_url.set_result(m.group(1))
        if not ws_url.done():
            code = await self._proc.wait()
            ws_url.set_exception(RuntimeError(f"chromium exited (code {code}) before DevTools was ready; stderr:\n{self.stderr}"))

    @property
    def connection(self) -> _Connection:
        if self._conn is None:
            raise BrowserClosed("browser is not running")
        return self._conn

    async def new_page(self, timeout: float = 10.0) -> Page:
        """Open a blank tab with Page, Runtime, Log and Network events enabled."""
        conn = self.connection
        target = await conn.send("Target.createTarget", {"url": "about:blank"}, timeout=timeout)
        target_id = target["targetId"]
        attached = await conn.send("Target.attachToTarget", {"targetId": target_id, "flatten": True}, timeout=timeout)
        page = Page(conn, target_id, attached["sessionId"])
        await page._enable(timeout)
        return page

    async def close(self) -> None:
        """Close the browser, kill its process group, remove the profile. Idempotent."""
        graceful = False
        if self._conn is not None:
            with contextlib.suppress(Exception):
                await self._conn.send("Browser.close", timeout=3.0)
                graceful = True
            await self._conn.close()
            self._conn = None
        if self._proc is not None:
            if graceful:  # let it flush the profile; otherwise straight to SIGKILL
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(5.0):
                        await self._proc.wait()
            # Even after a clean exit, helper processes may linger in the group.
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(self._proc.pid, signal.SIGKILL)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(5.0):
                    await self._proc.wait()
            self._proc = None
        if self._stderr_task is not None:
            self._stderr_task.cancel()
            with contextlib.suppress(BaseException):
                await self._stderr_task
            self._stderr_task = None
        if self._profile is not None:
            shutil.rmtree(self._profile, ignore_errors=True)
            self._profile = None


class Page:
    """One tab, driven through its flattened CDP session."""

    def __init__(self, conn: _Connection, target_id: str, session_id: str) -> None:
        self._conn = conn
        self.target_id = target_id
        self.session_id = session_id
        self.console_errors: list[str] = []
        self.failed_requests: list[FailedRequest] = []
        self._request_urls: dict[str, tuple[str, str]] = {}  # requestId -> (url, resource type)
        self._subscribers: list[asyncio.Queue[Event]] = []
        conn.on_events(session_id, self._on_event)

    async def send(self, method: str, params: dict[str, Any] | None = None, timeout: float = 10.0) -> dict[str, Any]:
        """Raw CDP command on this page's session."""
        return await self._conn.send(method, params, session_id=self.session_id, timeout=timeout)

    async def _enable(self, timeout: float) -> None:
        for domain in ("Page", "Runtime", "Log", "Network"):
            await self.send(f"{domain}.enable", timeout=timeout)

    # ---- events -------------------------------------------------------------------------------

    def _on_event(self, method: str, params: dict[str, Any]) -> None:
        if method == "Runtime.consoleAPICalled" and params.get("type") == "error":
            self.console_errors.append(" ".join(_remote_to_text(a) for a in params.get("args", [])))
        elif method == "Runtime.exceptionThrown":
            self.console_errors.append(_exception_text(params.get("exceptionDetails", {})))
        elif method == "Log.entryAdded" and params["entry"].get("level") == "error":
            entry = params["entry"]
            where = f" ({entry['url']})" if entry.get("url") else ""
            self.console_errors.append(entry.get("text", "") + where)
        elif method == "Network.requestWillBeSent":
            rtype = params.get("type", "Other")
            self._request_urls[params["requestId"]] = (params["request"]["url"], rtype)
        elif method == "Network.responseReceived" and params["response"].get("status", 0) >= 400:
            # An HTTP 404 is a "successful" load to CDP; for "did every asset load" it is a failure.
            resp = params["response"]
            reason = f"HTTP {resp['status']}"
            self.failed_requests.append(FailedRequest(resp["url"], reason, params.get("type", "Other")))
        elif method == "Network.loadingFailed" and not params.get("canceled"):
            # Canceled loads (navigating away, aborted fetches) are not broken assets.
            fallback = ("<unknown>", params.get("type", "Other"))
            url, rtype = self._request_urls.get(params["requestId"], fallback)
            self.failed_requests.append(FailedRequest(url, params.get("errorText", "failed"), rtype))
        for queue in self._subscribers:
            queue.put_nowait((method, params))

    @contextlib.contextmanager
    def _events(self) -> Iterator[asyncio.Queue[Event]]:
        """Queue of every event from now until the block exits (subscribe before the command)."""
        queue: asyncio.Queue[Event] = asyncio.Queue()
        self._subscribers.append(queue)
        try:
            yield queue
        finally:
            self._subscribers.remove(queue)

    # ---- navigation and JS --------------------------------------------------------------------

    async def goto(self, url: str, timeout: float = 15.0) -> None:
        """Navigate and wait for the main frame's load event of *this* navigation."""
        stage = "no answer to Page.navigate"
        try:
            # One deadline for the command and the wait, so `timeout` bounds the whole call.
            async with asyncio.timeout(timeout):
                with self._events() as events:
                    result = await self.send("Page.navigate", {"url": url}, timeout=timeout)
                    if result.get("errorText"):
                        raise NavigationError(f"{url}: {result['errorText']}")
                    loader = result.get("loaderId")
                    if loader is None:
                        return  # same-document navigation (fragment): no load event follows
                    # A stale load event (e.g. about:blank's) may be queued; only count the one
                    # after our main-frame commit, which CDP orders before it.
                    stage = "never committed"
                    while True:
                        method, params = await events.get()
                        if method == "Page.frameNavigated":
                            frame = params["frame"]
                            if "parentId" not in frame and frame.get("loaderId") == loader:
                                stage = "committed but did not fire load"
                        elif method == "Page.loadEventFired" and stage.startswith("committed"):
                            return
                        elif method in _FATAL_EVENTS:
                            raise BrowserClosed(f"goto {url}: {method} {params}")
        except TimeoutError:
            raise TimeoutError(f"goto {url}: {stage} within {timeout}s") from None

    async def evaluate(self, expression: str, timeout: float = 10.0) -> Any:
        """Evaluate in the page; promises are awaited, the result is returned by value."""
        result = await self.send(
            "Runtime.evaluate",
            {"expression": expression, "returnByValue": True, "awaitPromise": True},
            timeout=timeout,
        )
        if "exceptionDetails" in result:
            raise JsError(_exception_text(result["exceptionDetails"]))
        return _remote_value(result["result"])

    async def wait_for(self, predicate: str, timeout: float = 5.0, message: str = "condition not met") -> Any:
        """Poll a JS expression until truthy; return its value or raise AssertionError."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        last: Any = None
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise AssertionError(f"{message} (after {timeout}s; last value: {last!r})")
            try:
                last = await self.evaluate(predicate, timeout=remaining)
            except (JsError, CdpError) as exc:  # not rendered yet, or context swapped by a navigation
                last = exc
            except TimeoutError:
                continue
            else:
                if last:
                    return last
            await asyncio.sleep(min(0.05, max(0.0, deadline - loop.time())))

    async def click(self, selector: str) -> None:
        """Scroll to, focus and click the first match (a DOM click, not synthesized mouse input)."""
        await self._on_element(selector, "el.scrollIntoView({block: 'center'}); el.focus(); el.click();")

    async def fill(self, selector: str, text: str) -> None:
        """Replace the first match's value and fire `input` then `change`."""
        # Use the prototype's value setter so frameworks tracking `value` see the change.
        await self._on_element(
            selector,
            f"""
            if (!('value' in el)) throw new Error('element has no value: ' + el.tagName);
            el.focus();
            const setter = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(el), 'value')?.set;
            if (setter) setter.call(el, {json.dumps(text)}); else el.value = {json.dumps(text)};
            el.dispatchEvent(new Event('input', {{bubbles: true}}));
            el.dispatchEvent(new Event('change', {{bubbles: true}}));
        """,
        )

    async def _on_element(self, selector: str, body: str) -> None:
        found = await self.evaluate(f"(() => {{ const el = document.querySelector({json.dumps(selector)}); if (!el) return false; {body} return true; }})()")
        if not found:
            raise ElementNotFound(f"no element matches {selector!r}")

    # ---- rendering ----------------------------------------------------------------------------

    async def set_viewport(self, width: int, height: int) -> None:
        """Emulate a CSS viewport of this size at device scale 1."""
        await self.send(
            "Emulation.setDeviceMetricsOverride",
            {"width": width, "height": height, "deviceScaleFactor": 1, "mobile": False},
        )

    async def screenshot(self, path: str | os.PathLike[str], full_page: bool = True, timeout: float = 30.0) -> Path:
        """Write a PNG of the whole document (or just the viewport); return its path."""
        params: dict[str, Any] = {"format": "png"}
        if full_page:
            size = (await self.send("Page.getLayoutMetrics", timeout=timeout))["cssContentSize"]
            params["captureBeyondViewport"] = True
            params["clip"] = {
                "x": 0,
                "y": 0,
                "width": size["width"],
                "height": size["height"],
                "scale": 1,
            }
        data = (await self.send("Page.captureScreenshot", params, timeout=timeout))["data"]
        out = Path(path)
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_bytes(base64.b64decode(data))
        return out

    async def close(self, timeout: float = 5.0) -> None:
        """Close the tab; quiet if the browser is already gone."""
        self._conn.on_events(self.session_id, None)
        with contextlib.suppress(CdpError, BrowserClosed, TimeoutError):
            await self._conn.send("Target.closeTarget", {"targetId": self.target_id}, timeout=timeout)


def _remote_value(obj: dict[str, Any]) -> Any:
    if "value" in obj:
        return obj["value"]
    unser = obj.get("unserializableValue")
    if unser is None:
        return None  # undefined, or a value that cannot be serialized (functions, symbols)
    if unser.endswith("n"):
        return int(unser[:-1])  # BigInt
    return float(unser)  # NaN, Infinity, -Infinity, -0


def _remote_to_text(obj: dict[str, Any]) -> str:
    if "value" in obj:
        return str(obj["value"])
    return str(obj.get("description") or obj.get("unserializableValue") or obj.get("type", ""))


def _exception_text(details: dict[str, Any]) -> str:
    exc = details.get("exception") or {}
    return str(exc.get("description") or exc.get("value") or details.get("text", "exception"))
