-- wrk script: POST /vector_image with one body of 1,048,576 values (about
-- 20 MB of JSON, read from BODYFILE), again and again.
local f = assert(io.open(os.getenv("BODYFILE"), "rb"))
local body = f:read("*a")
f:close()
local headers = { ["Content-Type"] = "application/json", ["Accept"] = "image/png" }

request = function()
  return wrk.format("POST", "/vector_image", headers, body)
end

done = function(summary, latency, requests)
  io.write(string.format("RESULT rps=%.2f p50_ms=%.0f p99_ms=%.0f errors=%d non2xx=%d\n",
    summary.requests / (summary.duration / 1e6), latency:percentile(50) / 1000,
    latency:percentile(99) / 1000,
    summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout,
    summary.errors.status))
end
