-- wrk script: POST /vector_image with 1,024 values at 512×512, cycling
-- through 512 distinct bodies so that no two neighbouring requests are alike.
local bodies = {}
math.randomseed(12345)
for b = 1, 512 do
  local vals = {}
  for i = 1, 1024 do vals[i] = string.format("%.5f", math.random() * 100) end
  bodies[b] = '{"values":[' .. table.concat(vals, ",") .. '],"width":512,"height":512}'
end
local n = 0
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "image/png" }

request = function()
  n = n + 1
  return wrk.format("POST", "/vector_image", headers, bodies[(n % #bodies) + 1])
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.1f p50_ms=%.2f p99_ms=%.2f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
