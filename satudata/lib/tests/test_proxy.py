"""The client's address behind a trusted reverse proxy (satudata.lib.proxy)."""

import pytest

from satudata.lib.proxy import _parse, behind_proxies, client_address

TRUSTED = _parse(["127.0.0.1", "10.0.0.0/8", "::1"])


@pytest.mark.parametrize(
    "peer, forwarded, expected",
    [
        ("127.0.0.1", "203.0.113.9", "203.0.113.9"),  # nginx on the same host
        ("10.1.2.3", "198.51.100.4", "198.51.100.4"),  # a load balancer in the network
        ("::1", "2001:db8::7", "2001:db8::7"),
        ("127.0.0.1", "6.6.6.6, 203.0.113.9", "203.0.113.9"),  # the entry the proxy added
        ("127.0.0.1", "[2001:db8::7]:4711", "2001:db8::7"),
        ("127.0.0.1", "203.0.113.9:4711", "203.0.113.9"),
        ("", "203.0.113.9", "203.0.113.9"),  # a Unix socket only the proxy reaches
        ("192.0.2.50", "203.0.113.9", "192.0.2.50"),  # not a proxy: a forged header
        ("127.0.0.1", "", "127.0.0.1"),
        ("127.0.0.1", "bukan-alamat", "127.0.0.1"),
    ],
)
def test_client_address(peer, forwarded, expected):
    environ = {"REMOTE_ADDR": peer, "HTTP_X_FORWARDED_FOR": forwarded}
    assert client_address(environ, TRUSTED) == expected


def test_without_trusted_proxies_the_header_is_ignored():
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert client_address(environ, []) == "127.0.0.1"

    def app(environ, start_response):
        return [environ["REMOTE_ADDR"].encode()]

    assert behind_proxies(app, []) is app
    wrapped = behind_proxies(app, ["127.0.0.1"])
    environ = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": "203.0.113.9"}
    assert wrapped(environ, None) == [b"203.0.113.9"]
    assert environ["satudata.proxy_addr"] == "127.0.0.1"


def test_a_wrong_entry_stops_the_start():
    with pytest.raises(ValueError):
        _parse(["proxy.example"])
