"""Who reaches the admin."""

from django.contrib.auth.models import User
from django.urls import reverse

from tests.reviews.admin.helpers import REVIEWS, staff_user


def test_anonymous_request_goes_to_the_login_page(client, db):
    response = client.get(REVIEWS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_a_user_who_is_not_staff_goes_to_the_login_page(client, db):
    user = User.objects.create_user("reader", password="unused-password")
    client.force_login(user)

    response = client.get(REVIEWS)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_staff_without_view_permission_cannot_see_reviews(client, db):
    client.force_login(staff_user())

    assert client.get(REVIEWS).status_code == 403
