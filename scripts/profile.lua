-- wrk script for scripts/load.sh, fleet-drills.sh and soak.sh: GET /u/{handle} for handles picked at random from
-- $HANDLES_FILE, and one JSON line of figures at the end (latencies in microseconds). With LOAD_ACTIVE=N, connections
-- send nothing after N seconds, so that every request sent is answered (and counted, for a page-view check) before wrk
-- stops at -d.
local handles = {}
local active = tonumber(os.getenv("LOAD_ACTIVE") or "")
local stop_at
local now_ms

if active then
  local ffi = require("ffi")
  ffi.cdef [[
  typedef struct { long tv_sec; long tv_nsec; } load_timespec;
  int clock_gettime(int clock, load_timespec *now);
  ]]
  local CLOCK_MONOTONIC = 1
  local timespec = ffi.new("load_timespec")
  now_ms = function()
    ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
    return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
  end

  -- Called before each request a connection sends after its first: none once the time is up.
  function delay()
    return now_ms() >= stop_at and 3600000 or 0
  end
end

function init(args)
  local path = os.getenv("HANDLES_FILE") or "handles.txt"
  for line in io.lines(path) do
    if #line > 0 then handles[#handles + 1] = line end
  end
  if #handles == 0 then error("no handles in " .. path) end
  -- Each wrk thread has its own Lua state: seed each differently, but reproducibly.
  math.randomseed(tonumber(os.getenv("LOAD_SEED") or "20260101") + (wrk.thread and tonumber(tostring(wrk.thread):match("0x(%x+)") or "0", 16) % 1000 or 0))
  if active then stop_at = now_ms() + 1000 * active end
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
