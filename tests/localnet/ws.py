"""A bare PubSub client over aiohttp, to see the node's WebSocket frames exactly as sent."""

from __future__ import annotations

import asyncio
import json
from collections import defaultdict
from typing import Any

import aiohttp

TIMEOUT_SECS = 10.0


class PubSubClient:
    """Answers by request id, notifications by subscription id, in arrival order."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self._next_id = 0
        self._answers: dict[Any, asyncio.Future[dict[str, Any]]] = {}
        self.notifications: dict[int, asyncio.Queue[dict[str, Any]]] = defaultdict(asyncio.Queue)
        self.frames: list[dict[str, Any]] = []
        self._reader = asyncio.create_task(self._read())

    async def _read(self) -> None:
        async for message in self.ws:
            if message.type != aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            self.frames.append(frame)
            if isinstance(frame, dict) and "method" in frame:
                self.notifications[frame["params"]["subscription"]].put_nowait(frame)
            else:
                key = frame.get("id") if isinstance(frame, dict) else "batch"
                future = self._answers.pop(key, None)
                if future is not None and not future.done():
                    future.set_result(frame)

    async def request(self, method: str, params: Any = None, *, raw: str | None = None, answer_id: Any = None) -> Any:
        """The whole answer frame (result or error); `raw` is sent as is, its answer carries `answer_id`
        ("batch" for an array)."""
        self._next_id += 1
        request_id = self._next_id
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._answers[request_id if raw is None else answer_id] = future
        payload: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
        if params is not None:
            payload["params"] = params
        await self.ws.send_str(raw if raw is not None else json.dumps(payload))
        return await asyncio.wait_for(future, TIMEOUT_SECS)

    async def subscribe(self, method: str, params: Any = None) -> int:
        answer = await self.request(method, params)
        assert "result" in answer, answer
        return int(answer["result"])

    async def next(self, subscription: int, timeout: float = TIMEOUT_SECS) -> dict[str, Any]:
        return await asyncio.wait_for(self.notifications[subscription].get(), timeout)

    async def close(self) -> None:
        await self.ws.close()
        self._reader.cancel()


async def connect(session: aiohttp.ClientSession, url: str) -> PubSubClient:
    return PubSubClient(await session.ws_connect(url, max_msg_size=0))
