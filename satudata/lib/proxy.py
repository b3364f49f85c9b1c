"""The client's address behind a reverse proxy: the WSGI application `satudata serve` runs.

Sign-in lockout per address and the audit trail read `REMOTE_ADDR` only (never a header a
client can write). Behind nginx every request comes from the proxy's address, so 50 failed
sign-ins from anywhere would lock everyone out. With SATUDATA_TRUSTED_PROXIES set, a request
whose peer is one of those addresses gets `REMOTE_ADDR` from the last entry of
`X-Forwarded-For`, the one that proxy wrote (nginx: `proxy_set_header X-Forwarded-For
$remote_addr`, which overwrites whatever the client sent); the proxy's own address is kept in
`satudata.proxy_addr`. Requests from any other peer are left alone.
"""

import ipaddress

from django.conf import settings

from satudata.wsgi import application as django_application


def _parse(entries):
    networks = []
    for entry in entries:
        entry = entry.strip()
        if entry:
            networks.append(ipaddress.ip_network(entry, strict=False))
    return networks


def _address(text):
    text = text.strip()
    if text.startswith("[") and "]" in text:  # [2001:db8::1]:443
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # 203.0.113.7:5123
        text = text.split(":", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        return None


def client_address(environ, trusted):
    """The address to record for this request (REMOTE_ADDR unless a trusted proxy sent it)."""
    peer = environ.get("REMOTE_ADDR", "")
    forwarded = environ.get("HTTP_X_FORWARDED_FOR", "")
    if not trusted or not forwarded:
        return peer
    if peer == "":  # a Unix socket: only the proxy can reach it
        peer_trusted = True
    else:
        address = _address(peer)
        peer_trusted = address is not None and any(address in net for net in trusted)
    if not peer_trusted:
        return peer
    client = _address(forwarded.split(",")[-1])
    return str(client) if client is not None else peer


def behind_proxies(app, trusted_entries):
    trusted = _parse(trusted_entries)
    if not trusted:
        return app

    def wrapped(environ, start_response):
        client = client_address(environ, trusted)
        if client != environ.get("REMOTE_ADDR", ""):
            environ["satudata.proxy_addr"] = environ.get("REMOTE_ADDR", "")
            environ["REMOTE_ADDR"] = client
        return app(environ, start_response)

    return wrapped


application = behind_proxies(django_application, settings.TRUSTED_PROXIES)
