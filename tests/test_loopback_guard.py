"""The loopback guard refuses and records what leaves loopback, in a child and under pytest.

Each check runs in a child Python whose socket, aiodns and pycares entry points are first
replaced by fakes that only note their calls: nothing here can reach a network, even if the
guard failed.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

from library import loopback

# Fakes under the guard: the child armed it as it started (sitecustomize), and arms it again
# over the fakes, as it does over whatever pytest-socket puts in place before a test.
FAKES = """
import aiodns, pycares, socket
from library import loopback

calls = []

def fake(name, result=None):
    def call(*args, **kwargs):
        calls.append(name)
        return result
    return call

for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "gethostbyaddr", "getnameinfo"):
    setattr(socket, name, fake(name))
for name in ("connect", "connect_ex", "sendto", "sendmsg"):
    setattr(socket.socket, name, fake(name, 0))
for owner, name in [(aiodns.DNSResolver, "getaddrinfo"), (aiodns.DNSResolver, "query")] + [
    (pycares.Channel, "search")
]:
    setattr(owner, name, fake(f"{owner.__module__}.{name}"))
loopback.arm()
"""
CHILD = (
    FAKES
    + """
import errno, json
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
resolver = aiodns.DNSResolver.__new__(aiodns.DNSResolver)
attempts = {
    "gaierror: getaddrinfo plex.tv": lambda: socket.getaddrinfo("plex.tv", 443),
    "gaierror: getaddrinfo 192.0.2.1": lambda: socket.getaddrinfo(host="192.0.2.1", port=80),
    "ok: getaddrinfo localhost": lambda: socket.getaddrinfo("localhost", 80),
    "ok: getaddrinfo 127.0.0.2": lambda: socket.getaddrinfo("127.0.0.2", 80),
    "ok: getaddrinfo None": lambda: socket.getaddrinfo(None, 80),
    "gaierror: gethostbyname example.org": lambda: socket.gethostbyname("example.org"),
    "ok: gethostbyname_ex ::1": lambda: socket.gethostbyname_ex("::1"),
    "gaierror: gethostbyaddr 127.0.0.2": lambda: socket.gethostbyaddr("127.0.0.2"),
    "ok: getnameinfo numeric": lambda: socket.getnameinfo(("192.0.2.1", 80), socket.NI_NUMERICHOST),
    "gaierror: getnameinfo name": lambda: socket.getnameinfo(("192.0.2.1", 80), 0),
    "OSError: connect 192.0.2.1": lambda: tcp.connect(("192.0.2.1", 80)),
    "OSError: connect 0.0.0.0": lambda: tcp.connect(("0.0.0.0", 80)),
    "ok: connect 127.0.0.3": lambda: tcp.connect(("127.0.0.3", 80)),
    "refused: connect_ex example.org": lambda: tcp.connect_ex(("example.org", 80)),
    "OSError: sendto ff02::fb": lambda: udp.sendto(b"x", ("ff02::fb", 5353, 0, 0)),
    "ok: sendto ::1": lambda: udp.sendto(b"x", 0, ("::1", 5353, 0, 0)),
    "OSError: sendmsg 2001:db8::1": lambda: udp.sendmsg([b"x"], [], 0, ("2001:db8::1", 53, 0, 0)),
    "ok: sendmsg connected": lambda: udp.sendmsg([b"x"]),
    "RefusedError: aiodns getaddrinfo": lambda: resolver.getaddrinfo("plex.tv"),
    "ok: aiodns getaddrinfo localhost": lambda: resolver.getaddrinfo("localhost"),
    "RefusedError: aiodns query localhost": lambda: resolver.query("localhost", "A"),
    "AresError: pycares search": lambda: pycares.Channel.search(None, "plex.tv", 1, callback=None),
}
outcomes = {}
for label, attempt in attempts.items():
    try:
        result = attempt()
    except (OSError, pycares.AresError) as error:
        outcomes[label] = type(error).__name__
    else:
        outcomes[label] = "refused" if result == errno.ENETUNREACH else "ok"
print(json.dumps({"outcomes": outcomes, "calls": calls, "refused": len(loopback.refused)}))
"""
)
# A test that swallows the refusal: the plugin fails it anyway, in a run without Home
# Assistant's plugin and without pytest-socket.
SWALLOWED = f"""
import socket

def test_swallowed():
{"".join(f"    {line}\n" for line in FAKES.strip().splitlines())}
    try:
        socket.getaddrinfo("plex.tv", 443)
    except OSError:
        pass

def test_loopback():
    socket.getaddrinfo("127.0.0.2", 80)
"""


def run(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """Run this Python with args."""
    command = [sys.executable, *args]
    # S603: this interpreter, this test's scripts.
    return subprocess.run(command, capture_output=True, text=True, timeout=120, cwd=cwd, env=env)  # noqa: PLW1510,S603


def test_child_refuses_and_records(tmp_path: Path) -> None:
    """Loopback literals and localhost pass; every other name or address is refused."""
    record = tmp_path / "record.log"
    # As the harness starts a child: armed by sitecustomize, recording to the file.
    result = run(["-c", CHILD], loopback.ROOT, loopback.environment(record))
    seen = json.loads(result.stdout.splitlines()[-1])
    # Each label starts with what it must come to: ok, or how the guard refused it.
    outcomes = seen["outcomes"]
    assert [label for label, got in outcomes.items() if not label.startswith(f"{got}: ")] == []
    # The refused ones never reached what the guard wraps; the allowed ones did.
    assert seen["calls"] == [
        *["getaddrinfo"] * 3,
        "gethostbyname_ex",
        "getnameinfo",
        "connect",
        "sendto",
        "sendmsg",
        "aiodns.getaddrinfo",
    ]
    lines = loopback.records(record)
    assert len(lines) == seen["refused"] == 13
    assert "getaddrinfo 'plex.tv' refused; <string>:" in lines[0]
    assert "loopback guard:" in result.stderr


def test_plugin_fails_a_test_that_swallowed_a_refusal(tmp_path: Path) -> None:
    """A refusal the code under test handled still fails the test, at its teardown."""
    (tmp_path / "test_child.py").write_text(SWALLOWED)
    env = {**os.environ, "PYTHONPATH": str(loopback.ROOT), "PYTEST_DISABLE_PLUGIN_AUTOLOAD": "1"}
    args = ["-m", "pytest", "-p", "library.loopback.pytest_plugin", "-p", "no:cacheprovider"]
    result = run([*args, "test_child.py"], tmp_path, env)
    # The swallowing test passed its call and failed its teardown; the other one passed.
    assert "2 passed, 1 error" in result.stdout, result.stdout
    assert "the loopback guard refused:" in result.stdout
    assert "getaddrinfo 'plex.tv' refused" in result.stdout
