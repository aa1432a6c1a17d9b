-- receiver_alerts.lua: wrk script that POSTs a distinct Alertmanager alert on every request.
--
-- usage: [HOMEOPS_BENCH_MAX=N] wrk ... -s receiver_alerts.lua URL -- TEMPLATE TOKEN
--   TEMPLATE  a file holding one webhook body (Alertmanager 0.25 shape) with the placeholders
--             @FP@ (16 hex digits: the alert's fingerprint) and @N@ (a decimal counter, put in a label);
--             every request fills them with a new value, so every request is a new alert.
--   TOKEN     sent as "Authorization: Bearer TOKEN" ("-" for none).
--   HOMEOPS_BENCH_MAX  optional: each thread stops after N answered requests (a burst of a fixed size)
--                      and, when HOMEOPS_BENCH_DONE is set, creates the file $HOMEOPS_BENCH_DONE.<thread>.
-- Threads get disjoint counter ranges (thread i starts at i * 2^32), so alerts never repeat.

local threads = {}
local next_id = 0

function setup(thread)
	thread:set("tid", next_id)
	next_id = next_id + 1
	table.insert(threads, thread)
end

local pieces, path, headers, n, max, done

function init(args)
	local f = assert(io.open(args[1], "rb"))
	local template = f:read("*a")
	f:close()
	-- split once into literal text and placeholders, so a request is a cheap concatenation
	pieces = {}
	local pos = 1
	while true do
		local s, e, name = template:find("@(%u+)@", pos)
		if not s then
			table.insert(pieces, template:sub(pos))
			break
		end
		table.insert(pieces, template:sub(pos, s - 1))
		table.insert(pieces, name)
		pos = e + 1
	end
	headers = { ["Content-Type"] = "application/json" }
	if args[2] and args[2] ~= "-" then
		headers["Authorization"] = "Bearer " .. args[2]
	end
	max = tonumber(os.getenv("HOMEOPS_BENCH_MAX") or "0") or 0
	n = tid * 4294967296
	done = 0
	path = wrk.path
end

function request()
	n = n + 1
	local parts = {}
	for i, p in ipairs(pieces) do
		if i % 2 == 1 then
			parts[i] = p
		elseif p == "FP" then
			parts[i] = string.format("%016x", n)
		else
			parts[i] = tostring(n)
		end
	end
	return wrk.format("POST", path, headers, table.concat(parts))
end

if (tonumber(os.getenv("HOMEOPS_BENCH_MAX") or "0") or 0) > 0 then
	-- only for fixed-size bursts: a response() callback makes wrk hand every answer to Lua
	function response(status, hdrs, body)
		done = done + 1
		if max > 0 and done >= max then
			-- tell the driver (wrk itself keeps sleeping for -d): it interrupts wrk, which then reports
			local marker = os.getenv("HOMEOPS_BENCH_DONE")
			if marker then
				local f = io.open(marker .. "." .. tid, "w")
				if f then
					f:write(tostring(done), "\n")
					f:close()
				end
			end
			wrk.thread:stop()
		end
	end
end
