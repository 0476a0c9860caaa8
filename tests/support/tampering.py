"""Forging a signed value for the tests that check it is refused."""

from __future__ import annotations


def tamper(signed: str) -> str:
    """``signed`` (a signed cookie, token or link) with one character of its signature changed,
    so it no longer verifies whatever the signature happens to be.

    The character is the tenth from the end: never the last, whose low bits are base64 padding
    (two strings that differ only there decode to the same bytes), and never a character the
    replacement could equal: a fixed "xx" at the end still verified when the signature's last
    two characters already decoded to those bits, about one run in a thousand (it failed
    ``make test`` once)."""
    i = len(signed) - 10
    return signed[:i] + ("A" if signed[i] != "A" else "B") + signed[i + 1:]
