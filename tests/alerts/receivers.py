"""Real local receivers for notifier tests: an HTTP endpoint and a tiny SMTP server."""

import json
import socketserver
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class HttpReceiver:
    """Records every POST; answers the status codes queued in `fail_first`, then 200."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.fail_first: list[int] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                receiver.requests.append(
                    {
                        "path": self.path,
                        "headers": dict(self.headers),
                        "json": json.loads(body or b"null"),
                    }
                )
                status = receiver.fail_first.pop(0) if receiver.fail_first else 200
                self.send_response(status)
                self.end_headers()
                self.wfile.write(b'{"ok": true}')

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


class SmtpReceiver:
    """Speaks just enough SMTP to accept messages, and keeps them."""

    def __init__(self) -> None:
        self.messages: list[str] = []
        receiver = self

        class Handler(socketserver.StreamRequestHandler):
            def handle(self) -> None:
                self.wfile.write(b"220 localhost ready\r\n")
                while line := self.rfile.readline():
                    command = line.decode().strip().upper()
                    if command == "DATA":
                        self.wfile.write(b"354 go ahead\r\n")
                        data = []
                        while (part := self.rfile.readline()) not in (b".\r\n", b""):
                            data.append(part.decode())
                        receiver.messages.append("".join(data))
                        self.wfile.write(b"250 queued\r\n")
                    elif command.startswith("QUIT"):
                        self.wfile.write(b"221 bye\r\n")
                        return
                    elif command.startswith("EHLO"):
                        self.wfile.write(b"250 localhost\r\n")
                    else:
                        self.wfile.write(b"250 ok\r\n")

        self.server = socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()
