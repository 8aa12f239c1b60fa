"""Faults under real gunicorn: a worker killed with SIGKILL while reviews pour in.

gunicorn is started exactly as `make run` starts it (tests/live_gunicorn.py).
"""

import http.client
import os
import signal
import threading
import time
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from urllib.parse import urlencode

import pytest
from django.db.models import Count

from reviews.models import Movie, Prediction, Review
from tests.live_gunicorn import Gunicorn, form_session, stop, worker_pids

SUBMISSIONS = 240
THREADS = 6
TEXT = "Worker-kill review {number}: a brilliant, moving film with a superb cast."


@dataclass
class Outcomes:
    """What each numbered submission got back: a status and Location, or an error."""

    accepted: dict[int, str] = field(default_factory=dict)  # number -> Location
    other_status: dict[int, int] = field(default_factory=dict)
    failed: dict[int, str] = field(default_factory=dict)
    crashes: list[str] = field(default_factory=list)  # a client thread's unexpected error
    # Every client holds its CSRF token before any posts, so the kill only meets POSTs.
    ready: threading.Barrier = field(default_factory=lambda: threading.Barrier(THREADS))
    accepted_after_kill: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)
    killed: threading.Event = field(default_factory=threading.Event)


def submit_reviews(server: Gunicorn, movie: Movie, numbers: Iterator[int], outcomes: Outcomes):
    try:
        post_reviews(server, movie, numbers, outcomes)
    except BaseException:
        outcomes.ready.abort()  # the other clients must not wait for this one
        with outcomes.lock:
            outcomes.crashes.append(traceback.format_exc())


def post_reviews(server: Gunicorn, movie: Movie, numbers: Iterator[int], outcomes: Outcomes):
    """One browser-like client: fetch the form for its CSRF cookie and token, then post
    numbered reviews until the shared counter runs out. No retries: a retry could store a
    review twice legitimately, which would hide the duplicates this test looks for."""
    token, post_headers = form_session(server)
    outcomes.ready.wait(timeout=60)
    for number in numbers:
        body = urlencode(
            {"csrfmiddlewaretoken": token, "movie": movie.pk, "review": TEXT.format(number=number)}
        )
        try:
            status, headers, _ = server.request("POST", "/", body, post_headers)
        except (OSError, http.client.HTTPException) as error:
            with outcomes.lock:
                outcomes.failed[number] = repr(error)
            continue
        with outcomes.lock:
            if status == 303:
                outcomes.accepted[number] = dict(headers)["Location"]
                if outcomes.killed.is_set():
                    outcomes.accepted_after_kill += 1
            else:
                outcomes.other_status[number] = status


def kill_one_worker_under_load(server: Gunicorn, outcomes: Outcomes, after: int) -> int:
    deadline = time.monotonic() + 60
    while len(outcomes.accepted) < after:
        assert time.monotonic() < deadline, "the submissions did not get going"
        time.sleep(0.005)
    victim = min(worker_pids(server.process.pid))
    os.kill(victim, signal.SIGKILL)
    outcomes.killed.set()
    return victim


@pytest.mark.slow
def test_a_worker_killed_under_load_loses_no_accepted_review_and_stores_none_twice(gunicorn):
    movie, _ = Movie.objects.get_or_create(title="Ozark")
    numbers = iter(range(SUBMISSIONS))  # shared by the clients: each number is taken once
    outcomes = Outcomes()
    clients = [
        threading.Thread(target=submit_reviews, args=(gunicorn, movie, numbers, outcomes))
        for _ in range(THREADS)
    ]
    for client in clients:
        client.start()
    victim = kill_one_worker_under_load(gunicorn, outcomes, after=SUBMISSIONS // 4)
    for client in clients:
        client.join(timeout=120)
    assert not any(client.is_alive() for client in clients), "submissions did not finish"
    workers_after = worker_pids(gunicorn.process.pid)
    stop(gunicorn.process)  # every write is finished or abandoned before we count

    assert victim not in workers_after and len(workers_after) == 2, gunicorn.log_tail()
    assert outcomes.accepted_after_kill > 0, "no submission was served after the kill"
    assert outcomes.crashes == []
    assert outcomes.other_status == {}, gunicorn.log_tail()
    # A gevent worker serves several requests at once: the kill can break those in flight
    # on it, at most one per client; each of them was refused, none falsely accepted.
    assert len(outcomes.failed) <= THREADS, outcomes.failed
    for number, location in outcomes.accepted.items():
        review = Review.objects.get(text=TEXT.format(number=number))
        assert location == review.get_absolute_url()
        assert Prediction.objects.filter(review=review).count() == 1
    stored = Review.objects.filter(text__startswith="Worker-kill review ")
    duplicates = stored.values("text").annotate(copies=Count("id")).filter(copies__gt=1)
    assert list(duplicates) == []
    assert len(outcomes.accepted) <= stored.count() <= SUBMISSIONS
    assert Prediction.objects.count() == Review.objects.count()
