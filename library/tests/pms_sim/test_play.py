"""The play command line: start, pause, resume and stop sessions over the control port."""

import asyncio

import pytest

from library.simulators.pms import PMSSimulator
from library.simulators.pms.play import Control, check_loopback, main


async def _play(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    # The command line's client is synchronous: run it off the loop that serves the simulator.
    code = await asyncio.to_thread(main, list(args))
    captured = capsys.readouterr()
    return code, captured.out, captured.err


async def test_start_pause_resume_stop(
    pms: PMSSimulator, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each command changes the newest session and says what it is now."""
    control = ("--control", pms.control_url)
    assert await _play(capsys, *control, "start") == (
        0,
        "session 1: playing 'The Long Voyage' on Living Room TV\n",
        "",
    )
    assert pms.session("1").state == "playing"
    code, out, _ = await _play(capsys, *control, "start", "--media", "episode")
    assert (code, out) == (
        0,
        "session 2: playing 'Northern Lines: The Lighthouse' on Living Room TV\n",
    )

    code, out, _ = await _play(capsys, *control, "pause")
    assert (code, out) == (
        0,
        "session 2: paused 'Northern Lines: The Lighthouse' on Living Room TV\n",
    )
    code, out, _ = await _play(capsys, *control, "pause", "1")
    assert (code, out) == (0, "session 1: paused 'The Long Voyage' on Living Room TV\n")
    code, out, _ = await _play(capsys, *control, "resume", "1")
    assert (code, out) == (0, "session 1: playing 'The Long Voyage' on Living Room TV\n")

    code, out, _ = await _play(capsys, *control, "list")
    assert out.splitlines() == [
        "session 1: playing 'The Long Voyage' on Living Room TV",
        "session 2: paused 'Northern Lines: The Lighthouse' on Living Room TV",
    ]
    assert (await _play(capsys, *control, "stop"))[:2] == (0, "session 2: stopped\n")
    assert (await _play(capsys, *control, "stop"))[:2] == (0, "session 1: stopped\n")
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
