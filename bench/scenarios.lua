-- wrk script for every bench scenario:
--   wrk -s bench/scenarios.lua URL -- MODE IDS_FILE TOKEN THREADS [BATCH]
--
-- MODE is one of (IDS_FILE: one entry a line; two-field entries are separated by one space):
--   tags     PATCH /users/{id}/tags with a JSON body (a write: one event, one group commit)
--   get      GET /users/{id}
--   list     GET /users?limit=10&offset=<rotating>
--   bulk     POST /things/bulk with BATCH things, ids and secrets left to the server (no file)
--   thing    POST /things, one thing (no file)
--   connect  POST /connect, one (thing, channel) pair a request; entries "THING_ID CHANNEL_ID",
--            each to be used once: connecting a connected pair again records nothing
--   access   POST /channels/{id}/access; entries "CHANNEL_ID THING_SECRET" of connected pairs
--   send     POST /http/channels/{id}/messages as the thing (Authorization: Thing), a SenML pack
--            of BATCH records; entries as for access
--   emqx     POST /mqtt/emqx/messages, a pack of BATCH records as EMQX's rule posts it (base64
--            payload, a message id of its own), TOKEN being the hook secret; entries
--            "CHANNEL_ID THING_ID"
--   read     GET /channels/{id}/messages?limit=10 as the thing; entries as for access
--   bigpage  as read, on the channel of the one entry (filled with a million records)
--   bigname  as bigpage, filtered by one of the 100 names in turn (name=bench:rN)
--   bigavg   as bigname, averaged per hour (aggregation=avg&interval=1h)
--   plain    GET of the URL's own path (the trivial-handler ceiling; no file)
--
-- Each wrk thread walks its own slice of the entries, so the in-flight requests target
-- different aggregates and writes do not conflict with each other. Every response's status is
-- counted; done() prints one machine-readable "BENCH ..." line that bench/wrk.py parses, because
-- wrk's own "Non-2xx or 3xx responses" line ignores 3xx and is absent when there are none.

local threads = {}
local thread_count = 0

function setup(thread)
   thread_count = thread_count + 1
   thread:set("thread_index", thread_count)
   table.insert(threads, thread)
end

local NO_FILE = { plain = true, bulk = true, thing = true }
local READS = { read = true, bigpage = true, bigname = true, bigavg = true }

local bit = require("bit")
local B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
local mode, firsts, seconds, token, counter, start, slice, batch, run_id
-- Globals, because done() reads them back from each thread with thread:get().
non2xx = 0
reused = 0
statuses = {}

local function read_entries(ids_file)
   firsts, seconds = {}, {}
   for line in io.lines(ids_file) do
      local a, b = line:match("^(%S+)%s*(%S*)$")
      if a then
         table.insert(firsts, a)
         table.insert(seconds, b)
      end
   end
   if #firsts == 0 then
      error("no entries in " .. ids_file)
   end
end

function init(args)
   mode = args[1] or "plain"
   local ids_file, nthreads = args[2], tonumber(args[4] or "1")
   token = args[3] or ""
   batch = tonumber(args[5] or "1")
   firsts, seconds = {}, {}
   if not NO_FILE[mode] then
      read_entries(ids_file)
   end
   -- Start each thread at its own slice of the entries: thread k begins at (k-1)/n of the list.
   math.randomseed(os.time() * 100 + thread_index)
   run_id = math.random(1, 2 ^ 30)
   slice = math.floor(#firsts / nthreads)
   start = math.floor((thread_index - 1) * #firsts / nthreads)
   counter = start
   wrk.headers["Authorization"] = "Bearer " .. token
   wrk.headers["Accept"] = "application/json"
   if mode ~= "plain" and mode ~= "get" and mode ~= "list" and not READS[mode] then
      wrk.headers["Content-Type"] = "application/json"
   end
end

local function bulk_body()
   local items = {}
   for i = 1, batch do
      items[i] = '{"name":"bulk-' .. thread_index .. "-" .. counter .. "-" .. i .. '"}'
   end
   return "[" .. table.concat(items, ",") .. "]"
end

local function pack_body()
   local records = { '{"bn":"bench:","n":"r1","u":"Cel","v":' .. counter .. '}' }
   for i = 2, batch do
      records[i] = '{"n":"r' .. i .. '","t":-' .. i .. ',"v":' .. (counter + i / 10) .. '}'
   end
   return "[" .. table.concat(records, ",") .. "]"
end

local function base64(data)
   local out = {}
   for i = 1, #data, 3 do
      local a, b, c = data:byte(i, i + 2)
      local n = bit.bor(bit.lshift(a, 16), bit.lshift(b or 0, 8), c or 0)
      local missing = math.max(0, i + 2 - #data)
      for k = 1, 4 do
         if k <= 4 - missing then
            local index = bit.band(bit.rshift(n, 6 * (4 - k)), 63)
            out[#out + 1] = B64:sub(index + 1, index + 1)
         else
            out[#out + 1] = "="
         end
      end
   end
   return table.concat(out)
end

local function posted_body(channel, thing)
   -- Unique per run, thread and request, so no post is taken for a retry of an earlier one.
   local id = run_id .. "-" .. thread_index .. "-" .. counter
   return '{"id":"' .. id .. '","clientid":"' .. thing .. '","username":"' .. thing
      .. '","topic":"channels/' .. channel .. '/messages","qos":1,"payload":"'
      .. base64(pack_body()) .. '"}'
end

local function as_thing(secret, content_type)
   local headers = { ["Authorization"] = "Thing " .. secret, ["Accept"] = "application/json" }
   if content_type then
      headers["Content-Type"] = content_type
   end
   return headers
end

function request()
   counter = counter + 1
   if mode == "plain" then
      return wrk.format("GET")
   elseif mode == "bulk" then
      return wrk.format("POST", "/things/bulk", nil, bulk_body())
   elseif mode == "thing" then
      return wrk.format("POST", "/things", nil, '{"name":"single-' .. counter .. '"}')
   end
   local index = (counter % #firsts) + 1
   local id, second = firsts[index], seconds[index]
   if mode == "tags" then
      local body = '{"tags":["bench","t' .. counter .. '"]}'
      return wrk.format("PATCH", "/users/" .. id .. "/tags", nil, body)
   elseif mode == "get" then
      return wrk.format("GET", "/users/" .. id)
   elseif mode == "list" then
      local pages = math.max(1, math.floor(#firsts / 10))
      local offset = (counter % pages) * 10
      return wrk.format("GET", "/users?limit=10&offset=" .. offset)
   elseif mode == "connect" then
      if counter - start > slice then
         reused = reused + 1
      end
      local body = '{"subjects":["' .. id .. '"],"objects":["' .. second .. '"]}'
      return wrk.format("POST", "/connect", nil, body)
   elseif mode == "access" then
      local body = '{"subject":"' .. second .. '","action":"m_read","entity_type":"thing"}'
      return wrk.format("POST", "/channels/" .. id .. "/access", nil, body)
   elseif mode == "send" then
      local headers = as_thing(second, "application/senml+json")
      return wrk.format("POST", "/http/channels/" .. id .. "/messages", headers, pack_body())
   elseif mode == "emqx" then
      return wrk.format("POST", "/mqtt/emqx/messages", nil, posted_body(id, second))
   elseif mode == "read" or mode == "bigpage" then
      return wrk.format("GET", "/channels/" .. id .. "/messages?limit=10", as_thing(second))
   elseif mode == "bigname" or mode == "bigavg" then
      local query = "?limit=10&name=bench:r" .. (counter % 100 + 1)
      if mode == "bigavg" then
         query = query .. "&aggregation=avg&interval=1h"
      end
      return wrk.format("GET", "/channels/" .. id .. "/messages" .. query, as_thing(second))
   end
   error("unknown mode " .. tostring(mode))
end

function response(status, headers, body)
   statuses[status] = (statuses[status] or 0) + 1
   if status < 200 or status > 299 then
      non2xx = non2xx + 1
   end
end

function done(summary, latency, requests)
   local bad, again, merged = 0, 0, {}
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
      again = again + (thread:get("reused") or 0)
      for code, n in pairs(thread:get("statuses") or {}) do
         merged[code] = (merged[code] or 0) + n
      end
   end
   local parts = {}
   for code, n in pairs(merged) do
      table.insert(parts, code .. ":" .. n)
   end
   local e = summary.errors
   io.write(string.format(
      "BENCH requests=%d duration_us=%d non2xx=%d statuses=%s "
         .. "connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d reused=%d\n",
      summary.requests, summary.duration, bad, table.concat(parts, ","),
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(99), again
   ))
end
