-- wrk script for anonymous repeat views: a browser that remembers the ETag of the last 200 it
-- got and sends it back as If-None-Match, as a browser's cache does, and keeps the session
-- cookie it was given (an anonymous visitor's Discover order lives in it). done() prints how
-- many responses were 304, 200 and anything else, and of the repeat views (those that sent an
-- ETag back) how many were 304s (the benchmark parses the "conditional:" line).
-- The benchmark runs it with one connection per thread: one browser each.

local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  etag = nil
  cookie = nil
  n304, n200, nother = 0, 0, 0
  -- Repeat views: requests that carried an ETag (one connection per thread, so a response
  -- always answers the request just made), and how many of those were 304s.
  carried, repeats, repeat304 = false, 0, 0
end

function request()
  local headers = {}
  carried = etag ~= nil
  if etag then
    headers["If-None-Match"] = etag
  end
  if cookie then
    headers["Cookie"] = cookie
  end
  return wrk.format("GET", nil, headers)
end

function response(status, headers, body)
  if carried then
    repeats = repeats + 1
    if status == 304 then
      repeat304 = repeat304 + 1
    end
  end
  if status == 304 then
    n304 = n304 + 1
  elseif status == 200 then
    n200 = n200 + 1
    etag = headers["ETag"] or headers["Etag"] or headers["etag"] or etag
  else
    nother = nother + 1
  end
  local set = headers["Set-Cookie"] or headers["set-cookie"]
  if set then
    cookie = set:match("^([^;]+)") or cookie
  end
end

function done(summary, latency, requests)
  local a, b, c, r, r304 = 0, 0, 0, 0, 0
  for _, thread in ipairs(threads) do
    a = a + thread:get("n304")
    b = b + thread:get("n200")
    c = c + thread:get("nother")
    r = r + thread:get("repeats")
    r304 = r304 + thread:get("repeat304")
  end
  io.write(string.format("conditional: 304=%d 200=%d other=%d repeats=%d repeat304=%d\n",
                         a, b, c, r, r304))
end
