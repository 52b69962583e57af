"""Refuse, and record, every attempt to resolve or reach a host outside the loopback network.

Python imports the first `sitecustomize` module on sys.path when it starts. The end-to-end
harness puts this folder on the PYTHONPATH of the processes it starts (Home Assistant and the
plex.tv simulator) and names a record file in PLEX_ACCOUNT_LOOPBACK_GUARD; without that
variable this module does nothing. Once armed, the process may resolve and reach only
loopback IP literals (127.0.0.0/8, ::1, and ::ffff:127.0.0.0/104) and the name `localhost`,
which the hosts file maps to loopback without asking a name server. Anything else is refused
before a packet is sent (socket.gaierror for a name, OSError ENETUNREACH for a connection)
and recorded as one line in the record file: what was tried, the host, and the innermost
frames of the stack that tried it. The harness fails the run when the file holds any line.

Covered: socket.getaddrinfo, gethostbyname(_ex), gethostbyaddr and getnameinfo (which the
asyncio loop's getaddrinfo and socket.create_connection go through); connect, connect_ex,
sendto and sendmsg of every IPv4 and IPv6 socket made with socket.socket (asyncio's
sock_connect, datagram endpoints and ssl included); and aiodns and pycares, whose c-ares
library resolves with sockets of its own: Home Assistant's aiohttp sessions resolve names
with them. A raw DNS query (aiodns `query`, pycares `query` and `search`) always goes to a
name server, so every one is refused, even for `localhost`.
"""

import errno
import ipaddress
import os
import re
import socket
import sys
import threading
import time
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, NoReturn

GUARD_ENV = "PLEX_ACCOUNT_LOOPBACK_GUARD"
# Names the hosts file maps to loopback: resolving them asks no name server.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})
# Reverse look-ups the hosts file answers; any other one asks a name server.
REVERSE_IN_HOSTS_FILE = frozenset({"127.0.0.1", "::1"})
_STACK_FRAMES = 6
# Where installed packages and the standard library live: left out of the stack shown.
_LIBRARY = re.compile(r"^.*/(?:site-packages|lib/python3\.\d+)/")

_lock = threading.Lock()
_record_path = ""


def _host_text(host: object) -> str:
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return "" if host is None else str(host)


def is_loopback(host: object, *, passive: bool = False) -> bool:
    """Return whether host is a loopback IP literal or `localhost`.

    passive: the unspecified address and no host at all are allowed too, as a listening
    socket asks for them (resolving them asks nobody).
    """
    text = _host_text(host).strip("[]")
    if not text:
        return passive
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    if passive and address.is_unspecified:
        return True
    mapped = getattr(address, "ipv4_mapped", None)
    return address.is_loopback or (mapped is not None and mapped.is_loopback)


def _stack() -> str:
    frames = [
        frame
        for frame in traceback.extract_stack()[:-2]
        if Path(frame.filename).name != "sitecustomize.py"
    ]
    shown = []
    for frame in frames[-_STACK_FRAMES:]:
        path = _LIBRARY.sub("", frame.filename)
        shown.append(f"{path}:{frame.lineno} {frame.name}")
    return " < ".join(reversed(shown))


def record(what: str, host: object) -> None:
    """Append one line about a refused attempt to the record file, and to stderr."""
    stamp = time.strftime("%H:%M:%S")
    line = f"{stamp} pid {os.getpid()} {what} {_host_text(host)!r} refused; {_stack()}"
    line = line.replace("\n", " ")
    with _lock, open(_record_path, "a", encoding="utf-8") as file:  # noqa: PTH123
        file.write(line + "\n")
    sys.stderr.write(f"loopback guard: {line}\n")


def _refuse_name(what: str, host: object) -> NoReturn:
    record(what, host)
    raise socket.gaierror(socket.EAI_NONAME, f"loopback guard: {what} {host!r} refused")


def _refuse_address(what: str, host: object) -> NoReturn:
    record(what, host)
    raise OSError(errno.ENETUNREACH, f"loopback guard: {what} {host!r} refused")


def _guard_socket_module() -> None:  # noqa: C901 - one wrapper per function
    getaddrinfo = socket.getaddrinfo
    gethostbyname = socket.gethostbyname
    gethostbyname_ex = socket.gethostbyname_ex
    gethostbyaddr = socket.gethostbyaddr
    getnameinfo = socket.getnameinfo

    def guarded_getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        if not is_loopback(host, passive=True):
            _refuse_name("getaddrinfo", host)
        return getaddrinfo(host, *args, **kwargs)

    def guarded_gethostbyname(host: str) -> str:
        if not is_loopback(host):
            _refuse_name("gethostbyname", host)
        return gethostbyname(host)

    def guarded_gethostbyname_ex(host: str) -> tuple[str, list[str], list[str]]:
        if not is_loopback(host):
            _refuse_name("gethostbyname_ex", host)
        return gethostbyname_ex(host)

    def guarded_gethostbyaddr(host: str) -> tuple[str, list[str], list[str]]:
        if _host_text(host) not in REVERSE_IN_HOSTS_FILE | LOOPBACK_NAMES:
            _refuse_name("gethostbyaddr", host)
        return gethostbyaddr(host)

    def guarded_getnameinfo(sockaddr: tuple[Any, ...], flags: int) -> tuple[str, str]:
        numeric = flags & socket.NI_NUMERICHOST
        if not numeric and _host_text(sockaddr[0]) not in REVERSE_IN_HOSTS_FILE:
            _refuse_name("getnameinfo", sockaddr[0])
        return getnameinfo(sockaddr, flags)

    socket.getaddrinfo = guarded_getaddrinfo
    socket.gethostbyname = guarded_gethostbyname
    socket.gethostbyname_ex = guarded_gethostbyname_ex
    socket.gethostbyaddr = guarded_gethostbyaddr
    socket.getnameinfo = guarded_getnameinfo


def _destination(sock: socket.socket, address: Any) -> object | None:  # noqa: ANN401
    """Return the host of an IPv4 or IPv6 destination outside loopback, else None."""
    if sock.family not in {socket.AF_INET, socket.AF_INET6}:
        return None
    if not isinstance(address, tuple) or not address:
        return None
    host = address[0]
    return None if is_loopback(host) else (_host_text(host) or "<none>")


def _guard_sockets() -> None:
    cls = socket.socket
    connect, connect_ex = cls.connect, cls.connect_ex
    sendto, sendmsg = cls.sendto, cls.sendmsg

    def guarded_connect(self: socket.socket, address: Any) -> None:  # noqa: ANN401
        if (host := _destination(self, address)) is not None:
            _refuse_address("connect", host)
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:  # noqa: ANN401
        if (host := _destination(self, address)) is not None:
            record("connect_ex", host)
            return errno.ENETUNREACH
        return connect_ex(self, address)

    def guarded_sendto(self: socket.socket, data: Any, *args: Any) -> int:  # noqa: ANN401
        if args and (host := _destination(self, args[-1])) is not None:
            _refuse_address("sendto", host)
        return sendto(self, data, *args)

    def guarded_sendmsg(self: socket.socket, *args: Any) -> int:  # noqa: ANN401
        # sendmsg(buffers, ancdata, flags, address): the address is optional.
        if len(args) > 3 and (host := _destination(self, args[3])) is not None:
            _refuse_address("sendmsg", host)
        return sendmsg(self, *args)

    cls.connect = guarded_connect  # type: ignore[method-assign]
    cls.connect_ex = guarded_connect_ex  # type: ignore[method-assign]
    cls.sendto = guarded_sendto  # type: ignore[method-assign,assignment]
    cls.sendmsg = guarded_sendmsg  # type: ignore[method-assign,assignment]


def _wrap(
    owner: type, name: str, allowed: Callable[[Any], bool], refuse: Callable[[str, Any], NoReturn]
) -> None:
    original = getattr(owner, name, None)
    if original is None:
        return

    def guarded(self: Any, host: Any, *args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        if not allowed(host):
            refuse(f"{owner.__module__}.{name}", host)
        return original(self, host, *args, **kwargs)

    guarded.__name__ = name
    setattr(owner, name, guarded)


def _guard_c_ares() -> None:  # noqa: C901 - two optional libraries
    """Guard aiodns's resolver and the pycares channel under it, when they are installed."""

    def reverse(host: Any) -> bool:  # noqa: ANN401 - an address or a socket address
        return _host_text(host[0] if isinstance(host, tuple) else host) in REVERSE_IN_HOSTS_FILE

    def never(_host: Any) -> bool:  # noqa: ANN401 - any name
        return False

    try:
        import pycares  # noqa: PLC0415
    except ImportError:
        pass
    else:

        def ares_refuse(what: str, host: Any) -> NoReturn:  # noqa: ANN401
            record(what, host)
            raise pycares.AresError(pycares.errno.ARES_EREFUSED, "loopback guard: refused")

        for name in ("getaddrinfo", "gethostbyname"):
            _wrap(pycares.Channel, name, is_loopback, ares_refuse)
        for name in ("gethostbyaddr", "getnameinfo"):
            _wrap(pycares.Channel, name, reverse, ares_refuse)
        for name in ("query", "search"):
            _wrap(pycares.Channel, name, never, ares_refuse)
    try:
        import aiodns  # noqa: PLC0415
        import aiodns.error  # noqa: PLC0415
    except ImportError:
        return

    class RefusedError(aiodns.error.DNSError, OSError):  # type: ignore[misc]
        """A refusal both aiodns's callers and socket's understand."""

    def dns_refuse(what: str, host: Any) -> NoReturn:  # noqa: ANN401
        record(what, host)
        raise RefusedError(errno.ENETUNREACH, f"loopback guard: {what} {host!r} refused")

    for name in ("getaddrinfo", "gethostbyname"):
        _wrap(aiodns.DNSResolver, name, is_loopback, dns_refuse)
    for name in ("gethostbyaddr", "getnameinfo"):
        _wrap(aiodns.DNSResolver, name, reverse, dns_refuse)
    for name in ("query", "query_dns"):
        _wrap(aiodns.DNSResolver, name, never, dns_refuse)


def arm(path: str) -> None:
    """Start refusing and recording into path (created empty if missing)."""
    global _record_path  # noqa: PLW0603 - armed once per process
    _record_path = path
    with open(path, "a", encoding="utf-8"):  # noqa: PTH123 - before pathlib is needed
        pass
    _guard_socket_module()
    _guard_sockets()
    _guard_c_ares()


if os.environ.get(GUARD_ENV):
    arm(os.environ[GUARD_ENV])
