#!/usr/bin/env python3
"""Mixed traffic against a running server for a while: logins, profile
reads, refreshes, logouts and revocations, from several clients at once.
No answer may be a 5xx, no connection may be dropped, and the server's
resident memory must stay flat after the warm-up (growth under 10%).

Usage: soak.py BASE_URL SERVER_PID [SECONDS] [CLIENTS]   (default 60 s, 8 clients)

Start the server with the failed-login limits lifted (the soak fails
logins on purpose): --user-login-burst 1000000 --client-login-burst 1000000
Prints what it sent, by kind and status, and the memory samples.
"""
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse
from collections import Counter

BASE = sys.argv[1]
PID = int(sys.argv[2])
SECONDS = float(sys.argv[3]) if len(sys.argv) > 3 else 60
CLIENTS = int(sys.argv[4]) if len(sys.argv) > 4 else 8
URL = urllib.parse.urlsplit(BASE)
FORM = {"Content-Type": "application/x-www-form-urlencoded"}
WARM_UP = 15

counts = Counter()
problems = []
lock = threading.Lock()


def request(kind, method, path, body=None, headers=None):
    conn = http.client.HTTPConnection(URL.hostname, URL.port or 80, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read()
        status = response.status
    except (http.client.HTTPException, OSError) as error:
        status, data = f"dropped ({type(error).__name__})", b""
    finally:
        conn.close()
    with lock:
        counts[(kind, status)] += 1
        if not isinstance(status, int) or status >= 500:
            problems.append(f"{kind}: {status}")
    return status, data


def login(password="secret123"):
    body = urllib.parse.urlencode({"grant_type": "password", "username": "alice", "password": password,
                                   "scope": "profile items:read"})
    status, data = request("login" if password == "secret123" else "failed login", "POST", "/token", body, FORM)
    return json.loads(data) if status == 200 else None


def client(seed, deadline):
    rng = random.Random(seed)
    tokens = login()
    while time.time() < deadline:
        if tokens is None:
            tokens = login()
            continue
        roll = rng.random()
        bearer = {"Authorization": "Bearer " + tokens["access_token"]}
        if roll < 0.80:
            request("profile", "GET", "/users/me", headers=bearer)
        elif roll < 0.85:
            request("items", "GET", "/users/me/items", headers=bearer)
        elif roll < 0.92:
            body = urllib.parse.urlencode({"grant_type": "refresh_token", "refresh_token": tokens["refresh_token"]})
            status, data = request("refresh", "POST", "/token", body, FORM)
            tokens = json.loads(data) if status == 200 else None
        elif roll < 0.95:
            body = urllib.parse.urlencode({"refresh_token": tokens["refresh_token"]})
            request("logout", "POST", "/logout", body, dict(FORM, **bearer))
            tokens = None
        elif roll < 0.97:
            request("revoke", "POST", "/revoke", urllib.parse.urlencode({"token": tokens["refresh_token"]}), FORM)
            tokens = None
        else:
            login(password="wrong-" + str(rng.random()))


def rss_kib():
    with open(f"/proc/{PID}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def main():
    deadline = time.time() + SECONDS
    threads = [threading.Thread(target=client, args=(i, deadline)) for i in range(CLIENTS)]
    for thread in threads:
        thread.start()
    samples = []
    started = time.time()
    while any(t.is_alive() for t in threads):
        samples.append((round(time.time() - started), rss_kib()))
        time.sleep(5)
    for thread in threads:
        thread.join()
    total = sum(counts.values())
    print(f"soak: {total} requests in {SECONDS:.0f} s from {CLIENTS} clients")
    for (kind, status), n in sorted(counts.items(), key=lambda kv: (kv[0][0], str(kv[0][1]))):
        print(f"soak:   {kind:<13} {status}: {n}")
    print("soak: resident memory (s, KiB): " + ", ".join(f"{t}:{kib}" for t, kib in samples))
    after_warm_up = [kib for t, kib in samples if t >= WARM_UP]
    growth = 0.0
    if len(after_warm_up) >= 2:
        growth = (max(after_warm_up) - after_warm_up[0]) / after_warm_up[0]
    print(f"soak: memory growth after the {WARM_UP} s warm-up: {growth:.1%}")
    if problems:
        print(f"soak: FAILED: {len(problems)} 5xx or dropped: {problems[:10]}")
        return 1
    if growth >= 0.10:
        print("soak: FAILED: memory grew 10% or more after the warm-up")
        return 1
    print("soak: 0 answers of 5xx, 0 dropped connections, memory flat")
    return 0


if __name__ == "__main__":
    sys.exit(main())
