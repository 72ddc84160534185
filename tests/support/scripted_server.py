"""A small OpenAI-compatible chat-completions server for tests and benchmarks.

It runs in a thread on 127.0.0.1 and answers ``POST /v1/chat/completions``
with whatever its *responder* returns for the request, wrapped the way the
request asks: as a tool call when the request offers tools, otherwise as the
message content. Responders are plain functions of the request JSON, so a
test can script a model (see ``rule_model``), an oracle, or a failure.

:class:`ServerProcess` runs the same server in a child process, for
benchmarks: a provider's work never competes with its client for the GIL.
"""

from __future__ import annotations

import contextlib
import json
import multiprocessing
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A raw HTTP reply, for responders that script failures (status 0 drops the line).

    ``trickle`` sends the whole reply, status line to body, one byte every that
    many seconds: a server that is never silent for long, yet never done.
    """

    status: int
    body: Any
    headers: dict[str, str] | None = None
    trickle: float = 0.0


Responder = Callable[[dict[str, Any]], "dict[str, Any] | Reply"]


def completion(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Wrap ``answer`` as a chat completion in the shape the request expects."""
    content = json.dumps(answer, ensure_ascii=False)
    message: dict[str, Any] = {"role": "assistant", "content": content}
    tools = request.get("tools") or []
    if tools:
        message = {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "call_0",
                    "type": "function",
                    "function": {"name": tools[0]["function"]["name"], "arguments": content},
                }
            ],
        }
    prompt_chars = sum(len(str(m.get("content") or "")) for m in request.get("messages", []))
    return {
        "id": "chatcmpl-scripted",
        "object": "chat.completion",
        "created": 1700000000,
        "model": request.get("model", "scripted"),
        "choices": [
            {
                "index": 0,
                "message": message,
                "finish_reason": "tool_calls" if tools else "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_chars // 4,
            "completion_tokens": len(content) // 4,
            "total_tokens": prompt_chars // 4 + len(content) // 4,
        },
    }


class _Server(ThreadingHTTPServer):
    # The default listen backlog (5) resets connections when 32 clients connect at once.
    request_queue_size = 512


class ScriptedServer:
    """``with ScriptedServer(responder) as server: server.base_url``."""

    def __init__(self, responder: Responder, *, latency: float = 0.0, port: int = 0) -> None:
        self.responder = responder
        self.latency = latency
        self.requests: list[dict[str, Any]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            # Headers and body leave in two writes; with Nagle's algorithm on, the body
            # waits for the client's delayed ACK (40 ms on Linux) and every answer is late.
            disable_nagle_algorithm = True

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                arrived = time.monotonic()
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(request)
                reply = self._reply(request)
                # The latency is the whole time to answer, as a provider's would be:
                # the responder's own work counts inside it, not on top of it.
                time.sleep(max(0.0, arrived + server.latency - time.monotonic()))
                self._send(reply)

            def _reply(self, request: dict[str, Any]) -> Reply:
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    return Reply(404, {"error": {"message": f"no route {self.path}"}})
                result = server.responder(request)
                if isinstance(result, Reply):
                    return result
                return Reply(200, completion(request, result))

            def _send(self, reply: Reply) -> None:
                if reply.status == 0:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                data = body.encode() if isinstance(body, str) else body
                if reply.trickle:
                    self._trickle(reply, data)
                    return
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (reply.headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

            def _trickle(self, reply: Reply, data: bytes) -> None:
                head = (
                    f"HTTP/1.1 {reply.status} OK\r\ncontent-type: application/json\r\n"
                    f"content-length: {len(data)}\r\n\r\n"
                ).encode()
                self.close_connection = True
                try:
                    for i, byte in enumerate(head + data):
                        self.wfile.write(bytes([byte]))
                        self.wfile.flush()
                        if i:  # the first byte at once: the client is never kept silent
                            time.sleep(reply.trickle)
                except OSError:  # the client gave up
                    pass

        self._httpd = _Server(("127.0.0.1", port), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}/v1"

    def __enter__(self) -> ScriptedServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def _serve(responder: Responder, latency: float, conn: Any) -> None:
    """The child's side of :class:`ServerProcess`: serve until told to stop."""
    server = ScriptedServer(responder, latency=latency)
    with server:
        conn.send(server.base_url)
        while conn.recv() != "stop":
            # Anything else asks for the requests received since the last time.
            with server._lock:
                fresh, server.requests = server.requests, []
            conn.send(fresh)


class ServerProcess:
    """A :class:`ScriptedServer` in a child process, for benchmarks.

    The child is started with ``spawn``: forking a parent that has threads
    (an earlier run's thread pool) can deadlock the child. ``responder`` must
    be importable (a module-level function).
    """

    def __init__(self, responder: Responder, *, latency: float = 0.0) -> None:
        context = multiprocessing.get_context("spawn")
        self._conn, child = context.Pipe()
        self._process = context.Process(
            target=_serve, args=(responder, latency, child), daemon=True
        )
        self._received: list[dict[str, Any]] = []
        self.base_url = ""

    @property
    def requests(self) -> list[dict[str, Any]]:
        """Every request the server has received, in order of arrival."""
        self._conn.send("requests")
        self._received += self._conn.recv()
        return list(self._received)

    def __enter__(self) -> ServerProcess:
        self._process.start()
        if not self._conn.poll(60):
            self._process.kill()
            raise RuntimeError("the scripted server process did not start within 60 s")
        self.base_url = self._conn.recv()
        return self

    def __exit__(self, *exc: object) -> None:
        with contextlib.suppress(OSError):  # it may have gone already (a broken pipe)
            self._conn.send("stop")
        self._process.join(timeout=5)
        if self._process.is_alive():
            self._process.kill()
