-- wrk script for scripts/soak.sh's saturation run: GET /u/{handle} for handles picked at random from $HANDLES_FILE, as
-- fast as the connections go, sending nothing after SOAK_ACTIVE seconds, so that every request sent is answered (and
-- counted, for the page-view check) before wrk stops at -d. At the end one JSON line of figures (latencies in µs).
local ffi = require("ffi")
ffi.cdef [[
typedef struct { long tv_sec; long tv_nsec; } soak_timespec;
int clock_gettime(int clock, soak_timespec *now);
]]
local CLOCK_MONOTONIC = 1
local timespec = ffi.new("soak_timespec")
local function now_ms()
  ffi.C.clock_gettime(CLOCK_MONOTONIC, timespec)
  return tonumber(timespec.tv_sec) * 1000 + tonumber(timespec.tv_nsec) / 1e6
end

local handles = {}
local stop_at

function init(args)
  local path = os.getenv("HANDLES_FILE") or "handles.txt"
  for line in io.lines(path) do
    if #line > 0 then handles[#handles + 1] = line end
  end
  if #handles == 0 then error("no handles in " .. path) end
  -- Each wrk thread has its own Lua state: seed each differently, but reproducibly.
  math.randomseed(tonumber(os.getenv("LOAD_SEED") or "20260101") + (wrk.thread and tonumber(tostring(wrk.thread):match("0x(%x+)") or "0", 16) % 1000 or 0))
  stop_at = now_ms() + 1000 * tonumber(os.getenv("SOAK_ACTIVE") or "1e9")
end

-- Called before each request a connection sends after its first: none once the time is up.
function delay()
  return now_ms() >= stop_at and 3600000 or 0
end

function request()
  return wrk.format("GET", "/u/" .. handles[math.random(#handles)])
end

function done(summary, latency, requests)
  io.write(string.format(
    'LOADRESULT {"requests":%d,"seconds":%.3f,"p50_us":%d,"p90_us":%d,"p99_us":%d,"max_us":%d,"non2xx":%d,"socket_errors":%d}\n',
    summary.requests, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max,
    summary.errors.status, summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout))
end
