"""The CDP driver against a real headless Chromium and a local aiohttp server."""

from __future__ import annotations

import asyncio
import os
import socket
import stat
import struct
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
import pytest_asyncio
from aiohttp import web
from aiohttp.test_utils import TestServer

from tests.explorer.browser import Browser, BrowserClosed, ElementNotFound, JsError, NavigationError, Page

# One browser and one server for the module: launching chromium per test would dominate runtime.
pytestmark = pytest.mark.asyncio(loop_scope="module")

# data: favicon so chromium does not request /favicon.ico and pollute failed_requests.
HEAD = '<head><meta charset="utf-8"><link rel="icon" href="data:,"><title>{title}</title></head>'

INDEX = (
    HEAD.format(title="index")
    + """
<body>
  <button id="go" onclick="document.getElementById('out').textContent = 'clicked'">Go</button>
  <input id="name">
  <p id="out"></p>
  <p id="echo"></p>
  <script>
    const name = document.getElementById('name');
    name.addEventListener('input', () => { document.getElementById('echo').textContent = 'input:' + name.value; });
    name.addEventListener('change', () => { document.body.dataset.changed = name.value; });
  </script>
</body>"""
)

BROKEN = (
    HEAD.format(title="broken")
    + """
<body>
  <script>console.error('explicit console error', 42);</script>
  <script>undefinedFunction();</script>
</body>"""
)

TALL = HEAD.format(title="tall") + '<body style="margin:0"><div style="height:2500px;background:#c33"></div></body>'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


REFUSED_PORT = _free_port()  # nothing listens there: a connection-level failure
MISSING = (
    HEAD.format(title="missing")
    + f"""
<body>
  <img src="/assets/missing.png">
  <img src="http://127.0.0.1:{REFUSED_PORT}/gone.png">
</body>"""
)


async def _slow_image(_: web.Request) -> web.Response:
    await asyncio.sleep(1.0)  # holds the page's load event
    return web.Response(status=404)


def _html(body: str) -> web.RequestHandler:
    async def handler(_: web.Request) -> web.Response:
        return web.Response(text=body, content_type="text/html")

    return handler


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def base_url() -> AsyncIterator[str]:
    app = web.Application()
    for path, body in {"/": INDEX, "/broken": BROKEN, "/tall": TALL, "/missing": MISSING}.items():
        app.router.add_get(path, _html(body))
    app.router.add_get("/slow", _html('<img src="/slow.png">'))
    app.router.add_get("/slow.png", _slow_image)
    server = TestServer(app, host="127.0.0.1", port=_free_port())
    await server.start_server()
    try:
        yield str(server.make_url("")).rstrip("/")
    finally:
        await server.close()


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def browser() -> AsyncIterator[Browser]:
    async with Browser() as b:
        yield b


@pytest_asyncio.fixture(loop_scope="module")
async def page(browser: Browser) -> AsyncIterator[Page]:
    p = await browser.new_page()
    try:
        yield p
    finally:
        await p.close()


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()[:24]
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", "not a PNG"
    width, height = struct.unpack(">II", data[16:24])
    return width, height


async def test_goto_and_evaluate(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/")
    assert await page.evaluate("document.title") == "index"
    assert await page.evaluate("Promise.resolve({a: [1, 2]})") == {"a": [1, 2]}
    assert await page.evaluate("undefined") is None
    assert page.console_errors == []
    assert page.failed_requests == []


async def test_goto_errors(page: Page, base_url: str) -> None:
    with pytest.raises(NavigationError, match="ERR_CONNECTION_REFUSED"):
        await page.goto(f"http://127.0.0.1:{REFUSED_PORT}/")
    with pytest.raises(TimeoutError, match=r"goto .*/slow: .*within 0.3s"):
        await page.goto(base_url + "/slow", timeout=0.3)


async def test_click_changes_dom(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/")
    await page.click("#go")
    assert await page.wait_for("document.getElementById('out').textContent", timeout=2) == "clicked"
    with pytest.raises(ElementNotFound, match="#absent"):
        await page.click("#absent")


async def test_fill_sets_value_and_fires_events(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/")
    await page.fill("#name", 'Ada "L" \\ Lovelace')
    assert await page.evaluate("document.getElementById('name').value") == 'Ada "L" \\ Lovelace'
    assert await page.evaluate("document.getElementById('echo').textContent") == 'input:Ada "L" \\ Lovelace'
    assert await page.evaluate("document.body.dataset.changed") == 'Ada "L" \\ Lovelace'
    with pytest.raises(ElementNotFound):
        await page.fill("#absent", "x")


async def test_wait_for_times_out_with_message(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/")
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(AssertionError, match=r"output never appeared.*last value: ''"):
        await page.wait_for("document.getElementById('out').textContent", timeout=0.4, message="output never appeared")
    assert loop.time() - start < 2


async def test_evaluate_of_throwing_expression_raises(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/")
    with pytest.raises(JsError, match="Error: boom"):
        await page.evaluate("(() => { throw new Error('boom'); })()")
    with pytest.raises(JsError, match="rejected"):
        await page.evaluate("Promise.reject(new Error('rejected'))")


async def test_console_errors_are_captured(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/broken")
    errors = "\n".join(page.console_errors)
    assert "explicit console error 42" in errors
    assert "ReferenceError: undefinedFunction is not defined" in errors


async def test_full_page_and_viewport_screenshots(page: Page, base_url: str, tmp_path: Path) -> None:
    await page.goto(base_url + "/tall")
    full = await page.screenshot(tmp_path / "full.png")
    assert full == tmp_path / "full.png"
    width, height = _png_size(full)
    # Content width is the 1400px window minus the vertical scrollbar; height is the whole div.
    assert 1300 <= width <= 1400 and 2500 <= height <= 2600, (width, height)

    await page.set_viewport(800, 600)
    assert _png_size(await page.screenshot(tmp_path / "view.png", full_page=False)) == (800, 600)


async def test_missing_assets_show_in_failed_requests(page: Page, base_url: str) -> None:
    await page.goto(base_url + "/missing")
    reasons = {r.url: r.reason for r in page.failed_requests}
    assert reasons[base_url + "/assets/missing.png"] == "HTTP 404"
    assert reasons[f"http://127.0.0.1:{REFUSED_PORT}/gone.png"].startswith("net::ERR_")
    assert all(r.resource_type == "Image" for r in page.failed_requests)
    # Chromium also logs each failed load (Log.entryAdded).
    assert any("404" in e and "missing.png" in e for e in page.console_errors), page.console_errors


async def test_launch_failure_reports_stderr(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    fake = tmp_path / "fake-chromium"
    fake.write_text("#!/bin/sh\necho 'no display, giving up' >&2\nexit 3\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("CHROMIUM", str(fake))
    with pytest.raises(RuntimeError, match=r"(?s)exited \(code 3\).*no display, giving up"):
        async with Browser():
            pass


async def test_launch_timeout_kills_silent_process(tmp_path: Path) -> None:
    fake = tmp_path / "silent-chromium"
    pid_file = tmp_path / "pid"
    fake.write_text(f"#!/bin/sh\necho $$ > {pid_file}\necho starting >&2\nexec sleep 30\n")
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    with pytest.raises(RuntimeError, match=r"(?s)no DevTools URL within 0.5s.*starting"):
        async with Browser(str(fake), launch_timeout=0.5):
            pass
    with pytest.raises(ProcessLookupError):  # killed and reaped, not left sleeping
        os.kill(int(pid_file.read_text()), 0)


async def test_dead_connection_fails_pending_commands() -> None:
    async with Browser() as b:
        p = await b.new_page()
        pending = asyncio.create_task(p.evaluate("new Promise(() => {})", timeout=10))
        await asyncio.sleep(0.2)
        await b.connection._ws.close()  # simulate the browser dropping the socket
        with pytest.raises(BrowserClosed):
            async with asyncio.timeout(3):
                await pending
        with pytest.raises(BrowserClosed):
            await p.evaluate("1")


async def test_goto_stops_waiting_when_the_connection_dies(base_url: str) -> None:
    async with Browser() as b:
        p = await b.new_page()
        navigating = asyncio.create_task(p.goto(base_url + "/slow", timeout=10))
        await asyncio.sleep(0.3)  # committed, load held by the slow image
        await b.connection._ws.close()
        with pytest.raises(BrowserClosed, match="Connection.lost"):
            async with asyncio.timeout(3):
                await navigating
