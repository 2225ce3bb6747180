-- The soak's mix: of every 20 requests, 8 stored originals, 6 derived
-- images (32 sizes in turn: hits and, at first, misses), 4 heatmaps and 2
-- uploads of small PNGs (most already stored: 200; some new: 201). Ids come
-- from IDS (space-separated), the upload bodies from BODIES (files).
local ids = {}
for id in string.gmatch(os.getenv("IDS"), "%S+") do ids[#ids + 1] = id end
local bodies = {}
for path in string.gmatch(os.getenv("BODIES"), "%S+") do
  local f = assert(io.open(path, "rb"))
  bodies[#bodies + 1] = f:read("*a")
  f:close()
end
local n = 0
request = function()
  n = n + 1
  local k = n % 20
  local id = ids[(n % #ids) + 1]
  if k < 8 then
    return wrk.format("GET", "/images/" .. id)
  elseif k < 14 then
    return wrk.format("GET", "/images/" .. id .. "?w=" .. (64 + (n % 32)))
  elseif k < 18 then
    return wrk.format("GET", "/vector_image?values=" .. (n % 97) .. ",2,3,5,8,13&width=128&height=96")
  end
  return wrk.format("POST", "/images", {["Content-Type"] = "image/png"}, bodies[(n % #bodies) + 1])
end
