"""gunicorn's own log lines (start, workers, timeouts, the access log) as JSON objects.

gunicorn sets up its handlers as configured (errorlog, accesslog, --log-level, reopening
files on USR1); only their format changes, to the site's (reviewsite/logging.py). A
`logconfig_dict` would do it too, but in gunicorn 27 any logconfig_dict switches the access
log on, whatever ACCESS_LOG says.
"""

from gunicorn.glogging import Logger

from reviewsite.logging import JsonFormatter


class JsonLogger(Logger):
    def setup(self, cfg) -> None:
        super().setup(cfg)
        for log in (self.error_log, self.access_log):
            for handler in log.handlers:
                handler.setFormatter(JsonFormatter())
