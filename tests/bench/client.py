"""A tiny cookie-keeping HTTP client for the benchmark's setup: log members in through the real
login form and pick up their session cookie and the CSRF token htmx sends."""

from __future__ import annotations

import http.client
import re
import statistics
import time
from http.cookies import SimpleCookie
from urllib.parse import urlencode

CSRF_INPUT_RE = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')
HX_TOKEN_RE = re.compile(r'"X-CSRFToken": "([^&"]+)"')


class Browser:
    def __init__(self, port: int) -> None:
        self.port = port
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def cookie_header(self) -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items())

    def request(self, method: str, path: str, body: dict[str, str] | None = None,
                headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], str]:
        sent = dict(headers or {})
        if self.cookies:
            sent["Cookie"] = self.cookie_header()
        data = None
        if body is not None:
            data = urlencode(body)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=data, headers=sent)
                response = self.conn.getresponse()
                break
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError):
                self.conn.close()  # the server closed a kept-alive connection: reconnect once
                if attempt == 2:
                    raise
        text = response.read().decode()
        for raw in response.headers.get_all("Set-Cookie") or []:
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                self.cookies[name] = morsel.value
        if response.will_close:
            self.conn.close()
        return response.status, dict(response.headers.items()), text

    def log_in(self, login: str, password: str, landing: str) -> str:
        """Log in through the form; returns the CSRF token for X-CSRFToken. After this, the
        session cookie is final (it already holds the CSRF secret)."""
        status, _, page = self.request("GET", "/login")
        assert status == 200, status
        match = CSRF_INPUT_RE.search(page)
        assert match, "no csrf_token input on the login page"
        status, headers, _ = self.request(
            "POST", "/login", {"csrf_token": match.group(1), "login": login,
                               "password": password, "next": ""})
        assert status == 302, f"login failed for {login}: {status}"
        # The login starts a fresh session; the first page rendered after it adds the CSRF
        # secret to it (a new cookie) and shows the matching token in hx-headers.
        status, _, page = self.request("GET", landing)
        assert status == 200, status
        token = HX_TOKEN_RE.search(page)
        assert token, "no X-CSRFToken in the page's hx-headers"
        before = dict(self.cookies)
        self.request("GET", landing)
        assert self.cookies == before, "the session cookie kept changing"
        return token.group(1)


def timed_requests(port: int, cookie: str, paths: list[str], rounds: int,
                   warmup: int = 20) -> dict[str, list[float]]:
    """Sequential GETs, interleaving ``paths`` round by round (so background noise hits each
    path alike); returns per-path latencies in milliseconds, measured client-side."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Cookie": cookie, "HX-Request": "true"}
    samples: dict[str, list[float]] = {p: [] for p in paths}
    for i in range(warmup + rounds):
        for path in paths:
            start = time.perf_counter()
            conn.request("GET", path, headers=headers)
            response = conn.getresponse()
            response.read()
            elapsed = (time.perf_counter() - start) * 1000
            assert response.status == 200, (path, response.status)
            if response.will_close:
                conn.close()
            if i >= warmup:
                samples[path].append(elapsed)
    conn.close()
    return samples


def median_p95(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
