#!/usr/bin/env python3
"""Probes a running course server the way an attacker would, from outside.

Usage: probe_abuse.py [BASE_URL]

The server must run with its default login limits, `--trusted-proxy
127.0.0.0/8`, so that this one machine can play many clients through
`X-Forwarded-For` (from a trusted proxy, the server counts the address the
proxy names), and `--header-timeout 2 --idle-timeout 3`, so that stalled
connections are closed within the probe's patience. Checks: a second factor guessed over fresh MFA tokens is
throttled; a revoked session's access tokens die with it; a cross-site
login is refused; failures from elsewhere cannot lock a user out of an
address she uses, while guessing from new addresses stays throttled; a
username spray from one address is throttled; stalled connections are
closed, and hundreds of them from one address leave others answered; a
flood of one account's right password leaves another user's logins
answered; the answers' headers and the parsing of odd input. Exits 1 on
any failure.
"""
import base64
import hashlib
import hmac
import http.client
import sys
import time

from probe_common import Probe

probe = Probe(sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000")
check = probe.check
MFA_GRANT = "urn:course:params:oauth:grant-type:mfa-otp"


def token(fields, client):
    return probe.form("/token", fields, {"X-Forwarded-For": client})


def password(username, secret, client):
    return token([("grant_type", "password"), ("username", username), ("password", secret)], client)


def totp(secret_b32, at):
    key = base64.b32decode(secret_b32)
    digest = hmac.new(key, (at // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF) % 1000000)


def me(access):
    return probe.request("GET", "/users/me", headers={"Authorization": f"Bearer {access}"})[0]


# A revoked session's access tokens: a refresh token reused revokes its
# family, and every access token minted from it with it.
status, _, body, raw = password("alice", "secret123", "192.0.2.1")
first_access, first_refresh = (body or {}).get("access_token", ""), (body or {}).get("refresh_token", "")
status, _, body, raw = token([("grant_type", "refresh_token"), ("refresh_token", first_refresh)], "192.0.2.1")
second_access = (body or {}).get("access_token", "")
check("session: both access tokens open /users/me while the family lives",
      me(first_access) == 200 and me(second_access) == 200, raw)
token([("grant_type", "refresh_token"), ("refresh_token", first_refresh)], "192.0.2.1")
check("session: after a refresh token's reuse, the family's access tokens are refused at once",
      me(first_access) == 401 and me(second_access) == 401)
status, _, body, _ = password("alice", "secret123", "192.0.2.1")
access, refresh = (body or {}).get("access_token", ""), (body or {}).get("refresh_token", "")
probe.form("/revoke", [("token", refresh)])
check("session: /revoke of a refresh token kills the access token of its session", me(access) == 401)

# A cross-site login.
for name, headers in [("Sec-Fetch-Site: cross-site", {"Sec-Fetch-Site": "cross-site"}),
                      ("Origin: https://evil.example", {"Origin": "https://evil.example"})]:
    status, headers_back, body, raw = probe.form("/login", [("username", "alice"), ("password", "secret123")],
                                                 dict(headers, **{"X-Forwarded-For": "192.0.2.2"}))
    check(f"login CSRF: /login with {name} is 403 with a JSON error and no cookie",
          status == 403 and isinstance(body, dict) and body.get("error") and "set-cookie" not in headers_back, raw)

# The second factor guessed over fresh MFA tokens, from one address:
# carol's password (right) and a wrong code, again and again.
right = totp("JBSWY3DPEHPK3PXP", int(time.time()))
wrong = "000000" if right != "000000" else "111111"
throttled_after = None
for attempt in range(1, 13):
    status, _, body, _ = password("carol", "otp-demo-password-1", "198.18.0.1")
    if status == 429:
        throttled_after = attempt
        break
    mfa = (body or {}).get("mfa_token", "")
    status = token([("grant_type", MFA_GRANT), ("mfa_token", mfa), ("otp", wrong)], "198.18.0.1")[0]
    if status == 429:
        throttled_after = attempt
        break
check("totp: wrong codes over fresh MFA tokens are throttled (429) within six tries",
      throttled_after is not None and throttled_after <= 6, f"429 after {throttled_after}")

# Lockout as a weapon: alice logs in from home, then forty failures for
# alice from forty other addresses.
check("lockout: alice logs in from home", password("alice", "secret123", "192.0.2.10")[0] == 200)
for i in range(40):
    password("alice", f"guess-{i}", f"198.51.100.{i + 1}")
check("lockout: forty failures from elsewhere leave alice's right password from home working",
      password("alice", "secret123", "192.0.2.10")[0] == 200)
status, headers, _, raw = password("alice", "secret123", "203.0.113.99")
check("lockout: from yet another new address, alice's username stays throttled (429, Retry-After)",
      status == 429 and headers.get("retry-after", "").isdigit(), f"{status} {raw}")

# A username spray from one address.
statuses = [password(f"spray-{i}", "Winter2026!", "203.0.113.7")[0] for i in range(25)]
check("spray: one address failing over many usernames is throttled (429 within 21 tries)",
      429 in statuses[:21], str(statuses))

# Connections: the server must run with --header-timeout 2 --idle-timeout 3
# for these (CI does), and its default cap of 64 connections an address.
import socket
import threading


def raw(source="127.0.0.1"):
    conn = socket.create_connection((probe.url.hostname, probe.url.port), timeout=10,
                                    source_address=(source, 0))
    return conn


def closed_within(conn, seconds, send=b""):
    started = time.time()
    conn.settimeout(seconds)
    try:
        if send:
            conn.sendall(send)
        while conn.recv(4096):
            pass
        return time.time() - started
    except OSError:
        return None


for name, send in [("half a head", b"GET /users/me HTTP/1.1\r\nHost: x\r\n"),
                   ("half a body", b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded"
                                   b"\r\nContent-Length: 100\r\n\r\ngrant_type")]:
    took = closed_within(raw(), 6, send)
    check(f"deadlines: {name}, then nothing, is closed within the header timeout", took is not None and took < 5,
          f"closed after {took}")
conn = raw()
conn.sendall(b"GET /openapi.json HTTP/1.1\r\nHost: x\r\n\r\n")
time.sleep(0.3)
conn.recv(1 << 20)
took = closed_within(conn, 8)
check("deadlines: a keep-alive connection at rest is closed after the idle timeout, not before the header timeout",
      took is not None and 2 <= took < 7, f"closed after {took}")

stalled = []
for _ in range(200):
    try:
        conn = raw("127.0.0.1")
        conn.sendall(b"GET /users/me HTTP/1.1\r\n")
        stalled.append(conn)
    except OSError:
        break
started = time.time()
other = http.client.HTTPConnection(probe.url.hostname, probe.url.port, timeout=5, source_address=("127.0.0.2", 0))
other.request("GET", "/users/me")
answer = other.getresponse()
answer.read()
check("caps: 200 stalled connections from one address leave another client answered at once",
      answer.status == 401 and time.time() - started < 1, f"{answer.status} after {time.time() - started:.2f} s")
for conn in stalled:
    conn.close()

# A flood of one account's right password, from forty clients (through the
# trusted proxy), while another account logs in: its answers come.
flooding = True


def flood(i):
    while flooding:
        password("alice", "secret123", f"198.19.{i}.1")


threads = [threading.Thread(target=flood, args=(i,)) for i in range(40)]
for thread in threads:
    thread.start()
time.sleep(1)
# bob's logins (disabled: 400 after a bcrypt check like any other).
answers = [password("bob", "correct horse battery staple", f"192.0.2.{200 + i}")[0] for i in range(4)]
flooding = False
for thread in threads:
    thread.join()
check("capacity: during a flood of alice's right password, another account's logins are checked and answered "
      "(400), never 503", answers.count(400) >= 3 and 503 not in answers, str(answers))

# Headers and parsing.
status, headers, _, _ = probe.request("GET", "/users/me")
check("headers: nosniff on an error answer", headers.get("x-content-type-options") == "nosniff", str(headers))
_, _, body, _ = password("alice", "secret123", "192.0.2.1")
access = (body or {}).get("access_token", "")
status, headers, _, _ = probe.request("GET", "/users/me", headers={"Authorization": f"Bearer {access}"})
check("headers: a profile is never stored (Cache-Control: no-store) and never sniffed",
      status == 200 and headers.get("cache-control") == "no-store" and headers.get("x-content-type-options") == "nosniff",
      f"{status} {headers}")
status, _, body, raw_body = probe.request(
    "POST", "/token", "grant_type=password&username=alice&password=secret123&scope=admin%01%C3%A9%22x",
    {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "192.0.2.1"})
described = (body or {}).get("error_description", "")
check("parsing: error_description never echoes a control character, a quote or non-ASCII (RFC 6749 §5.2)",
      status == 400 and described and all(" " <= c <= "~" and c not in '"\\' for c in described), raw_body)
for content_type, expected in [("APPLICATION/X-WWW-FORM-URLENCODED", 200), ("application/x-www-form-urlencodedX", 400)]:
    status = probe.request("POST", "/token", "grant_type=password&username=alice&password=secret123",
                           {"Content-Type": content_type, "X-Forwarded-For": "192.0.2.1"})[0]
    check(f"parsing: a form sent as {content_type} is answered {expected}", status == expected, str(status))
conn = raw()
conn.sendall(b"POST /token HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\n"
             b"Content-Length: 999999999999\r\n\r\n")
conn.settimeout(3)
try:
    first = conn.recv(64)
except OSError:
    first = b""
check("parsing: a Content-Length of 999,999,999,999 is answered 413 at once", first.startswith(b"HTTP/1.1 413"), repr(first))
conn.close()
login = http.client.HTTPConnection(probe.url.hostname, probe.url.port, timeout=10)
login.request("POST", "/login", "username=alice&password=secret123",
              {"Content-Type": "application/x-www-form-urlencoded", "X-Forwarded-For": "192.0.2.1"})
answer = login.getresponse()
answer.read()
pairs = dict(v.split(";")[0].split("=", 1) for k, v in answer.getheaders() if k.lower() == "set-cookie")
access, csrf = pairs.get("__Host-access_token", ""), pairs.get("__Host-csrf", "")
twice = f"__Host-access_token={access}; __Host-csrf={csrf}; __Host-csrf={csrf}"
status = probe.request("POST", "/users/me/items", '{"name": "twice"}',
                       {"Cookie": twice, "X-CSRF-Token": csrf, "Content-Type": "application/json"})[0]
check("cookies: a __Host-csrf cookie sent twice is refused, though both copies are right", status == 403, str(status))
bad_pair = "theme=caf\xe9; __Host-access_token=" + access
conn = raw()
conn.sendall(b"GET /users/me HTTP/1.1\r\nHost: x\r\nConnection: close\r\nCookie: " + bad_pair.encode("latin-1")
             + b"\r\n\r\n")
conn.settimeout(5)
first = conn.recv(64)
conn.close()
check("cookies: a pair with a bad byte costs only itself: the session's cookie still works",
      first.startswith(b"HTTP/1.1 200"), repr(first))

sys.exit(probe.finish("abuse probe"))
