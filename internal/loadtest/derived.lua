-- wrk script for the cold derived-image scenario: every request asks for a
-- different (width, height) box, so that nothing is served from a cache.
-- FMT is a format with two %d, for the width and the box height. The
-- source is square, so a box W×H with H >= W gives a W×W image:
-- W cycles through 200..312 (about 256 px wide), H grows past it. OFFSET
-- starts the sequence further on, so that later rounds ask for new boxes.
-- H stays within the spec's 8192 for n below about 55,000.
local threads = {}
local counter = 0

function setup(thread)
  counter = counter + 1
  thread:set("tid", counter)
  table.insert(threads, thread)
end

function init(args)
  fmt = os.getenv("FMT")
  n = tonumber(os.getenv("OFFSET") or "0")
end

function request()
  n = n + 1
  local w = 200 + (n % 113)
  local h = 313 + 2 * math.floor(n / 113) * 8 + tid
  return wrk.format("GET", string.format(fmt, w, h))
end
