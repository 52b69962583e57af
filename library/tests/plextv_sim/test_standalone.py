"""The simulator's lifecycle and its run as a process of its own."""

import json
import re
import select
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import aiohttp
import pytest

from library.simulators.plextv import (
    PlexTVSimulator,
)
from library.simulators.plextv.testing import (
    JSON_HEADERS,
)


async def test_lifecycle(socket_enabled: None) -> None:
    """Url is only known once started; the context manager starts and stops."""
    sim = PlexTVSimulator()
    with pytest.raises(RuntimeError):
        _ = sim.url
    async with sim:
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+", sim.url)
        async with aiohttp.ClientSession() as client, client.get(sim.link_url) as response:
            assert response.status == 200
    await sim.stop()  # stopping twice is harmless


def test_standalone(socket_enabled: None) -> None:
    """`python -m library.simulators.plextv` prints its URLs, plex.tv's first, serves, stops on SIGTERM."""
    with subprocess.Popen(
        [sys.executable, "-m", "library.simulators.plextv", "--port", "0", "--pin-expires-in", "60"],
        cwd=Path(__file__).resolve().parents[2],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    ) as process:
        assert process.stdout is not None
        try:
            ready, _, _ = select.select([process.stdout], [], [], 15)
            assert ready, "the simulator printed nothing"
            line = process.stdout.readline()
            match = re.fullmatch(r"plex\.tv simulator on (http://127\.0\.0\.1:\d+)\n", line)
            assert match, line
            request = urllib.request.Request(  # noqa: S310 - loopback http
                f"{match[1]}/api/v2/pins",
                method="POST",
                headers=JSON_HEADERS,
            )
            with urllib.request.urlopen(request, timeout=5) as response:  # noqa: S310
                assert response.status == 201
                pin = json.loads(response.read())
            assert pin["expiresIn"] == 60
            # Then one line for each of the other two hosts.
            hosts = {}
            for name in ("discover", "metadata"):
                line = process.stdout.readline()
                host = re.fullmatch(rf"{name} simulator on (http://127\.0\.0\.1:\d+)\n", line)
                assert host, line
                hosts[name] = host[1]
            assert len({match[1], *hosts.values()}) == 3
            request = urllib.request.Request(  # noqa: S310 - loopback http
                f"{hosts['discover']}/library/sections/watchlist/all", headers=JSON_HEADERS
            )
            with pytest.raises(urllib.error.HTTPError) as err:
                urllib.request.urlopen(request, timeout=5)  # noqa: S310
            assert err.value.code == 401  # served, and wants a token
            err.value.close()
        finally:
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0
