#!/usr/bin/env python3
"""Instructions a GET /users/me costs, counted by valgrind's callgrind: the
same count every run, where req/s on a shared machine moves 10-20% from one
minute to the next. Use it to price one change; use `cargo xtask
bench-server` for the speed itself.

Usage: instructions_per_request.py SERVER_BINARY [REQUESTS] [--baseline]

Build first (`cargo build --release -p course-server --features solutions`,
and `cargo build --release -p bench-baseline` on its own for the baseline).
The server starts under callgrind with counting off; after a warm-up,
REQUESTS (default 2000) requests on one keep-alive connection are counted,
and the user-space instructions per request are printed, with the
functions that cost the most. valgrind comes from Debian's packages
(`apt-get install valgrind`).
"""
import json
import os
import re
import socket
import subprocess
import sys
import tempfile
import time
import urllib.parse
import urllib.request

SECRET = "bench-secret-0123456789abcdefghijklmnopqrstuvwxyz"
PORT = 18290
COURSE_SERVER = "target/release/server"
TOP = 25


def wait_for_port():
    for _ in range(300):
        try:
            socket.create_connection(("127.0.0.1", PORT), 1).close()
            return
        except OSError:
            time.sleep(0.1)
    sys.exit("nothing listens on the server's port")


def log_in():
    """alice's access token from the course server listening on PORT."""
    form = {"grant_type": "password", "username": "alice", "password": "secret123"}
    body = urllib.parse.urlencode(form).encode()
    url = f"http://127.0.0.1:{PORT}/token"
    return json.load(urllib.request.urlopen(url, body, timeout=300))["access_token"]


def token():
    """A token from a course server of its own, for the baseline, which checks
    only the signature (the course server checks the token's session too, so
    it is measured with a token it issued itself)."""
    env = dict(os.environ, JWT_SECRET=SECRET)
    server = subprocess.Popen(
        [COURSE_SERVER, "--addr", f"127.0.0.1:{PORT}"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port()
        return log_in()
    finally:
        server.kill()
        server.wait()


def get_users_me(connection, request):
    """One request on the open connection; True for a 200."""
    connection.sendall(request)
    answer = b""
    while b"\r\n\r\n" not in answer:
        answer += connection.recv(65536)
    head, body = answer.split(b"\r\n\r\n", 1)
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    while len(body) < length:
        body += connection.recv(65536)
    return head.startswith(b"HTTP/1.1 200")


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        sys.exit(__doc__)
    binary, requests = args[0], int(args[1]) if len(args) > 1 else 2000
    addr = f"127.0.0.1:{PORT}"
    baseline = "--baseline" in sys.argv
    bearer = token() if baseline else None
    if baseline:
        command = [binary, addr, SECRET]
    else:
        # The cheapest cost a server allows: the one login runs under valgrind.
        command = [binary, "--addr", addr, "--bcrypt-cost", "10"]
    out = os.path.join(tempfile.mkdtemp(), "callgrind.out")
    server = subprocess.Popen(
        ["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}"]
        + command,
        env=dict(os.environ, JWT_SECRET=SECRET),
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port()
        bearer = bearer or log_in()
        request = (
            f"GET /users/me HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {bearer}\r\n\r\n"
        ).encode()
        connection = socket.create_connection(("127.0.0.1", PORT))
        for _ in range(200):  # warm-up: caches filled, buffers grown
            get_users_me(connection, request)
        control = ["callgrind_control"]
        subprocess.run(control + ["-i", "on", str(server.pid)], check=True, capture_output=True)
        ok = sum(get_users_me(connection, request) for _ in range(requests))
        subprocess.run(control + ["-i", "off", str(server.pid)], check=True, capture_output=True)
        subprocess.run(control + ["-d", str(server.pid)], check=True, capture_output=True)
    finally:
        server.kill()
        server.wait()
    if ok != requests:
        sys.exit(f"only {ok} of {requests} answers were 200: the token or the server is wrong")
    dump = next(f for f in sorted(os.listdir(os.path.dirname(out))) if f.startswith("callgrind.out."))
    report = subprocess.run(
        ["callgrind_annotate", os.path.join(os.path.dirname(out), dump)],
        check=True, capture_output=True, text=True,
    ).stdout
    rows = [re.match(r"\s*([\d,]+) \([^)]*\)\s+(.*)", line) for line in report.splitlines()]
    rows = [(int(m.group(1).replace(",", "")), m.group(2)) for m in rows if m]
    total = next(count for count, what in rows if "PROGRAM TOTALS" in what)
    print(f"{binary}: {total / requests:,.0f} instructions a GET /users/me ({requests} counted)")
    for count, what in [r for r in rows if "PROGRAM TOTALS" not in r[1]][:TOP]:
        print(f"{count / requests:9,.0f}  {what[:140]}")


if __name__ == "__main__":
    main()
