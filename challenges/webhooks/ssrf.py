"""The one rule for where a webhook may be sent (server-side request forgery guard).

A webhook is the one place the server fetches a URL someone typed, so the URL's host must not
lead into our own network: only http(s) (``services.urls.url_problem``), and every address the
host resolves to must be a public one. It is checked when an endpoint is saved and again at
every delivery, because DNS can change in between; the delivery then connects to the address
that was vetted (``Target.address``), never resolving the name a second time.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from flask_babel import gettext as _

from ..services.urls import url_problem

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
# NAT64 (RFC 6052) carries an IPv4 address in its last 32 bits; Python calls it global.
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


@dataclass(frozen=True)
class Target:
    """A vetted destination: connect to ``address``, speak to ``host`` (Host header, TLS SNI
    and certificate name)."""

    scheme: str
    host: str
    port: int
    address: str
    path: str  # path and query, as sent on the request line


class UnsafeURL(ValueError):
    """The URL may not receive webhooks; the message says why, for a form field."""


def _embedded_ipv4(address: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """IPv4 addresses an IPv6 address carries (mapped, 6to4, Teredo, NAT64)."""
    found = [a for a in (address.ipv4_mapped, address.sixtofour) if a is not None]
    if address.teredo is not None:
        found.extend(address.teredo)
    if address in _NAT64:
        found.append(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    return found


def is_public_address(address: IPAddress) -> bool:
    """Whether ``address`` is a public unicast address (not private, loopback, link-local,
    multicast, reserved, unspecified or shared, nor an IPv6 wrapper of one)."""
    if isinstance(address, ipaddress.IPv6Address) and any(
        not is_public_address(inner) for inner in _embedded_ipv4(address)
    ):
        return False
    return not (
        address.is_private or address.is_loopback or address.is_link_local
        or address.is_multicast or address.is_reserved or address.is_unspecified
        or not address.is_global
    )


def _resolve(host: str, port: int) -> list[IPAddress]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as exc:
        raise UnsafeURL(_("That host name does not resolve.")) from exc
    # getaddrinfo may add a scope ("fe80::1%eth0"); the address is what precedes it.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


def vet_webhook_url(url: str, allow_private: bool) -> Target:
    """Check ``url`` as a webhook destination and resolve it; raise ``UnsafeURL`` if refused.

    Every resolved address must be public (unless ``allow_private``, the tests' local
    receivers): a name resolving to one public and one private address is refused, since a
    client could pick either.
    """
    if problem := url_problem(url):
        raise UnsafeURL(problem)
    parts = urlsplit(url)
    if parts.username is not None or parts.password is not None:
        raise UnsafeURL(_("Webhook URLs cannot carry a user name or password."))
    scheme = parts.scheme.lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise UnsafeURL(_("That link has an invalid port.")) from exc
    host = parts.hostname or ""
    addresses = _resolve(host, port)
    if not addresses:
        raise UnsafeURL(_("That host name does not resolve."))
    if not allow_private and not all(is_public_address(a) for a in addresses):
        raise UnsafeURL(_("Webhooks can only be sent to public internet addresses "
                          "(not private, loopback or link-local ones)."))
    path = parts.path or "/"
    if parts.query:
        path += "?" + parts.query
    return Target(scheme, host, port, str(addresses[0]), path)
