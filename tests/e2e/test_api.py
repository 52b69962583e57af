"""Sign in through a real Home Assistant's REST API, against the simulator as a process."""

import json
import statistics
import time
from pathlib import Path

from harness import NAMES, HomeAssistant, Simulator, wait_for

# A sanity bound, not a target: the integration checks the code once a second.
LATENCY_BOUND = 15.0
LATENCY_SAMPLES = 4


def test_bad_names_show_field_errors(hass_server: HomeAssistant, plextv: Simulator) -> None:
    """A blank or over-long name comes back as a field error, and no code is asked for."""
    pins_before = len(plextv.state()["pins"])
    flow = hass_server.start_flow()
    assert flow["data_schema"][0]["description"]["suggested_value"] == "Home Assistant"

    step = hass_server.flow_step(flow["flow_id"], {"client_name": "   ", "device_name": "x" * 256})

    assert step["type"] == "form"
    assert step["step_id"] == "user"
    assert step["errors"] == {"client_name": "invalid_name", "device_name": "invalid_name"}
    assert len(plextv.state()["pins"]) == pins_before

    step = hass_server.flow_step(flow["flow_id"], NAMES)
    assert step["type"] == "progress"


def test_code_to_entry_latency(
    hass_server: HomeAssistant, plextv: Simulator, artifacts: Path
) -> None:
    """Approving the code at plex.tv creates the entry; time it from approval to entry."""
    samples: list[dict[str, float]] = []
    for index in range(LATENCY_SAMPLES):
        step = hass_server.link()
        placeholders = step["description_placeholders"]
        assert placeholders["url"] == plextv.link_url
        assert placeholders["minutes"] == "15"
        assert len(placeholders["code"]) == 4
        assert placeholders["qr"].startswith(plextv.url)

        # Approve at a different moment of the integration's once-a-second check each time.
        time.sleep(1 + index / LATENCY_SAMPLES)
        token = plextv.approve(placeholders["code"])
        result, flow_done, entry_seen = hass_server.wait_for_entry(step["flow_id"])

        assert result["type"] in {"create_entry", "finished"}, result
        [entry] = hass_server.entries()
        assert entry["title"] == "plexfan"
        assert token in plextv.secrets()
        samples.append({"flow_finished": flow_done, "entry_listed": entry_seen})
        hass_server.remove_all()

    listed = [sample["entry_listed"] for sample in samples]
    summary = {
        "samples": samples,
        "entry_listed_median": statistics.median(listed),
        "entry_listed_max": max(listed),
    }
    (artifacts / "latency.json").write_text(json.dumps(summary, indent=2) + "\n")
    print(  # noqa: T201
        "\ncode approved -> entry listed: "
        + ", ".join(f"{value:.2f} s" for value in listed)
        + f" (median {summary['entry_listed_median']:.2f} s)"
    )
    assert max(listed) < LATENCY_BOUND


def test_expired_code_offers_a_new_one(short_hass: HomeAssistant, short_plextv: Simulator) -> None:
    """A code nobody entered expires; the expired form gets a new code, and that one works."""
    step = short_hass.link()
    flow_id = step["flow_id"]
    old_code = step["description_placeholders"]["code"]

    expired = wait_for(
        lambda: (current := short_hass.flow_step(flow_id))["type"] != "progress" and current,
        timeout=60,
        interval=0.5,
        what="the code to expire",
    )
    assert expired["step_id"] == "expired"
    assert expired["errors"] == {}

    fresh = short_hass.flow_step(flow_id, {})
    assert fresh["type"] == "progress"
    new_code = fresh["description_placeholders"]["code"]
    pin = next(pin for pin in short_plextv.state()["pins"] if pin["code"] == old_code)
    assert pin["expired"]

    short_plextv.approve(new_code)
    result, _, _ = short_hass.wait_for_entry(flow_id)
    assert result["type"] in {"create_entry", "finished"}, result
    [entry] = short_hass.entries()
    assert entry["title"] == "plexfan"
