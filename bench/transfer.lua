-- wrk script: POST /api/v1/transfers with a random (token, from, to) per request.
-- BENCH_ITEMS names a file of lines "token from to"; BENCH_PATH overrides the request
-- (a GET path, for the history measurement). With BENCH_BATCH = n, each request is
-- POST /api/v1/transfer-batches of n transfers from the item's account to random
-- accounts of the file BENCH_DESTINATIONS, under a key of its own (BENCH_RUN makes the
-- keys of one run differ from every other's). Prints one line "BENCH_JSON {...}" at the end.
local items = {}
for line in io.lines(os.getenv("BENCH_ITEMS")) do
  local token, from, to = line:match("(%S+) (%S+) (%S+)")
  items[#items + 1] = { token, from, to }
end
local get_path = os.getenv("BENCH_PATH")
local batch = tonumber(os.getenv("BENCH_BATCH") or "")
local destinations = {}
if batch then
  for line in io.lines(os.getenv("BENCH_DESTINATIONS")) do
    destinations[#destinations + 1] = line
  end
end
local threads = {}

function setup(thread)
  threads[#threads + 1] = thread
  thread:set("thread_number", #threads)
end

function init(args)
  statuses = {}
  sent = 0
  math.randomseed(thread_number * 7919 + os.time())
end

local function batch_request(item)
  local transfers = {}
  for i = 1, batch do
    local to = destinations[math.random(#destinations)]
    while to == item[2] do
      to = destinations[math.random(#destinations)]
    end
    transfers[i] = string.format('{"from_account":"%s","to_account":"%s","amount":"0.01","memo":"bench"}', item[2], to)
  end
  sent = sent + 1
  local headers = {
    ["Authorization"] = "Bearer " .. item[1],
    ["Content-Type"] = "application/json",
    ["Idempotency-Key"] = string.format("bench-%s-%d-%d", os.getenv("BENCH_RUN"), thread_number, sent),
  }
  local body = '{"mode":"atomic","transfers":[' .. table.concat(transfers, ",") .. ']}'
  return wrk.format("POST", "/api/v1/transfer-batches", headers, body)
end

function request()
  local item = items[math.random(#items)]
  local headers = { ["Authorization"] = "Bearer " .. item[1] }
  if get_path then
    return wrk.format("GET", get_path, headers)
  end
  if batch then
    return batch_request(item)
  end
  headers["Content-Type"] = "application/json"
  local body = string.format('{"from_account":"%s","to_account":"%s","amount":"0.01","memo":"bench"}', item[2], item[3])
  return wrk.format("POST", "/api/v1/transfers", headers, body)
end

function response(status, headers, body)
  local key = tostring(status)
  statuses[key] = (statuses[key] or 0) + 1
end

function done(summary, latency, requests)
  local totals, counts = {}, {}
  for _, thread in ipairs(threads) do
    for status, count in pairs(thread:get("statuses")) do
      totals[status] = (totals[status] or 0) + count
    end
  end
  for status, count in pairs(totals) do
    counts[#counts + 1] = string.format('"%s":%d', status, count)
  end
  io.write(string.format(
    'BENCH_JSON {"requests":%d,"duration_us":%d,"p50_us":%d,"p95_us":%d,"p99_us":%d,"max_us":%d,' ..
    '"socket_errors":{"connect":%d,"read":%d,"write":%d,"timeout":%d},"statuses":{%s}}\n',
    summary.requests, summary.duration, latency:percentile(50), latency:percentile(95),
    latency:percentile(99), latency.max,
    summary.errors.connect, summary.errors.read, summary.errors.write, summary.errors.timeout,
    table.concat(counts, ",")))
end
