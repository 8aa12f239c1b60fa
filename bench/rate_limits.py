"""The rate limits under a flood, and what counting costs a submission; prints JSON.

    .venv/bin/python bench/rate_limits.py
    .venv/bin/python bench/rate_limits.py --database-url postgres://postgres@127.0.0.1:5432/limits_bench

Ours is started as bench/load.py starts it (`make run`'s gunicorn, 2 workers, a throwaway
database and sampled model), three times, the limit of the form set through its variable:

- `off`, and a limit no flood reaches (1,000,000/m): the form's POST throughput side by side
  in alternating slices, so the ratio is what counting each submission in the rate-limit
  store (a file cache in var/) costs;
- the default (`30/m`): wrk floods the form from one address for --seconds; reported are the
  answers (303 stored, 429 refused), the reviews stored, and whether stored equals the 303s
  and stays within the limit per minute (the file store can let a request of the same instant
  through: the excess is reported).
"""

import argparse
import json
import math
import os
import signal
import sys
from contextlib import ExitStack
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # noqa: E402  (bench/load.py: the same site, started the same way)

UNREACHED = "1000000/m"
DEFAULT = "30/m"


def parse_arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=20, help="POST load per case (20)")
    parser.add_argument("--slices", type=int, default=4)
    parser.add_argument("--flood-seconds", type=int, default=20)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--sample", type=int, default=2000, help="training texts for the model")
    parser.add_argument("--database-url", help="PostgreSQL URL (dropped and re-created)")
    return parser.parse_args()


def started(stack: ExitStack, environment: dict, limit: str):
    server = load.start_ours(stack, {**environment, "RATE_LIMIT_FORM": limit})
    body, cookie, _ = load.our_form_body(server, load.tutorial_review_text())
    body_file = load.WORK_DIR / f"body-{limit.replace('/', '-')}.txt"
    body_file.write_text(body)
    return server, body_file, cookie


def main() -> int:
    arguments = parse_arguments()
    signal.signal(signal.SIGTERM, lambda number, frame: sys.exit(128 + number))
    database_url = load.own_work_dir("rate_limits", arguments.database_url)
    environment = load.site_environment(database_url)
    report = {
        "database": "PostgreSQL" if arguments.database_url else "SQLite",
        "machine": {
            "cpus": os.cpu_count(),
            "python_loop_ms_before": load.python_loop_ms(),
        },
    }
    with ExitStack() as stack:
        if arguments.database_url:
            load.postgres_recreate(database_url)
            stack.callback(load.postgres_drop, database_url)
        load.log("preparing the site")
        load.prepare_site(environment, arguments.sample)

        load.log("the cost of counting: limits off beside a limit no flood reaches")
        with ExitStack() as serving:
            servers = {limit: started(serving, environment, limit) for limit in ("off", UNREACHED)}
            slices = {limit: [] for limit in servers}
            for number in range(arguments.slices):
                for limit, (server, body_file, cookie) in servers.items():
                    load.log(f"  slice {number + 1}/{arguments.slices}: {limit}")
                    slices[limit].append(
                        load.wrk_slice(
                            server,
                            seconds=arguments.seconds / arguments.slices,
                            arguments=arguments,
                            body_file=body_file,
                            cookie=cookie,
                        )
                    )
        summaries = {limit: load.summarize(pieces) for limit, pieces in slices.items()}
        report["cost"] = {
            "off": summaries["off"],
            "counted": summaries[UNREACHED],
            "throughput_counted_to_off": round(
                summaries[UNREACHED]["requests_per_second"]
                / summaries["off"]["requests_per_second"],
                3,
            ),
        }

        load.log(f"a flood against the default limit ({DEFAULT})")
        before = load.stored_counts(environment)["reviews"]
        with ExitStack() as serving:
            server, body_file, cookie = started(serving, environment, DEFAULT)
            flood = load.summarize(
                [
                    load.wrk_slice(
                        server,
                        seconds=arguments.flood_seconds,
                        arguments=arguments,
                        body_file=body_file,
                        cookie=cookie,
                    )
                ]
            )
        stored = load.stored_counts(environment)["reviews"] - before
        accepted = flood["statuses"].get("303", 0)
        # The flood spans at most this many of the limit's windows (minutes).
        windows = math.ceil(arguments.flood_seconds / 60) + 1
        report["flood"] = {
            "limit": DEFAULT,
            "seconds": arguments.flood_seconds,
            "answers": flood,
            "accepted_303": accepted,
            "refused_429": flood["statuses"].get("429", 0),
            "stored": stored,
            "stored_equals_accepted": stored == accepted,
            "allowed_at_most": 30 * windows,
            "excess_over_limit": max(0, accepted - 30 * windows),
        }
    report["machine"]["python_loop_ms_after"] = load.python_loop_ms()
    print(json.dumps(report, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
