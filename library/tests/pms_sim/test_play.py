"""The play command line: start, pause, resume and stop sessions over the control port."""

import asyncio

import pytest

from library.simulators.pms import PMSSimulator

# The command line's HTTP client; the library's own test environment may lack it.
pytest.importorskip("httpx")
from library.simulators.pms.play import Control, check_loopback, main


async def _play(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # The command line's client is synchronous: run it off the loop that serves the simulator.
    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_start_pause_resume_stop(
    pms: PMSSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command changes a session (the newest without a key) and says what it is now."""
    film, episode = (
        "'The Long Voyage' on Living Room TV",
        "'Northern Lines: The Lighthouse' on Living Room TV",
    )
    for command, out in (
        (["start"], f"session 1: playing {film}\n"),
        (["start", "--media", "episode"], f"session 2: playing {episode}\n"),
        (["pause"], f"session 2: paused {episode}\n"),
        (["pause", "1"], f"session 1: paused {film}\n"),
        (["resume", "1"], f"session 1: playing {film}\n"),
        (["list"], f"session 1: playing {film}\nsession 2: paused {episode}\n"),
        (["stop"], "session 2: stopped\n"),
        (["stop"], "session 1: stopped\n"),
    ):
        assert await _play(capsys, "--control", pms.control_url, *command) == (0, out, "")
    assert pms.sessions == {}


async def test_errors_are_one_line(pms: PMSSimulator, capsys: pytest.CaptureFixture[str]) -> None:
    """Nothing to pause, an unknown session, or a host off loopback: a message, no traceback."""
    control = ("--control", pms.control_url)
    assert await _play(capsys, *control, "pause") == (1, "", "play: nothing is playing\n")
    code, _, err = await _play(capsys, *control, "stop", "9")
    assert code == 1
    assert err == "play: POST /_sim/sessions/9/stop: 404 no session '9'\n"
    code, _, err = await _play(capsys, "--control", "http://192.0.2.1:32401", "list")
    assert (code, err) == (2, "play: 'http://192.0.2.1:32401' is not on a loopback address\n")


def test_only_loopback_hosts() -> None:
    """The client refuses, without resolving it, any host but loopback ones."""
    for url in ("http://127.0.0.2:32401", "http://[::1]:32401", "http://localhost:1"):
        assert check_loopback(url) == url
    for url in ("http://example.invalid:32401", "http://10.0.0.1", "http:///nohost"):
        with pytest.raises(ValueError, match="not on a loopback address"):
            Control(url)
