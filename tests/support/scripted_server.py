"""A small OpenAI-compatible chat-completions server for tests and benchmarks.

It runs in a thread on 127.0.0.1 and answers ``POST /v1/chat/completions``
with whatever its *responder* returns for the request, wrapped the way the
request asks: as a tool call when the request offers tools, otherwise as the
message content. Responders are plain functions of the request JSON, so a
test can script a model (see ``rule_model``), an oracle, or a failure.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    """A raw HTTP reply, for responders that script failures (status 0 drops the line)."""

    status: int
    body: Any
    headers: dict[str, str] | None = None


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

            def log_message(self, *args: Any) -> None:  # keep test output clean
                pass

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                request = json.loads(self.rfile.read(length) or b"{}")
                with server._lock:
                    server.requests.append(request)
                if server.latency:
                    time.sleep(server.latency)
                if not self.path.rstrip("/").endswith("/chat/completions"):
                    self._send(Reply(404, {"error": {"message": f"no route {self.path}"}}))
                    return
                result = server.responder(request)
                if isinstance(result, Reply):
                    self._send(result)
                else:
                    self._send(Reply(200, completion(request, result)))

            def _send(self, reply: Reply) -> None:
                if reply.status == 0:
                    self.close_connection = True
                    self.connection.shutdown(2)
                    return
                body = reply.body if isinstance(reply.body, bytes) else json.dumps(reply.body)
                data = body.encode() if isinstance(body, str) else body
                self.send_response(reply.status)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                for key, value in (reply.headers or {}).items():
                    self.send_header(key, value)
                self.end_headers()
                self.wfile.write(data)

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
