"""A message gateway for the tests of the warnings' webhook: a local HTTP server in a thread, no external service."""
import json
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer


class Gateway:
    """A local HTTP server standing in for the message gateway: records what it got, answers `status`."""

    def __init__(self):
        self.received, self.status = [], 200
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                gateway.received.append(json.loads(body))
                self.send_response(gateway.status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
