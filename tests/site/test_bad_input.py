"""Bad input gets a clear message and a 4xx, never a 500, and nothing is stored."""

from urllib.parse import quote_plus

import pytest
from django.urls import reverse

from reviews.models import Review
from reviews.services.scoring import review_create
from tests.conftest import nothing_stored

HOME = reverse("reviews:home")
FORM = "application/x-www-form-urlencoded"
BOUNDARY = "form-boundary-7MA4YWxk"
MULTIPART = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(fields: dict[str, bytes]) -> bytes:
    """A multipart body with each value's bytes exactly as given (the test client encodes)."""
    parts = [
        f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'.encode()
        + value
        + b"\r\n"
        for name, value in fields.items()
    ]
    return b"".join(parts) + f"--{BOUNDARY}--\r\n".encode()


def test_nul_bytes_in_a_review_are_refused(client, ozark, active_model):
    response = client.post(HOME, {"movie": ozark.pk, "review": "good\x00film"})

    assert response.status_code == 400
    assert b"Null characters are not allowed" in response.content
    assert nothing_stored()


def test_invalid_utf8_in_the_form_is_refused(client, ozark, active_model):
    body = f"movie={ozark.pk}&review=bad%FF%FEbytes".encode()

    response = client.post(HOME, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert b"not valid UTF-8" in response.content
    assert nothing_stored()


def test_lower_case_escapes_of_invalid_utf8_are_refused_too(client, ozark, active_model):
    body = f"movie={ozark.pk}&review=bad%ff%febytes".encode()

    response = client.post(HOME, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize(
    "content_type",
    ["Application/X-WWW-Form-Urlencoded", " application/x-www-form-urlencoded; charset=utf-8"],
)
def test_invalid_utf8_is_refused_however_the_form_content_type_is_written(
    client, ozark, active_model, content_type
):
    body = f"movie={ozark.pk}&review=bad%FF%FEbytes".encode()

    response = client.post(HOME, data=body, content_type=content_type)

    assert response.status_code == 400
    assert nothing_stored()


def test_raw_invalid_utf8_bytes_in_the_form_are_refused(client, ozark, active_model):
    body = f"movie={ozark.pk}&review=".encode() + b"\xff\xfe"

    response = client.post(HOME, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 400
    assert nothing_stored()


def test_invalid_utf8_in_a_multipart_form_is_refused(client, ozark, active_model):
    body = multipart({"movie": str(ozark.pk).encode(), "review": b"bad \xff\xfe bytes"})

    response = client.post(HOME, data=body, content_type=MULTIPART)

    assert response.status_code == 400
    assert b"not valid UTF-8" in response.content
    assert nothing_stored()


def test_valid_utf8_in_a_multipart_form_is_accepted_as_written(client, ozark, active_model):
    text = "Très bien — 素晴らしい 👍"
    body = multipart({"movie": str(ozark.pk).encode(), "review": text.encode()})

    response = client.post(HOME, data=body, content_type=MULTIPART)

    assert response.status_code == 303
    assert Review.objects.get().text == text


def test_a_multipart_form_of_thousands_of_parts_is_refused(client, ozark, active_model):
    fields = {f"field{number}": b"x" for number in range(5000)}
    body = multipart({"movie": str(ozark.pk).encode(), "review": b"Fine.", **fields})

    response = client.post(HOME, data=body, content_type=MULTIPART)

    # Django's own limit, DATA_UPLOAD_MAX_NUMBER_FIELDS, stops its parse.
    assert response.status_code == 400
    assert nothing_stored()


def test_a_replacement_character_typed_in_a_multipart_form_is_stored_as_written(
    client, ozark, active_model
):
    text = "The subtitles showed \ufffd everywhere."
    body = multipart({"movie": str(ozark.pk).encode(), "review": text.encode()})

    response = client.post(HOME, data=body, content_type=MULTIPART)

    assert response.status_code == 303
    assert Review.objects.get().text == text


@pytest.mark.parametrize("boundary", ["", " ", "x" * 201])
def test_a_multipart_form_with_an_unusable_boundary_is_refused(
    client, ozark, active_model, boundary
):
    body = multipart({"movie": str(ozark.pk).encode(), "review": b"Fine."})

    response = client.post(
        HOME, data=body, content_type=f'multipart/form-data; boundary="{boundary}"'
    )

    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("charset", ["iso-8859-1", "utf-16", "no-such-charset"])
def test_a_form_declaring_a_charset_other_than_utf8_is_refused(
    client, ozark, active_model, charset
):
    body = f"movie={ozark.pk}&review=Fine.".encode()

    response = client.generic("POST", HOME, body, content_type=f"{FORM}; charset={charset}")

    assert response.status_code == 400
    assert b"Send the form data as UTF-8" in response.content
    assert nothing_stored()


def test_a_multipart_form_declaring_another_charset_is_refused(client, ozark, active_model):
    body = multipart({"movie": str(ozark.pk).encode(), "review": b"Fine."})

    response = client.post(HOME, data=body, content_type=f"{MULTIPART}; charset=iso-8859-1")

    assert response.status_code == 400
    assert nothing_stored()


@pytest.mark.parametrize("charset", ["UTF8", "utf-8", "us-ascii"])
def test_a_form_declaring_utf8_however_spelt_is_accepted(client, ozark, active_model, charset):
    body = f"movie={ozark.pk}&review=Fine.".encode()

    response = client.generic("POST", HOME, body, content_type=f"{FORM}; charset={charset}")

    assert response.status_code == 303
    assert Review.objects.get().text == "Fine."


def test_valid_non_ascii_text_is_accepted_as_written(client, ozark, active_model):
    response = client.post(HOME, {"movie": ozark.pk, "review": "Très bien — 素晴らしい 👍"})

    assert response.status_code == 303
    assert Review.objects.get().text == "Très bien — 素晴らしい 👍"


def test_valid_utf8_in_an_url_encoded_form_is_accepted_as_written(client, ozark, active_model):
    body = f"movie={ozark.pk}&review=".encode() + quote_plus("Très bien — 素晴らしい 👍").encode()

    response = client.post(HOME, data=body, content_type="application/x-www-form-urlencoded")

    assert response.status_code == 303
    assert Review.objects.get().text == "Très bien — 素晴らしい 👍"


@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_urls_answer_404(client, db, method):
    response = getattr(client, method)("/no/such/page/")

    assert response.status_code == 404
    assert b"Not found" in response.content


@pytest.mark.parametrize("path", ["/reviews/999999/", "/reviews/abc/", "/reviews/-1/"])
def test_unknown_or_non_numeric_review_ids_answer_404(client, db, path):
    response = client.get(path)

    assert response.status_code == 404
    assert b"Not found" in response.content


@pytest.mark.parametrize("path", ["/movies/abc/", "/movies/999999/"])
def test_unknown_or_non_numeric_movie_ids_answer_404(client, db, path):
    assert client.get(path).status_code == 404


def test_a_huge_page_number_shows_the_last_page(client, ozark, active_model):
    for number in range(21):  # 20 a page: two pages
        review_create(movie_id=ozark.pk, text=f"Review {number}")

    response = client.get(f"/movies/{ozark.pk}/", {"page": "99999999999"})

    assert response.status_code == 200
    assert b"Page 2 of 2" in response.content


def test_other_methods_are_refused_with_405(client, db):
    assert client.put(HOME).status_code == 405
    assert client.delete("/reviews/1/").status_code == 405
