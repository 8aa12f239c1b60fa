-- wrk script for bench/load.py: one request (WRK_METHOD, the body in WRK_BODY_FILE, a
-- Cookie from WRK_COOKIE) sent again and again on every connection for WRK_SEND_SECONDS;
-- after that nothing more is sent, while wrk runs a few seconds longer. So when wrk stops,
-- no request is in flight: every request sent was answered and counted, and the server
-- cannot have stored a submission the count does not know about.
-- Redirects are not followed. At the end one line "WRK_JSON {...}" carries the totals.
-- With WRK_PATHS_FILE (one path per line; bench/pages.py) each request goes to one of those
-- paths, drawn at random, instead of the URL's own path.

local ffi = require("ffi")
ffi.cdef([[
struct bench_timespec { long tv_sec; long tv_nsec; };
int clock_gettime(int clock_id, struct bench_timespec *tp);
]])
local CLOCK_MONOTONIC = 1
local clock = ffi.new("struct bench_timespec")

local function now()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, clock)
  return tonumber(clock.tv_sec) + tonumber(clock.tv_nsec) / 1e9
end

local function setting(name, default)
  local value = os.getenv(name)
  if value == nil or value == "" then
    return default
  end
  return value
end

local method = setting("WRK_METHOD", "GET")
local send_seconds = tonumber(setting("WRK_SEND_SECONDS", "60"))
local body = nil
local headers = {}
local body_file = setting("WRK_BODY_FILE", nil)
if body_file then
  local file = assert(io.open(body_file, "rb"))
  body = file:read("*a")
  file:close()
  headers["Content-Type"] = "application/x-www-form-urlencoded"
end
local paths = {}
local paths_file = setting("WRK_PATHS_FILE", nil)
if paths_file then
  for line in io.lines(paths_file) do
    if line ~= "" then
      table.insert(paths, line)
    end
  end
end
local cookie = setting("WRK_COOKIE", nil)
if cookie then
  headers["Cookie"] = cookie
end

-- Main state: the threads, to add up their counters in done().
local threads = {}
function setup(thread)
  table.insert(threads, thread)
  thread:set("seed", #threads)
end

-- Thread state (each wrk thread runs its own copy of this script).
sent = 0
answered = 0
started = 0
last_answer = 0
statuses = {}
local stop_sending_at = 0
local request_text = nil

function init(args)
  started = now()
  stop_sending_at = started + send_seconds
  request_text = wrk.format(method, wrk.path, headers, body)
  math.randomseed((seed or 1) * 7919 + math.floor(started * 1000) % 100000)
end

-- wrk calls delay() before every request it sends (and request() once more, at start, to
-- check the script), so the requests really sent are counted here.
function delay()
  if now() < stop_sending_at then
    sent = sent + 1
    return 0
  end
  return 24 * 3600 * 1000 -- no further request in this run
end

function request()
  if #paths > 0 then
    return wrk.format(method, paths[math.random(#paths)], headers, body)
  end
  return request_text
end

function response(status, response_headers, response_body)
  answered = answered + 1
  statuses[status] = (statuses[status] or 0) + 1
  last_answer = now()
end

function done(summary, latency, requests)
  local total_sent, total_answered = 0, 0
  local first_start, final_answer = math.huge, 0
  local by_status = {}
  for _, thread in ipairs(threads) do
    total_sent = total_sent + thread:get("sent")
    total_answered = total_answered + thread:get("answered")
    first_start = math.min(first_start, thread:get("started"))
    final_answer = math.max(final_answer, thread:get("last_answer"))
    for status, count in pairs(thread:get("statuses")) do
      by_status[status] = (by_status[status] or 0) + count
    end
  end
  local status_items = {}
  for status, count in pairs(by_status) do
    table.insert(status_items, string.format('"%d": %d', status, count))
  end
  -- The latency distribution as its 1,000 quantiles (every 0.1 %), so that several runs
  -- can be merged into one distribution (bench/load.py weighs each by its requests).
  local quantiles = {}
  if summary.requests > 0 then
    for step = 1, 1000 do
      table.insert(quantiles, string.format("%d", latency:percentile(step / 10)))
    end
  end
  local errors = summary.errors
  io.write(
    string.format(
      'WRK_JSON {"sent": %d, "answered": %d, "requests": %d, "seconds": %.3f, '
        .. '"statuses": {%s}, "errors": {"connect": %d, "read": %d, "write": %d, '
        .. '"timeout": %d, "status": %d}, "latency_quantiles_us": [%s]}\n',
      total_sent,
      total_answered,
      summary.requests,
      math.max(final_answer - first_start, 0),
      table.concat(status_items, ", "),
      errors.connect,
      errors.read,
      errors.write,
      errors.timeout,
      errors.status,
      table.concat(quantiles, ", ")
    )
  )
end
