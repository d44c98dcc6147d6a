#!/usr/bin/env python3
"""Throws random requests at a running server: every route, random methods,
headers, content types and bodies up to the limits. No answer may be a 5xx,
and the server must still serve a login afterwards.

Usage: fuzz_http.py BASE_URL [COUNT] [SEED]   (default 10000 requests, seed 1)

Start the server in test mode so that the random logins do not each pay a
real bcrypt check: COURSE_TEST_MODE=1 server --bcrypt-cost 4 ...
Prints the count of answers by status; exits 1 on any 5xx or dropped
connection. A request that gets no answer is printed, with what it gets
when sent once more.
"""
import http.client
import json
import random
import sys
import urllib.parse
from collections import Counter

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
COUNT = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
SEED = int(sys.argv[3]) if len(sys.argv) > 3 else 1
rng = random.Random(SEED)
URL = urllib.parse.urlsplit(BASE)
DROPPED = []  # requests that got no answer, and what they got when sent again

PATHS = ["/token", "/login", "/logout", "/revoke", "/users/me", "/users/me/items",
         "/openapi.json", "/docs", "/docs/swagger-ui.css", "/", "/admin", "/token/", "//token",
         "/users/me/items/1", "/users/me?x=1", "/%00", "/users/%2e%2e/me"]
METHODS = ["GET", "POST", "POST", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
TYPES = ["application/x-www-form-urlencoded", "application/x-www-form-urlencoded; charset=UTF-8",
         "application/json", "text/plain", "multipart/form-data; boundary=x", "application/xml",
         "", "application/x-www-form-urlencoded; charset=latin1", "garbage/type; x=\"y"]
FIELDS = ["grant_type", "username", "password", "scope", "refresh_token", "mfa_token", "otp",
          "token", "token_type_hint", "client_id", "name"]
VALUES = ["password", "refresh_token", "urn:course:params:oauth:grant-type:mfa-otp", "alice",
          "secret123", "carol", "bob", "profile items:read", "items:write", "", "%", "%zz", "\u00e9",
          "a" * 100, "a" * 5000, "eyJhbGciOiJub25lIn0.e30.", "000000", "\x00", "1e9999"]


def token_like():
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="
    parts = rng.randint(1, 4)
    return ".".join("".join(rng.choice(alphabet) for _ in range(rng.randint(0, 60))) for _ in range(parts))


def authorization():
    return rng.choice([
        "Bearer " + token_like(), "bearer  " + token_like(), "Bearer", "Bearer a b", "Basic YWxpY2U6c2VjcmV0",
        "Bearer " + "a" * 9000, "Token x", "", "Bearer \u00e9".encode("utf-8").decode("latin-1"),
    ])


def body(content_type):
    choice = rng.random()
    if choice < 0.5:
        fields = [(rng.choice(FIELDS), rng.choice(VALUES)) for _ in range(rng.randint(0, 6))]
        return urllib.parse.urlencode(fields).encode()
    if choice < 0.7:
        return json.dumps({rng.choice(FIELDS): rng.choice(VALUES) for _ in range(rng.randint(0, 4))}).encode()
    if choice < 0.9:
        return bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 512)))
    return b"x" * rng.choice([16 * 1024 - 1, 16 * 1024, 16 * 1024 + 1, 20000])


def one():
    method = rng.choice(METHODS)
    path = rng.choice(PATHS)
    headers = {}
    if rng.random() < 0.6:
        headers["Authorization"] = authorization()
    if rng.random() < 0.3:
        headers["Cookie"] = f"__Host-access_token={token_like()}; __Host-csrf={token_like()}"
    if rng.random() < 0.2:
        headers["X-CSRF-Token"] = token_like()
    payload = None
    if method in ("POST", "PUT", "PATCH") or rng.random() < 0.1:
        content_type = rng.choice(TYPES)
        if content_type:
            headers["Content-Type"] = content_type
        payload = body(content_type)
    answer = send(method, path, payload, headers)
    if isinstance(answer, str):
        # Sent again, to tell a request that always drops its connection (a
        # panic, a crash) from one dropped once (a race: an answer sent
        # before the body was read, then the connection closed under it).
        # Either is a failure; the line printed says which.
        again = send(method, path, payload, headers)
        DROPPED.append(f"{method} {path} with {len(payload or b'')} body bytes: {answer}, sent again: {again}")
    return answer


def send(method, path, payload, headers):
    conn = http.client.HTTPConnection(URL.hostname, URL.port or 80, timeout=10)
    try:
        conn.request(method, path, body=payload, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status
    except (http.client.HTTPException, OSError) as error:
        return f"no answer ({type(error).__name__})"
    finally:
        conn.close()


def login_works():
    conn = http.client.HTTPConnection(URL.hostname, URL.port or 80, timeout=10)
    body = "grant_type=password&username=alice&password=secret123"
    conn.request("POST", "/token", body=body, headers={"Content-Type": "application/x-www-form-urlencoded"})
    response = conn.getresponse()
    response.read()
    conn.close()
    return response.status == 200


def main():
    statuses = Counter(one() for _ in range(COUNT))
    bad = {s: n for s, n in statuses.items() if not isinstance(s, int) or s >= 500}
    shown = ", ".join(f"{s}: {n}" for s, n in sorted(statuses.items(), key=lambda kv: str(kv[0])))
    print(f"fuzz: {COUNT} random requests (seed {SEED}); answers by status: {shown}")
    for dropped in DROPPED:
        print(f"fuzz: no answer: {dropped}")
    alive = login_works()
    print(f"fuzz: the server {'still serves a login' if alive else 'NO LONGER SERVES a login'} afterwards")
    if bad or not alive:
        print(f"fuzz: FAILED: {bad}; replay with: fuzz_http.py BASE_URL {COUNT} {SEED}")
        return 1
    print("fuzz: 0 answers of 5xx, 0 dropped connections")
    return 0


if __name__ == "__main__":
    sys.exit(main())
