"""The end-to-end harness's loopback guard refuses and records what leaves loopback.

It runs in a child Python whose socket, aiodns and pycares entry points are first replaced by
fakes that only note their calls: nothing here can reach a network, even if the guard failed.
"""

import json
import subprocess
import sys
from pathlib import Path

GUARD = Path(__file__).parent / "e2e" / "loopback_guard" / "sitecustomize.py"

_CHILD = """
import errno, importlib.util, json, socket, sys
import aiodns, aiodns.error, pycares

calls = []

def fake(name, result=None):
    def call(*args, **kwargs):
        calls.append(name)
        return result
    return call

socket.getaddrinfo = fake("getaddrinfo", [])
socket.gethostbyname = fake("gethostbyname", "127.0.0.1")
socket.gethostbyname_ex = fake("gethostbyname_ex")
socket.gethostbyaddr = fake("gethostbyaddr")
socket.getnameinfo = fake("getnameinfo")
for name in ("connect", "sendto", "sendmsg"):
    setattr(socket.socket, name, fake(name, 0))
socket.socket.connect_ex = fake("connect_ex", 0)
for name in ("getaddrinfo", "query"):
    setattr(aiodns.DNSResolver, name, fake("aiodns." + name))
for name in ("getaddrinfo", "search"):
    setattr(pycares.Channel, name, fake("pycares." + name))

spec = importlib.util.spec_from_file_location("guard", sys.argv[1])
guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(guard)
guard.arm(sys.argv[2])

outcomes = {}

def attempt(label, action):
    try:
        result = action()
    except OSError as error:
        outcomes[label] = type(error).__name__
    except pycares.AresError:
        outcomes[label] = "AresError"
    else:
        outcomes[label] = "refused" if result == errno.ENETUNREACH else "allowed"

tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
resolver = aiodns.DNSResolver.__new__(aiodns.DNSResolver)
channel = pycares.Channel.__new__(pycares.Channel)
attempt("getaddrinfo plex.tv", lambda: socket.getaddrinfo("plex.tv", 443))
attempt("getaddrinfo 192.0.2.1", lambda: socket.getaddrinfo("192.0.2.1", 80))
attempt("getaddrinfo localhost", lambda: socket.getaddrinfo("localhost", 80))
attempt("getaddrinfo 127.0.0.2", lambda: socket.getaddrinfo("127.0.0.2", 80))
attempt("getaddrinfo None", lambda: socket.getaddrinfo(None, 80))
attempt("gethostbyname example.org", lambda: socket.gethostbyname("example.org"))
attempt("gethostbyname_ex ::1", lambda: socket.gethostbyname_ex("::1"))
attempt("gethostbyaddr 127.0.0.2", lambda: socket.gethostbyaddr("127.0.0.2"))
attempt("gethostbyaddr 127.0.0.1", lambda: socket.gethostbyaddr("127.0.0.1"))
attempt("getnameinfo numeric", lambda: socket.getnameinfo(("192.0.2.1", 80), socket.NI_NUMERICHOST))
attempt("getnameinfo name", lambda: socket.getnameinfo(("192.0.2.1", 80), 0))
attempt("connect 192.0.2.1", lambda: tcp.connect(("192.0.2.1", 80)))
attempt("connect 0.0.0.0", lambda: tcp.connect(("0.0.0.0", 80)))
attempt("connect 127.0.0.3", lambda: tcp.connect(("127.0.0.3", 80)))
attempt("connect_ex example.org", lambda: tcp.connect_ex(("example.org", 80)))
attempt("sendto ff02::fb", lambda: udp.sendto(b"x", ("ff02::fb", 5353, 0, 0)))
attempt("sendto ::1", lambda: udp.sendto(b"x", 0, ("::1", 5353, 0, 0)))
attempt("sendmsg 2001:db8::1", lambda: udp.sendmsg([b"x"], [], 0, ("2001:db8::1", 53, 0, 0)))
attempt("sendmsg connected", lambda: udp.sendmsg([b"x"]))
attempt("aiodns getaddrinfo", lambda: resolver.getaddrinfo("plex.tv"))
attempt("aiodns getaddrinfo localhost", lambda: resolver.getaddrinfo("localhost"))
attempt("aiodns query localhost", lambda: resolver.query("localhost", "A"))
attempt("pycares getaddrinfo", lambda: channel.getaddrinfo("plex.tv", None, callback=None))
attempt("pycares search", lambda: channel.search("plex.tv", 1, callback=None))
tcp.close()
udp.close()
print(json.dumps({"outcomes": outcomes, "calls": calls}))
"""


def test_guard_refuses_and_records(tmp_path: Path) -> None:
    """Loopback literals and localhost pass; every other name or address is refused."""
    record = tmp_path / "record.log"
    result = subprocess.run(  # noqa: S603 - this interpreter, this test's script
        [sys.executable, "-c", _CHILD, str(GUARD), str(record)],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    seen = json.loads(result.stdout.splitlines()[-1])
    outcomes = seen["outcomes"]
    refused = {label for label, outcome in outcomes.items() if outcome != "allowed"}
    assert refused == {
        "getaddrinfo plex.tv",
        "getaddrinfo 192.0.2.1",
        "gethostbyname example.org",
        "gethostbyaddr 127.0.0.2",
        "getnameinfo name",
        "connect 192.0.2.1",
        "connect 0.0.0.0",
        "connect_ex example.org",
        "sendto ff02::fb",
        "sendmsg 2001:db8::1",
        "aiodns getaddrinfo",
        "aiodns query localhost",
        "pycares getaddrinfo",
        "pycares search",
    }
    assert outcomes["getaddrinfo plex.tv"] == "gaierror"
    assert outcomes["connect 192.0.2.1"] == "OSError"
    assert outcomes["aiodns getaddrinfo"] == "RefusedError"
    assert outcomes["pycares search"] == "AresError"
    # The refused ones never reached what the guard wraps; the allowed ones did.
    assert seen["calls"] == [
        "getaddrinfo",
        "getaddrinfo",
        "getaddrinfo",
        "gethostbyname_ex",
        "gethostbyaddr",
        "getnameinfo",
        "connect",
        "sendto",
        "sendmsg",
        "aiodns.getaddrinfo",
    ]
    lines = record.read_text().splitlines()
    assert len(lines) == len(refused)
    assert "getaddrinfo 'plex.tv' refused" in lines[0]
    assert "test_loopback_guard" not in lines[0]
    assert "<string>:" in lines[0]
    assert "loopback guard:" in result.stderr
