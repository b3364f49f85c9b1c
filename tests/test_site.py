import json

from django.urls import reverse


def test_it_reports_health(client, db):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert json.loads(response.content) == {"status": "ok"}


def test_it_switches_the_language(client, catalog):
    response = client.post(reverse("set_language"), {"language": "en", "next": "/"}, follow=True)
    assert response.status_code == 200
    assert response.wsgi_request.LANGUAGE_CODE == "en"
    assert '<html lang="en"' in response.content.decode()
    assert ">Organizations</a>" in response.content.decode()
    response = client.post(reverse("set_language"), {"language": "id", "next": "/"}, follow=True)
    assert '<html lang="id"' in response.content.decode()


def test_it_refuses_an_offsite_redirect_after_a_language_switch(client, db):
    response = client.post(
        reverse("set_language"), {"language": "en", "next": "https://evil.example/"}
    )
    assert response["Location"] == "/"


def test_it_signs_in_and_out(client, cast):
    from conftest import PASSWORD

    # A Produsen needs no second factor; the Walidata's sign-in (with TOTP) is tested in
    # satudata/accounts/tests/test_signin.py.
    response = client.post(reverse("login"), {"username": "produsen_a", "password": PASSWORD})
    assert response.status_code == 302
    assert client.get(reverse("portal:home")).context["user"].username == "produsen_a"
    client.post(reverse("logout"))
    assert not client.get(reverse("portal:home")).context["user"].is_authenticated


def test_it_stays_indonesian_whatever_the_browser_asks(client, db):
    response = client.get("/", HTTP_ACCEPT_LANGUAGE="en-US,en;q=0.9")
    assert '<html lang="id"' in response.content.decode()


def test_it_has_an_english_translation_for_every_message():
    import subprocess
    from pathlib import Path

    po = Path(__file__).resolve().parent.parent / "locale" / "en" / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--statistics", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0
    assert "untranslated" not in result.stderr and "fuzzy" not in result.stderr
