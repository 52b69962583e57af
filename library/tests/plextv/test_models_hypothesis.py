"""Property tests: whatever JSON plex.tv sends, parsing yields a model or a response error."""

from datetime import datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aioplexaccount import (
    Account,
    Connection,
    Pin,
    PlexResponseError,
    Resource,
    Subscription,
)

from .test_models import account_json, connection_json, pin_json, resource_json

type Model = Pin | Account | Subscription | Connection | Resource
type ModelClass = type[Pin | Account | Subscription | Connection | Resource]

# A hundred examples per model and test: 1,500 documents a run, each test under a second.
EXAMPLES = settings(max_examples=100)

MODELS: tuple[ModelClass, ...] = (Pin, Account, Subscription, Connection, Resource)

scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(),
)
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=16,
)
# Values that look like what plex.tv sends, so that parsing gets past the first field.
plausible_values = st.one_of(
    json_values,
    st.integers(min_value=-(2**40), max_value=2**40),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.datetimes().map(datetime.isoformat),
    st.datetimes().map(lambda value: f"{value.isoformat()}Z"),
    st.datetimes().map(lambda value: f"{value:%Y-%m-%d %H:%M:%S} UTC"),
    st.sampled_from(["server", "server,player", "", ",", "Active", "2025-01-01T12:00:00Z"]),
    st.lists(st.text(max_size=8), max_size=3),
    st.just([connection_json()]),
    st.builds(lambda port: [connection_json(port=port)], json_values),
    st.just({"active": True, "features": ["a"]}),
)


def _subscription_json() -> dict[str, object]:
    subscription = account_json()["subscription"]
    assert isinstance(subscription, dict)
    return dict(subscription)


FIELDS: dict[ModelClass, dict[str, object]] = {
    Pin: pin_json(),
    Account: account_json(),
    Subscription: _subscription_json(),
    Connection: connection_json(),
    Resource: resource_json(),
}


def _check(model: ModelClass, data: object) -> None:
    """Parse and accept only a model of the right class or PlexResponseError."""
    try:
        result: Model = model.from_dict(data)
    except PlexResponseError:
        return
    assert isinstance(result, model)
    for name in result.__slots__:
        value = getattr(result, name)
        if isinstance(value, datetime):
            assert value.utcoffset() is not None


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@given(data=json_values)
@EXAMPLES
def test_arbitrary_json(model: ModelClass, data: object) -> None:
    """Arbitrary JSON values never raise anything but PlexResponseError."""
    _check(model, data)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@given(data=st.data())
@EXAMPLES
def test_real_field_names(model: ModelClass, data: st.DataObject) -> None:
    """Objects with plex.tv's field names and arbitrary values parse or fail cleanly."""
    names = list(FIELDS[model])
    values = data.draw(st.dictionaries(st.sampled_from(names), plausible_values, max_size=8))
    _check(model, values)


@pytest.mark.parametrize("model", MODELS, ids=lambda model: model.__name__)
@given(data=st.data())
@EXAMPLES
def test_mutated_real_answers(model: ModelClass, data: st.DataObject) -> None:
    """A real answer with some fields replaced or removed parses or fails cleanly."""
    base = FIELDS[model]
    names = list(base)
    replaced = data.draw(st.dictionaries(st.sampled_from(names), plausible_values, max_size=4))
    removed = data.draw(st.sets(st.sampled_from(names), max_size=3))
    mutated = {key: value for key, value in (base | replaced).items() if key not in removed}
    _check(model, mutated)
