"""The API itself: its description, its docs page, its error handlers and its routers.

The OpenAPI description is generated from the schemas (/api/openapi.json) and shown by
django-ninja's own Swagger UI page at /api/docs, served from ninja's static files ("ninja"
is an installed app), so it loads nothing from a CDN and runs no inline script.
"""

from ninja import NinjaAPI, Swagger

from reviews.api.endpoints import movies_router, predictions_router, reviews_router
from reviews.api.errors import register_error_handlers

DESCRIPTION = """\
Score movie reviews with the site's sentiment model, store them, and read them back.

**Reads** (`GET`) are public. **Writes** (`POST`) need one of:

* an API token created by staff in the admin (*API tokens*), sent as
  `Authorization: Bearer <token>`;
* a signed-in browser session that sends the `csrftoken` cookie's value in the
  `X-CSRFToken` header, as the site's forms do.

Refused input is answered with a 4xx status and a JSON body: `{"detail": "..."}`, plus
`"errors": {"field": ["message", ...]}` when fields are at fault.
"""


class ReviewsApi(NinjaAPI):
    def get_openapi_operation_id(self, operation) -> str:
        # "list_reviews", not "reviews_api_list_reviews": clients generated from the
        # description get readable method names.
        return operation.view_func.__name__


api = ReviewsApi(
    title="Movie review sentiment API",
    version="1",
    description=DESCRIPTION,
    urls_namespace="api",
    # No validator badge: Swagger UI would send the description to an online validator.
    docs=Swagger(settings={"validatorUrl": None}),
    docs_url="/docs",
)
register_error_handlers(api)
api.add_router("/reviews", reviews_router)
api.add_router("/movies", movies_router)
api.add_router("/predict", predictions_router)
