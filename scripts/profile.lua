-- wrk script for scripts/load.sh: GET /u/{handle} for handles picked at random from $HANDLES_FILE,
-- and one JSON line of figures at the end (latencies in microseconds).
local handles = {}

function init(args)
  local path = os.getenv("HANDLES_FILE") or "handles.txt"
  for line in io.lines(path) do
    if #line > 0 then handles[#handles + 1] = line end
  end
  if #handles == 0 then error("no handles in " .. path) end
  -- Each wrk thread has its own Lua state: seed each differently, but reproducibly.
  math.randomseed(tonumber(os.getenv("LOAD_SEED") or "20260101") + (wrk.thread and tonumber(tostring(wrk.thread):match("0x(%x+)") or "0", 16) % 1000 or 0))
end

function request()
  return wrk.format("GET", "/u/" .. handles[math.random(#handles)])
end

function done(summary, latency, requests)
  local seconds = summary.duration / 1e6
  io.write(string.format(
    'LOADRESULT {"requests":%d,"seconds":%.3f,"rps":%.1f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, seconds, summary.requests / seconds,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
