"""Webhook calls of the alerts: signed JSON POSTs that cannot be turned against our own network.

* Signing: ``X-TT-Signature: sha256=<hex HMAC-SHA256(secret, f"{timestamp}." + body)>`` with
  ``X-TT-Timestamp`` (unix seconds), as Stripe and GitHub do: the receiver checks the body was
  ours and recent (:func:`verify_signature`, for receivers and the tests). ``X-TT-Delivery`` is
  the same on every retry of one delivery, so receivers can drop a duplicate.
* Server-side request forgery: a subscriber chooses the URL, so only http(s) without user info
  is called, the host is resolved once and refused when *any* of its addresses is not publicly
  routable (loopback, private, link-local, multicast, reserved, unspecified, and IPv4 hidden in
  IPv6 forms), and the connection goes to that checked address (pinned: a DNS answer that
  changes between check and call, "DNS rebinding", cannot redirect it) with the original Host
  header and TLS certificate checked against the host name. Redirects are not followed.
"""
from __future__ import annotations

import hashlib
import hmac
import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import urllib3

MAX_RESPONSE_BYTES = 64 * 1024  # a receiver's answer is read only this far (and only for the error text)
USER_AGENT = "TT-Alerts-Webhook/1"
NAT64 = ipaddress.ip_network("64:ff9b::/96")

IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


# -- signing ------------------------------------------------------------------------------------
def signature(secret: str, timestamp: int | str, body: bytes) -> str:
    """The ``X-TT-Signature`` value for this body at this time."""
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"sha256={mac.hexdigest()}"


def verify_signature(secret: str, timestamp: str | int, body: bytes, header: str | None, tolerance: int = 300,
                     now: float | None = None) -> bool:
    """What a receiver does: the signature matches and the timestamp is within ``tolerance``
    seconds of now (an old, captured call cannot be replayed later)."""
    if not header or not secret:
        return False
    try:
        ts = int(timestamp)
    except (TypeError, ValueError):
        return False
    if abs((time.time() if now is None else now) - ts) > tolerance:
        return False
    return hmac.compare_digest(signature(secret, ts, body), header.strip())


# -- where a call may go ------------------------------------------------------------------------
@dataclass(frozen=True)
class Target:
    scheme: str
    host: str  # as named in the URL (Host header, TLS server name)
    port: int
    address: str  # the checked address the connection goes to
    path: str  # path and query

    @property
    def host_header(self) -> str:
        default = 443 if self.scheme == "https" else 80
        name = f"[{self.host}]" if ":" in self.host else self.host
        return name if self.port == default else f"{name}:{self.port}"


def _embedded(ip: IpAddress) -> list[IpAddress]:
    """The address itself and any IPv4 address an IPv6 form carries (mapped, NAT64, 6to4, Teredo)."""
    found: list[IpAddress] = [ip]
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            found.append(ip.ipv4_mapped)
        if ip.sixtofour is not None:
            found.append(ip.sixtofour)
        if ip.teredo is not None:
            found.extend(ip.teredo)
        if ip in NAT64:
            found.append(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    return found


def is_public(ip: IpAddress) -> bool:
    """Globally routable, and so are the IPv4 addresses it hides (``ip.is_global`` alone lets
    multicast and some IPv6 forms of private addresses through)."""
    for a in _embedded(ip):
        if (not a.is_global or a.is_private or a.is_loopback or a.is_link_local or a.is_multicast or a.is_reserved
                or a.is_unspecified or (isinstance(a, ipaddress.IPv6Address) and a.is_site_local)):
            return False
    return True


def _refuse(zh: str, en: str) -> ValueError:
    return ValueError(f"{zh} ({en})")


def _parse(url: str) -> tuple[str, str, int, str]:
    if not isinstance(url, str) or not url.strip():
        raise _refuse("请填写 Webhook 地址", "a webhook address is required")
    parts = urlsplit(url.strip())
    scheme = parts.scheme.lower()
    if scheme not in ("http", "https"):
        raise _refuse("Webhook 地址只能以 http:// 或 https:// 开头", "only http and https addresses are allowed")
    if parts.username is not None or parts.password is not None or "@" in parts.netloc:
        raise _refuse("Webhook 地址不能包含用户名或密码", "the address must not contain a user name or password")
    try:
        host, port = parts.hostname, parts.port
    except ValueError:
        raise _refuse("Webhook 地址的端口无效", "the port is not valid") from None
    if not host:
        raise _refuse("Webhook 地址缺少主机名", "the address has no host name")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return scheme, host.rstrip("."), port or (443 if scheme == "https" else 80), path


def resolve_target(url: str, allow_private: bool = False) -> Target:
    """The checked destination of ``url``, else ValueError with a message in both languages."""
    scheme, host, port, path = _parse(url)
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        raise _refuse(f"无法解析主机名 {host}", f"the host name {host} could not be resolved") from None
    addresses: list[IpAddress] = []
    for info in infos:
        ip = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        if ip not in addresses:
            addresses.append(ip)
    if not addresses:
        raise _refuse(f"无法解析主机名 {host}", f"the host name {host} could not be resolved")
    if not allow_private:
        for ip in addresses:
            if not is_public(ip):
                raise _refuse(f"Webhook 不能发往内网、本机或保留地址（{host} → {ip}）",
                              f"webhooks may not call loopback, private or reserved addresses: {host} → {ip}")
    return Target(scheme, host, port, str(addresses[0]), path)


def check_webhook_url(url: str, allow_private: bool = False) -> None:
    """Refuse (ValueError) an address a webhook may not call; the subscription form uses it when saving."""
    resolve_target(url, allow_private)


# -- calling ------------------------------------------------------------------------------------
@dataclass
class WebhookResult:
    ok: bool
    status: int | None = None
    error: str | None = None


class WebhookClient:
    def __init__(self, timeout: float = 10.0, allow_private: bool = False):
        self.timeout = timeout
        self.allow_private = allow_private

    def post(self, url: str, secret: str, body: bytes, delivery_id: int, now: float | None = None) -> WebhookResult:
        """One signed POST; never raises. 2xx is success; anything else (a redirect included) is a failure."""
        try:
            target = resolve_target(url, self.allow_private)
        except ValueError as exc:
            return WebhookResult(False, None, str(exc))
        timestamp = int(time.time() if now is None else now)
        headers = {
            "Host": target.host_header,
            "Content-Type": "application/json",
            "User-Agent": USER_AGENT,
            "X-TT-Delivery": str(delivery_id),
            "X-TT-Timestamp": str(timestamp),
            "X-TT-Signature": signature(secret or "", timestamp, body),
        }
        timeout = urllib3.Timeout(connect=self.timeout, read=self.timeout)
        pool: urllib3.HTTPConnectionPool
        if target.scheme == "https":
            pool = urllib3.HTTPSConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1,
                                               cert_reqs="CERT_REQUIRED", server_hostname=target.host,
                                               assert_hostname=target.host)
        else:
            pool = urllib3.HTTPConnectionPool(target.address, target.port, timeout=timeout, retries=False, maxsize=1)
        try:
            response = pool.urlopen("POST", target.path, body=body, headers=headers, redirect=False, retries=False,
                                    preload_content=False, assert_same_host=False)
            try:
                answer = response.read(MAX_RESPONSE_BYTES, decode_content=False)
            finally:
                response.release_conn()
            if 200 <= response.status < 300:
                return WebhookResult(True, response.status)
            text = answer[:300].decode("utf-8", "replace").strip()
            return WebhookResult(False, response.status, f"HTTP {response.status}" + (f": {text}" if text else ""))
        except urllib3.exceptions.HTTPError as exc:
            return WebhookResult(False, None, f"{type(exc).__name__}: {exc}"[:500])
        except OSError as exc:
            return WebhookResult(False, None, f"{type(exc).__name__}: {exc}"[:500])
        finally:
            pool.close()
