#!/usr/bin/env python3
"""Probes a running course server the way an attacker would, from outside.

Usage: probe_abuse.py [BASE_URL]

The server must run with its default login limits and `--trusted-proxy
127.0.0.0/8`, so that this one machine can play many clients through
`X-Forwarded-For` (from a trusted proxy, the server counts the address the
proxy names). Checks: a second factor guessed over fresh MFA tokens is
throttled; a revoked session's access tokens die with it; a cross-site
login is refused; failures from elsewhere cannot lock a user out of an
address she uses, while guessing from new addresses stays throttled; a
username spray from one address is throttled. Exits 1 on any failure.
"""
import base64
import hashlib
import hmac
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

sys.exit(probe.finish("abuse probe"))
