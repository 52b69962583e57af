"""Refuse, and record, every attempt to resolve or reach a host off the loopback network.

The one guard of the tests, the end-to-end harness, the demo and the benchmarks. Armed, a
process may resolve and reach only loopback IP literals (127.0.0.0/8, ::1, ::ffff:127.0.0.0/104)
and the names the hosts file maps to loopback (`localhost`), which ask no name server.
Anything else is refused before a packet is sent (socket.gaierror for a name, OSError
ENETUNREACH for an address) and recorded: one line naming what was tried, the host and the
innermost frames that tried it, kept in `refused`, written to stderr and to the record file.

Covered: socket.getaddrinfo, gethostbyname(_ex), gethostbyaddr and getnameinfo (which the
asyncio loop's getaddrinfo and socket.create_connection go through); connect, connect_ex,
sendto and sendmsg of every IPv4 and IPv6 socket made with socket.socket (asyncio's
sock_connect and datagram endpoints included); and aiodns and pycares, whose c-ares library
resolves with sockets of its own (Home Assistant's aiohttp sessions resolve with them). A raw
DNS query (aiodns `query`, pycares `query` and `search`) always asks a name server: refused.

In this process: arm(). In a child: environment() puts `site/` (whose sitecustomize arms the
guard at start-up) and the repository on PYTHONPATH, and names the record file.
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
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, NoReturn

GUARD_ENV = "PLEX_ACCOUNT_LOOPBACK_GUARD"
SITE = Path(__file__).resolve().parent / "site"
ROOT = SITE.parents[2]
# Names the hosts file maps to loopback, and the reverse look-ups it answers.
LOOPBACK_NAMES = frozenset({"localhost", "localhost.", "ip6-localhost", "ip6-loopback"})
REVERSE_IN_HOSTS_FILE = frozenset({"127.0.0.1", "::1"}) | LOOPBACK_NAMES
_STACK_FRAMES = 6
# Where installed packages and the standard library live: left out of the frames shown.
_LIBRARY = re.compile(r"^.*/(?:site-packages|lib/python3\.\d+)/")
_MARK = "loopback_guard"

refused: list[str] = []
"""Every attempt refused in this process since it was armed (or the list was cleared)."""
_lock = threading.Lock()
_record_path: str | None = None


def _text(host: object) -> str:
    if isinstance(host, bytes):
        return host.decode("ascii", "replace")
    return "" if host is None else str(host)


def is_loopback(host: object, *, passive: bool = False) -> bool:
    """Return whether host is a loopback IP literal or `localhost`.

    passive: no host and the unspecified address pass too, as a listening socket asks for
    them (resolving them asks nobody).
    """
    text = _text(host).strip("[]")
    if not text:
        return passive
    if text.lower() in LOOPBACK_NAMES:
        return True
    try:
        address = ipaddress.ip_address(text.split("%", 1)[0])
    except ValueError:
        return False
    mapped = getattr(address, "ipv4_mapped", None)
    return (
        address.is_loopback
        or (mapped is not None and mapped.is_loopback)
        or (passive and address.is_unspecified)
    )


def _stack() -> str:
    frames = [f for f in traceback.extract_stack() if f.filename != __file__]
    shown = [f"{_LIBRARY.sub('', f.filename)}:{f.lineno} {f.name}" for f in frames[-_STACK_FRAMES:]]
    return " < ".join(reversed(shown))


def _record(what: str, host: object) -> None:
    line = f"{time.strftime('%H:%M:%S')} pid {os.getpid()} {what} {_text(host)!r} refused; "
    line = (line + _stack()).replace("\n", " ")
    with _lock:
        refused.append(line)
        if _record_path is not None:
            # os.open, not open(): Home Assistant reports open() in its event loop as blocking.
            record = os.open(_record_path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
            try:
                os.write(record, (line + "\n").encode())
            finally:
                os.close(record)
    sys.stderr.write(f"loopback guard: {line}\n")


def _raise(error: Callable[[str], BaseException]) -> Callable[[str, object], NoReturn]:
    def refuse(what: str, host: object) -> NoReturn:
        _record(what, host)
        msg = f"loopback guard: {what} {_text(host)!r} refused"
        raise error(msg)

    return refuse


def _unreachable(what: str, host: object) -> int:
    _record(what, host)
    return errno.ENETUNREACH


_refuse_name = _raise(lambda text: socket.gaierror(socket.EAI_NONAME, text))
_refuse_address = _raise(lambda text: OSError(errno.ENETUNREACH, text))


def _install(
    owner: object,
    name: str,
    offender: Callable[..., object | None],
    refuse: Callable[[str, object], Any],
) -> None:
    """Wrap owner.name so that it refuses when offender(*args) names a host; once."""
    original = getattr(owner, name, None)
    if original is None or getattr(original, _MARK, False):
        return
    what = name if owner is socket or owner is socket.socket else f"{owner.__module__}.{name}"

    def guarded(*args: Any, **kwargs: Any) -> Any:  # noqa: ANN401
        if (host := offender(*args, **kwargs)) is not None:
            return refuse(what, host)
        return original(*args, **kwargs)

    guarded.__name__ = guarded.__qualname__ = name
    setattr(guarded, _MARK, True)
    setattr(owner, name, guarded)


def _name(host: object = None, *_: object, **__: object) -> object | None:
    return None if is_loopback(host, passive=True) else _text(host)


def _reverse(host: object = None, *_: object, **__: object) -> object | None:
    text = _text(host[0] if isinstance(host, tuple) else host)
    return None if text in REVERSE_IN_HOSTS_FILE else text


def _nameinfo(sockaddr: object = (), flags: int = 0, *_: object) -> object | None:
    return None if flags & socket.NI_NUMERICHOST else _reverse(sockaddr)


def _never(host: object = None, *_: object, **__: object) -> object | None:
    return _text(host) or "?"


def _destination(sock: socket.socket, address: object = None, *_: object) -> object | None:
    """Return the host of an IPv4 or IPv6 destination off loopback, else None."""
    if sock.family not in {socket.AF_INET, socket.AF_INET6} or not isinstance(address, tuple):
        return None
    return None if not address or is_loopback(address[0]) else _text(address[0]) or "?"


# What c-ares resolvers may look up: names, reverse look-ups, and never a raw query.
_C_ARES = {"getaddrinfo": _name, "gethostbyname": _name, "gethostbyaddr": _reverse}
_C_ARES |= {"getnameinfo": _reverse, "query": _never, "search": _never, "query_dns": _never}


def _guard_c_ares() -> None:
    """Guard pycares's channel and aiodns's resolver, where they are installed."""
    owners: list[tuple[object, Callable[[str, object], NoReturn]]] = []
    try:
        import pycares  # noqa: PLC0415
    except ImportError:
        pass
    else:
        error = pycares.AresError
        owners.append((pycares.Channel, _raise(lambda t: error(pycares.errno.ARES_EREFUSED, t))))
    try:
        import aiodns  # noqa: PLC0415
        import aiodns.error  # noqa: PLC0415
    except ImportError:
        pass
    else:

        class RefusedError(aiodns.error.DNSError, OSError):
            """A refusal that aiodns's callers and socket's both understand."""

        owners.append((aiodns.DNSResolver, _raise(lambda t: RefusedError(errno.ENETUNREACH, t))))
    for owner, refuse in owners:
        for name, check in _C_ARES.items():
            _install(owner, name, lambda _self, *a, c=check, **k: c(*a, **k), refuse)


def arm(record: str | os.PathLike[str] | None = None) -> None:
    """Refuse from now on; record into `record` too (created, empty, if missing).

    Arming again wraps whatever replaced a guarded function since (as pytest-socket and
    Home Assistant's test plugin do before each test).
    """
    global _record_path  # noqa: PLW0603 - one guard per process
    if record is not None:
        _record_path = os.fspath(record)
        Path(_record_path).touch()
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex"):
        _install(socket, name, _name, _refuse_name)
    _install(socket, "gethostbyaddr", _reverse, _refuse_name)
    _install(socket, "getnameinfo", _nameinfo, _refuse_name)
    _install(socket.socket, "connect", _destination, _refuse_address)
    _install(socket.socket, "connect_ex", _destination, _unreachable)
    _install(socket.socket, "sendto", lambda s, *a: _destination(s, a[-1]), _refuse_address)
    # sendmsg(buffers, ancdata, flags, address): the address is optional.
    _install(socket.socket, "sendmsg", lambda s, *a: _destination(s, *a[3:4]), _refuse_address)
    _guard_c_ares()


def environment(record: Path, env: Mapping[str, str] | None = None) -> dict[str, str]:
    """Return env (os.environ by default) that arms the guard in a child Python.

    site/ goes first on PYTHONPATH, so that its sitecustomize is the one Python imports, and
    the repository after it, so that it can import this module. The record file starts empty.
    """
    env = dict(os.environ if env is None else env)
    record.parent.mkdir(parents=True, exist_ok=True)
    record.unlink(missing_ok=True)
    paths = [str(SITE), str(ROOT), *filter(None, env.get("PYTHONPATH", "").split(os.pathsep))]
    return {**env, "PYTHONPATH": os.pathsep.join(paths), GUARD_ENV: str(record)}


def records(record: Path) -> list[str]:
    """Return what the guard refused a child, one line each; raise if it never armed."""
    if not record.exists():
        msg = f"the loopback guard did not arm: no {record}"
        raise RuntimeError(msg)
    return [line for line in record.read_text(errors="replace").splitlines() if line.strip()]
