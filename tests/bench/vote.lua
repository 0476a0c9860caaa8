-- wrk script for the vote benchmark: every request is a POST that really inserts a vote.
-- args: <file of "path<TAB>cookie<TAB>csrf token" lines> <number of wrk threads>
-- Thread k sends lines k+1, k+1+n, k+1+2n... so no two requests repeat a (voter, entry) pair
-- until the file runs out; the benchmark counts the inserted rows afterwards to be sure.

local counter = 0
local requests = {}
local next_id = 0

function setup(thread)
  thread:set("id", next_id)
  next_id = next_id + 1
end

function init(args)
  local threads = tonumber(args[2])
  local n = 0
  for line in io.lines(args[1]) do
    if n % threads == id then
      local path, cookie, token = line:match("^([^\t]+)\t([^\t]+)\t([^\t]+)$")
      requests[#requests + 1] = wrk.format("POST", path, {
        ["Cookie"] = cookie,
        ["X-CSRFToken"] = token,
        ["HX-Request"] = "true",
        ["Content-Type"] = "application/x-www-form-urlencoded",
      }, "next=%2Fchallenges%2Fbench-week%2Fsubmissions%2F")
    end
    n = n + 1
  end
end

function request()
  counter = counter + 1
  return requests[((counter - 1) % #requests) + 1]
end
