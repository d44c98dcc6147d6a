#!/usr/bin/env python3
"""Probes a running course server from outside, over real HTTP.

Usage: JWT_SECRET=<the server's secret> probe_server.py [BASE_URL]

Checks every point of the HTTP contract in docs/http-contract.md that an
outside client can see, forges tokens with the shared secret to check the
validation rules, throws odd input at it (never a 500), and logs in with a
standard OAuth2 client library (requests-oauthlib's password grant) when that
is installed. Prints one line a check and exits 1 on any failure.
"""
import base64
import hashlib
import hmac
import http.client
import json
import os
import sys
import time
import urllib.parse

from probe_common import FORM, Probe

BASE = sys.argv[1] if len(sys.argv) > 1 else "http://127.0.0.1:8000"
URL = urllib.parse.urlsplit(BASE)
SECRET = os.environ.get("JWT_SECRET", "").encode()
probe = Probe(BASE)
request = probe.request
check = probe.check


def login(fields, content_type=FORM):
    body = urllib.parse.urlencode(fields) if isinstance(fields, list) else fields
    headers = {"Content-Type": content_type} if content_type else {}
    return request("POST", "/token", body, headers)


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def forge(header, claims, key=SECRET, digest=hashlib.sha256):
    signing_input = b64(json.dumps(header).encode()) + "." + b64(json.dumps(claims).encode())
    signature = b64(hmac.new(key, signing_input.encode(), digest).digest()) if key is not None else ""
    return signing_input + "." + signature


def me(authorization=None):
    headers = {"Authorization": authorization} if authorization is not None else {}
    return request("GET", "/users/me", headers=headers)


def expect_error(name, reply, status, code, challenge=None):
    """`code` None: not an OAuth error, so the body has no `error` member."""
    got_status, headers, body, raw = reply
    ok = got_status == status and isinstance(body, dict) and body.get("error") == code \
        and bool(body.get("error_description"))
    if challenge is not None:
        ok = ok and headers.get("www-authenticate") == challenge
    check(name, ok, f"got {got_status} {headers.get('www-authenticate')} {raw[:200]}")


GOOD = [("grant_type", "password"), ("username", "alice"), ("password", "secret123")]

# POST /token
status, headers, body, raw = login(GOOD)
check("token: 200 with access_token, token_type bearer, expires_in, scope, refresh_token",
      status == 200 and set(body or {}) == {"access_token", "token_type", "expires_in", "scope", "refresh_token"}
      and body["token_type"] == "bearer" and isinstance(body["expires_in"], int), raw)
check("token: Cache-Control no-store and Pragma no-cache",
      headers.get("cache-control") == "no-store" and headers.get("pragma") == "no-cache", str(headers))
token = (body or {}).get("access_token", "")
check("token: charset on the content type is accepted",
      login(GOOD, FORM + "; charset=UTF-8")[0] == 200)
check("token: unknown fields ignored", login(GOOD + [("remember_me", "yes")])[0] == 200)

# Step 16 on: clients. Skipped when the app has no /users (an earlier step).
if request("GET", "/users")[0] != 404:
    def basic(client_id, secret):
        pair = urllib.parse.quote_plus(client_id) + ":" + urllib.parse.quote_plus(secret)
        return {"Content-Type": FORM, "Authorization": "Basic " + base64.b64encode(pair.encode()).decode()}

    SERVICE = ("course-service", "course-service-secret-0123456789ab")
    expect_error("clients: an unknown client_id is 401 invalid_client",
                 login(GOOD + [("client_id", "x")]), 401, "invalid_client")
    check("clients: course-cli by client_id alone may use the password grant",
          login(GOOD + [("client_id", "course-cli")])[0] == 200)
    reply = request("POST", "/token", "grant_type=client_credentials", basic(SERVICE[0], "wrong"))
    expect_error("clients: a wrong secret by Basic is 401 invalid_client", reply, 401, "invalid_client")
    check("clients: ... with the Basic challenge",
          reply[1].get("www-authenticate") == 'Basic realm="course"', str(reply[1]))
    status, headers, body, raw = request("POST", "/token", "grant_type=client_credentials", basic(*SERVICE))
    check("clients: client_credentials gives an access token and no refresh token",
          status == 200 and "refresh_token" not in (body or {}) and (body or {}).get("scope") == "users:read", raw)
    service = (body or {}).get("access_token", "")
    status, headers, body, raw = request("GET", "/users", headers={"Authorization": "Bearer " + service})
    check("clients: GET /users lists the accounts, and nothing more",
          status == 200 and body == [{"username": "alice", "disabled": False},
                                     {"username": "bob", "disabled": True},
                                     {"username": "carol", "disabled": False}], raw)
    expect_error("clients: a client token on /users/me is 403 insufficient_scope",
                 me("Bearer " + service), 403, "insufficient_scope")
    forged = forge({"alg": "HS256", "typ": "JWT"},
                   {"sub": "course-service", "client_id": "course-service", "scope": "users:read",
                    "exp": int(time.time()) + 600, "iat": int(time.time()), "jti": "probe"})
    expect_error("clients: client claims signed with the user key are no client token",
                 request("GET", "/users", headers={"Authorization": "Bearer " + forged}), 401, "invalid_token")
    expect_error("clients: the first-party public client may not use client_credentials",
                 login([("grant_type", "client_credentials")]), 400, "unauthorized_client")
    reply = request("POST", "/token", "grant_type=password&username=alice&password=secret123",
                    basic("course-web", "course-web-secret-0123456789abcdef"))
    expect_error("clients: course-web may not use the password grant", reply, 400, "unauthorized_client")

bodies = []
for name, fields in [("wrong password", [("grant_type", "password"), ("username", "alice"), ("password", "nope")]),
                     ("unknown user", [("grant_type", "password"), ("username", "mallory"), ("password", "secret123")]),
                     ("disabled user", [("grant_type", "password"), ("username", "bob"),
                                        ("password", "correct horse battery staple")])]:
    reply = login(fields)
    expect_error(f"token: {name} is 400 invalid_grant", reply, 400, "invalid_grant")
    bodies.append(reply[3])
check("token: the three invalid_grant answers are identical", len(set(bodies)) == 1, str(bodies))

for name, fields in [("missing grant_type", GOOD[1:]), ("missing username", [GOOD[0], GOOD[2]]),
                     ("empty password", GOOD[:2] + [("password", "")]),
                     ("repeated username", GOOD + [("username", "bob")])]:
    expect_error(f"token: {name} is 400 invalid_request", login(fields), 400, "invalid_request")
expect_error("token: JSON body is 400 invalid_request",
             login(json.dumps(dict(GOOD)), "application/json"), 400, "invalid_request")
expect_error("token: no content type is 400 invalid_request", login(urllib.parse.urlencode(GOOD), None),
             400, "invalid_request")
expect_error("token: an unknown grant_type is unsupported_grant_type",
             login([("grant_type", "urn:example:nothing")] + GOOD[1:]), 400, "unsupported_grant_type")
expect_error("token: a 17 KiB body is 413", login(urllib.parse.urlencode(GOOD) + "&pad=" + "x" * 17000),
             413, "invalid_request")

# GET /users/me
status, headers, body, raw = me(f"Bearer {token}")
check("me: 200 with exactly username, email, full_name, disabled",
      status == 200 and set(body or {}) == {"username", "email", "full_name", "disabled"}
      and body["username"] == "alice" and "$2" not in raw, raw)
check("me: the scheme is case-insensitive", me(f"bearer {token}")[0] == 200 and me(f"BEARER {token}")[0] == 200)
expect_error("me: no header is 401 with a bare challenge and no error code", me(), 401, None, "Bearer")
expect_error("me: Basic is 401 with a bare challenge and no error code", me("Basic YWxpY2U6c2VjcmV0MTIz"), 401,
             None, "Bearer")
expect_error("an unknown path is a JSON 404 with no error code", request("GET", "/nope"), 404, None)
reply = request("GET", "/token")
expect_error("GET /token is a JSON 405 with no error code", reply, 405, None)
check("GET /token's 405 says Allow: POST", reply[1].get("allow") == "POST", str(reply[1]))
for name, value in [("Bearer alone", "Bearer"), ("two words", "Bearer a b"), ("bad characters", "Bearer a$b")]:
    expect_error(f"me: {name} is 400 invalid_request", me(value), 400, "invalid_request",
                 'Bearer error="invalid_request"')

now = int(time.time())
claims = {"sub": "alice", "exp": now + 600, "iat": now, "jti": "probe", "scope": "profile"}
hs256 = {"alg": "HS256", "typ": "JWT"}
if SECRET:
    check("me: a token forged with the shared secret is accepted (the probe signs correctly)",
          me("Bearer " + forge(hs256, claims))[0] == 200)
    forged = [
        ("another key", forge(hs256, claims, key=b"x" * 40)),
        ("alg none", forge({"alg": "none"}, claims, key=None)),
        ("HS384", forge({"alg": "HS384", "typ": "JWT"}, claims, digest=hashlib.sha384)),
        ("RS256 header", forge({"alg": "RS256", "typ": "JWT"}, claims)),
        ("expired an hour ago", forge(hs256, dict(claims, exp=now - 3600))),
        ("nbf in an hour", forge(hs256, dict(claims, nbf=now + 3600))),
        ("no exp", forge(hs256, {k: v for k, v in claims.items() if k != "exp"})),
        ("unknown subject", forge(hs256, dict(claims, sub="mallory"))),
    ]
    for name, bad in forged:
        expect_error(f"me: {name} is 401 invalid_token", me("Bearer " + bad), 401, "invalid_token",
                     'Bearer error="invalid_token"')
else:
    check("forged-token checks need JWT_SECRET set to the server's secret", False, "JWT_SECRET unset")

# Steps 09 to 15, as a client sees them.
def grant(fields):
    return login(fields)


status, _, body, raw = grant(GOOD + [("scope", "items:read items:write")])
check("scopes: granted scope is in the response", status == 200 and body.get("scope") == "items:read items:write", raw)
items_token = body.get("access_token", "") if body else ""
expect_error("scopes: a token without profile is 403 insufficient_scope on /users/me", me(f"Bearer {items_token}"), 403,
             "insufficient_scope", 'Bearer error="insufficient_scope", scope="profile"')
expect_error("scopes: an undefined scope is invalid_scope", grant(GOOD + [("scope", "admin")]), 400, "invalid_scope")
expect_error("disabled: bob's forged but valid token is 401 invalid_token",
             me("Bearer " + forge(hs256, dict(claims, sub="bob"))) if SECRET else (401, {"www-authenticate": 'Bearer error="invalid_token"'}, {"error": "invalid_token", "error_description": "skipped"}, ""),
             401, "invalid_token", 'Bearer error="invalid_token"')

first = body.get("refresh_token", "") if body else ""
status, _, body, raw = grant([("grant_type", "refresh_token"), ("refresh_token", first)])
second = body.get("refresh_token", "") if body else ""
check("refresh: a refresh rotates the refresh token", status == 200 and second and second != first, raw)
expect_error("refresh: the rotated token is refused", grant([("grant_type", "refresh_token"), ("refresh_token", first)]),
             400, "invalid_grant")
expect_error("refresh: after the reuse the family is revoked", grant([("grant_type", "refresh_token"), ("refresh_token", second)]),
             400, "invalid_grant")

status, _, body, _ = grant(GOOD)
bye = body.get("access_token", "") if body else ""
status = request("POST", "/logout", headers={"Authorization": f"Bearer {bye}"})[0]
check("logout: 204", status == 204, str(status))
expect_error("logout: the token is then invalid_token", me(f"Bearer {bye}"), 401, "invalid_token")
status, _, _, raw = request("POST", "/revoke", "token=garbage", {"Content-Type": FORM})
check("revoke: 200 with an empty body for any token", status == 200 and raw == "", f"{status} {raw}")

conn = http.client.HTTPConnection(URL.hostname, URL.port or 80, timeout=10)
conn.request("POST", "/login", urllib.parse.urlencode(GOOD[1:] + [("scope", "items:write")]), {"Content-Type": FORM})
answer = conn.getresponse()
answer.read()
cookies = [v for k, v in answer.getheaders() if k.lower() == "set-cookie"]
conn.close()
jar = "; ".join(c.split(";")[0] for c in cookies)
csrf = next((c.split(";")[0].split("=", 1)[1] for c in cookies if c.startswith("__Host-csrf=")), "")
check("cookies: /login sets an HttpOnly __Host-access_token and a __Host-csrf",
      answer.status == 204 and any(c.startswith("__Host-access_token=") and "HttpOnly" in c for c in cookies) and csrf,
      str(cookies))
add = lambda extra: request("POST", "/users/me/items", '{"name": "probe"}',
                            dict({"Cookie": jar, "Content-Type": "application/json"}, **extra))
expect_error("cookies: a POST by cookie without X-CSRF-Token is 403", add({}), 403, "csrf_token_invalid")
check("cookies: a POST by cookie with X-CSRF-Token is 201", add({"X-CSRF-Token": csrf})[0] == 201)
huge = request("POST", "/users/me/items", json.dumps({"name": "x" * 17000}),
               {"Cookie": jar, "Content-Type": "application/json", "X-CSRF-Token": csrf})
expect_error("items: a 17 KiB body is 413", huge, 413, "invalid_request")


def totp(secret_b32, at):
    key = base64.b32decode(secret_b32)
    digest = hmac.new(key, (at // 30).to_bytes(8, "big"), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return "%06d" % ((int.from_bytes(digest[offset:offset + 4], "big") & 0x7FFFFFFF) % 1000000)


carol = [("grant_type", "password"), ("username", "carol"), ("password", "otp-demo-password-1")]
status, headers, body, raw = grant(carol)
mfa = body.get("mfa_token", "") if body else ""
check("totp: carol's password alone is 403 mfa_required with an mfa_token",
      status == 403 and body.get("error") == "mfa_required" and mfa, raw)
expect_error("totp: the mfa_token is not an access token", me(f"Bearer {mfa}"), 401, "invalid_token")
otp = [("grant_type", "urn:course:params:oauth:grant-type:mfa-otp"), ("mfa_token", mfa)]
status, _, body, raw = grant(otp + [("otp", totp("JBSWY3DPEHPK3PXP", int(time.time())))])
check("totp: the current code finishes the login", status == 200 and body.get("access_token"), raw)

status, headers, body, raw = request("GET", "/openapi.json")
check("openapi: /openapi.json is OpenAPI 3.1 with the password flow",
      status == 200 and body.get("openapi") == "3.1.0"
      and body["components"]["securitySchemes"]["oauth2"]["flows"]["password"]["tokenUrl"] == "/token", raw[:200])
status, headers, _, raw = request("GET", "/docs")
policy = headers.get("content-security-policy", "")
script_src = next((d.split()[1:] for d in policy.split(";") if d.split()[:1] == ["script-src"]), [])
inline = raw.rsplit("<script>", 1)[-1].split("</script>", 1)[0]
inline_hash = "'sha256-" + base64.b64encode(hashlib.sha256(inline.encode()).digest()).decode() + "'"
check("openapi: /docs is Swagger UI from the server itself, under a same-origin CSP",
      status == 200 and "swagger-ui-bundle.js" in raw and "https://" not in raw
      and "default-src 'self'" in policy, raw[:200])
check("docs: no 'unsafe-inline' script; the page's inline script allowed by its hash",
      "'unsafe-inline'" not in script_src and inline_hash in script_src, f"{policy} (inline script hash {inline_hash})")
check("docs: frame-ancestors 'none', nosniff, no-referrer",
      "frame-ancestors 'none'" in policy and headers.get("x-content-type-options") == "nosniff"
      and headers.get("referrer-policy") == "no-referrer", str(headers))

# Timing, reported not asserted: the three invalid_grant cases should cost the same.
def median_ms(fields, runs=5):
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        login(fields)
        samples.append((time.perf_counter() - started) * 1000)
    return sorted(samples)[runs // 2]


timings = {name: median_ms(fields) for name, fields in [
    ("wrong password", [("grant_type", "password"), ("username", "alice"), ("password", "nope")]),
    ("unknown user", [("grant_type", "password"), ("username", "mallory"), ("password", "nope")]),
    ("disabled user", [("grant_type", "password"), ("username", "bob"), ("password", "correct horse battery staple")]),
]}
print("info  invalid_grant timing (median of 5): " + ", ".join(f"{k} {v:.0f} ms" for k, v in timings.items()))

# Odd input: never a 500.
odd = [("POST", "/token", b"%", {"Content-Type": FORM}),
       ("POST", "/token", b"grant_type=password&username=%ff%fe&password=%zz", {"Content-Type": FORM}),
       ("POST", "/token", bytes(range(256)), {"Content-Type": FORM}),
       ("POST", "/token", b"{}", {"Content-Type": "application/json"}),
       ("GET", "/token", None, {}),
       ("PUT", "/users/me", b"x", {}),
       ("GET", "/users/me", None, {"Authorization": "Bearer " + "a" * 8000}),
       ("GET", "/users/me", None, {"Authorization": "Bearer a.b.c"}),
       ("GET", "/nope", None, {})]
worst = max(request(m, p, b, h)[0] for m, p, b, h in odd)
check("odd input: no 5xx answer", worst < 500, f"worst status {worst}")
check("odd input: the server still answers afterwards", login(GOOD)[0] == 200)

# A standard OAuth2 client library's password grant.
try:
    from oauthlib.oauth2 import LegacyApplicationClient
    from requests_oauthlib import OAuth2Session
except ImportError:
    print("skip  requests-oauthlib is not installed: pip install requests-oauthlib")
else:
    os.environ.setdefault("OAUTHLIB_INSECURE_TRANSPORT", "1")  # loopback, no TLS
    session = OAuth2Session(client=LegacyApplicationClient(client_id="course-cli"))
    issued = session.fetch_token(token_url=BASE + "/token", username="alice", password="secret123")
    check("oauthlib: the password grant returns a bearer token",
          issued.get("token_type") == "bearer" and bool(issued.get("access_token")), str(issued))
    answer = session.get(BASE + "/users/me")
    check("oauthlib: the session's token opens /users/me", answer.status_code == 200, answer.text)

sys.exit(probe.finish("probe"))
