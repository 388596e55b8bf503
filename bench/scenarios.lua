-- wrk script for every bench scenario: `wrk -s bench/scenarios.lua URL -- MODE IDS_FILE TOKEN THREADS`
--
-- MODE is one of:
--   tags   PATCH /users/{id}/tags with a JSON body (a write: one event, one group commit)
--   get    GET /users/{id}
--   list   GET /users?limit=10&offset=<rotating>
--   plain  GET of the URL's own path (the trivial-handler ceiling; IDS_FILE is ignored)
--
-- Each wrk thread walks its own slice of the user ids, so the 32 in-flight requests target
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

local mode, ids, token, counter
-- Globals, because done() reads them back from each thread with thread:get().
non2xx = 0
statuses = {}

function init(args)
   mode = args[1] or "plain"
   local ids_file, nthreads = args[2], tonumber(args[4] or "1")
   token = args[3] or ""
   ids = {}
   if mode ~= "plain" then
      for line in io.lines(ids_file) do
         if line ~= "" then
            table.insert(ids, line)
         end
      end
      if #ids == 0 then
         error("no user ids in " .. ids_file)
      end
   end
   -- Start each thread at its own slice of the ids: thread k begins at (k-1)/n of the list.
   counter = math.floor((thread_index - 1) * #ids / nthreads)
   wrk.headers["Authorization"] = "Bearer " .. token
   wrk.headers["Accept"] = "application/json"
   if mode == "tags" then
      wrk.headers["Content-Type"] = "application/json"
   end
end

function request()
   counter = counter + 1
   if mode == "plain" then
      return wrk.format("GET")
   end
   local id = ids[(counter % #ids) + 1]
   if mode == "tags" then
      local body = '{"tags":["bench","t' .. counter .. '"]}'
      return wrk.format("PATCH", "/users/" .. id .. "/tags", nil, body)
   elseif mode == "get" then
      return wrk.format("GET", "/users/" .. id)
   elseif mode == "list" then
      local pages = math.max(1, math.floor(#ids / 10))
      local offset = (counter % pages) * 10
      return wrk.format("GET", "/users?limit=10&offset=" .. offset)
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
   local bad, merged = 0, {}
   for _, thread in ipairs(threads) do
      bad = bad + (thread:get("non2xx") or 0)
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
         .. "connect=%d read=%d write=%d timeout=%d p50_us=%d p99_us=%d\n",
      summary.requests, summary.duration, bad, table.concat(parts, ","),
      e.connect, e.read, e.write, e.timeout,
      latency:percentile(50), latency:percentile(99)
   ))
end
