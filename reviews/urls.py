from django.urls import path

from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.home, name="home"),
    path("reviews/<int:review_id>/", views.review_detail, name="review_detail"),
    path("reviews/<int:review_id>/feedback/", views.review_feedback, name="review_feedback"),
    path("movies/<int:movie_id>/", views.movie_detail, name="movie_detail"),
    path("healthz", views.healthz, name="healthz"),
]
