"""What the outside-in probes share: one HTTP request at a time against a
running course server, and checks printed one line each."""
import http.client
import json
import urllib.parse

FORM = "application/x-www-form-urlencoded"


class Probe:
    def __init__(self, base):
        self.base = base
        self.url = urllib.parse.urlsplit(base)
        self.results = []

    def request(self, method, path, body=None, headers=None):
        """The status, the headers (lower-case names), the JSON body if any, and the raw body."""
        conn = http.client.HTTPConnection(self.url.hostname, self.url.port or 80, timeout=10)
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        data = response.read().decode("utf-8", "replace")
        conn.close()
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        return response.status, {k.lower(): v for k, v in response.getheaders()}, parsed, data

    def form(self, path, fields, headers=None):
        return self.request("POST", path, urllib.parse.urlencode(fields), dict({"Content-Type": FORM}, **(headers or {})))

    def check(self, name, ok, detail=""):
        self.results.append(ok)
        print(("ok    " if ok else "FAIL  ") + name + ("" if ok else f"  -- {detail}"))

    def finish(self, what):
        failed = self.results.count(False)
        print(f"{what}: {len(self.results) - failed} passed, {failed} failed")
        return 1 if failed else 0
