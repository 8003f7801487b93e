"""A tiny web app for Berth, on the standard library only.

Answers on $PORT, reports health at /healthz, builds its links under the prefix it is served at
(/o/{code}/ in production, /t/{code}/ in staging) and stops gracefully on SIGTERM.
"""

import datetime
import html
import os
import re
import signal
import sys
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

PORT = int(os.environ.get("PORT", "8000"))
HOST = os.environ.get("HOST", "0.0.0.0")
GREETING = os.environ.get("GREETING", "Hello")
STARTED_AT = datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")
PREFIX_PATTERN = re.compile(r"^(/[A-Za-z0-9._~-]+)*$")


def prefix_of(headers):
    """The prefix the gateway serves the app under (X-Forwarded-Prefix, else BERTH_URL_PREFIX)."""
    value = headers.get("X-Forwarded-Prefix")
    if value is None:
        value = os.environ.get("BERTH_URL_PREFIX", "")
    value = value.rstrip("/")
    return value if PREFIX_PATTERN.match(value) else ""


def page(prefix, title, body):
    return f"""<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:40rem;margin:3rem auto;padding:0 1rem;color:#1d2733}}
nav a{{margin-right:1rem}}code{{background:#eef2f6;padding:0 .25rem}}</style>
</head>
<body>
<nav><a href="{prefix}/">Home</a><a href="{prefix}/about">About</a><a href="{prefix}/healthz">Health</a></nav>
{body}
</body>
</html>
"""


class Handler(BaseHTTPRequestHandler):
    server_version = "python-hello"
    protocol_version = "HTTP/1.1"

    def send(self, status, content_type, text):
        data = text.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.send_header("Cache-Control", "no-store")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(data)

    def do_GET(self):
        path = self.path.split("?", 1)[0]
        prefix = prefix_of(self.headers)
        if path == "/healthz":
            self.send(200, "text/plain; charset=utf-8", "ok\n")
        elif path == "/":
            body = (
                f"<h1>{html.escape(GREETING)}</h1>\n"
                f"<p>This is <code>python-hello</code>, process {os.getpid()}, up since {STARTED_AT}.</p>\n"
                f"<p>Served under <code>{html.escape(prefix or '/')}</code>; the links above stay inside it.</p>"
            )
            self.send(200, "text/html; charset=utf-8", page(prefix, "python-hello", body))
        elif path == "/about":
            body = "<h1>About</h1><p>A Python app on the standard library only, run by Berth.</p>"
            self.send(200, "text/html; charset=utf-8", page(prefix, "About python-hello", body))
        else:
            self.send(404, "text/html; charset=utf-8", page(prefix, "Not found", "<h1>Not found</h1>"))

    do_HEAD = do_GET

    def log_message(self, format, *args):
        sys.stdout.write("%s %s\n" % (self.address_string(), format % args))
        sys.stdout.flush()


class Server(ThreadingHTTPServer):
    daemon_threads = False  # let requests in flight finish on shutdown
    block_on_close = True


def main():
    server = Server((HOST, PORT), Handler)

    def stop(signum, _frame):
        print(f"{signal.Signals(signum).name}: finishing requests in flight", flush=True)
        # shutdown() waits for serve_forever() to return, so it runs on another thread.
        threading.Thread(target=server.shutdown, daemon=True).start()
        threading.Timer(10.0, lambda: os._exit(0)).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(f"python-hello listening on {HOST}:{PORT}", flush=True)
    server.serve_forever()
    server.server_close()  # joins the request threads
    os._exit(0)


if __name__ == "__main__":
    main()
