"""The guard's redirect after a share token: the token goes, everything else stays."""

import urllib.parse

from hypothesis import given
from hypothesis import strategies as st

from dashboards.guard import without_token

names = st.one_of(st.sampled_from(["tv", "lang", "client", "queues", "rotate", "Token"]), st.text())
pairs = st.lists(st.tuples(names, st.text()), max_size=8)
tokens = st.lists(st.tuples(st.integers(0, 8), st.sampled_from(["token", "to%6Ben", "token"])))


def encode(name: str, value: str, blank: bool) -> str:
    quoted = urllib.parse.quote(name)
    return quoted if blank and not value else f"{quoted}={urllib.parse.quote(value)}"


def is_subsequence(part: list[str], whole: list[str]) -> bool:
    rest = iter(whole)
    return all(item in rest for item in part)


@given(pairs, tokens, st.booleans())
def test_every_parameter_but_the_token_survives_verbatim(params, inserted, blank):
    parts = [encode(name, value, blank) for name, value in params]
    for position, name in inserted:
        parts.insert(min(position, len(parts)), f"{name}=cps_secret")
    query = "&".join(parts)
    location = without_token("/wall/", query)
    path, _, rest = location.partition("?")
    assert path == "/wall/" and "cps_secret" not in location
    assert is_subsequence(rest.split("&") if rest else [], parts)  # verbatim, in order
    before = urllib.parse.parse_qsl(query, keep_blank_values=True)
    after = urllib.parse.parse_qsl(rest, keep_blank_values=True)
    assert after == [(name, value) for name, value in before if name != "token"]
