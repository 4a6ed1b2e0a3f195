-- wrk script for bench/web.py: sends a fixed list of requests round-robin and prints the
-- run's figures as one JSON line (prefixed "WRKJSON ") for bench/web.py to read.
--
--   wrk -t2 -c20 -d30s --latency -s bench/web_wrk.lua http://127.0.0.1:PORT -- TARGETS_FILE
--
-- TARGETS_FILE has one request per line: METHOD <TAB> PATH?QUERY [<TAB> JSON BODY]. Each wrk
-- thread walks the whole list from its own starting point, so every request of the mix is sent
-- equally often. wrk records the latency of every request (send to last byte of the response)
-- in its histogram; done() reads the percentiles from it. No response() callback is defined,
-- so wrk does not hand bodies to Lua and the client stays cheap.

local requests = {}
local position = 0
local thread_index = 0
local threads = {}

function setup(thread)
  thread:set("thread_index", #threads)
  table.insert(threads, thread)
end

function init(args)
  local file = assert(io.open(args[1], "r"), "cannot open the targets file " .. tostring(args[1]))
  for line in file:lines() do
    local method, path, body = line:match("^(%u+)\t([^\t]+)\t?(.*)$")
    if method then
      local headers = {}
      if body ~= nil and body ~= "" then
        headers["Content-Type"] = "application/json"
      else
        body = nil
      end
      requests[#requests + 1] = wrk.format(method, path, headers, body)
    end
  end
  file:close()
  assert(#requests > 0, "no requests in " .. args[1])
  -- threads start at different places of the list
  position = (thread_index * 7) % #requests
end

function request()
  position = position % #requests + 1
  return requests[position]
end

function done(summary, latency, requests_)
  local e = summary.errors
  io.write(string.format(
    'WRKJSON {"requests": %d, "duration_us": %d, "bytes": %d, "err_connect": %d, "err_read": %d, ' ..
    '"err_write": %d, "err_status": %d, "err_timeout": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, ' ..
    '"mean_us": %.1f, "max_us": %d}\n',
    summary.requests, summary.duration, summary.bytes, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.mean, latency.max))
end
