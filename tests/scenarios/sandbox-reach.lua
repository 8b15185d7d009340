-- Under --sandbox, what was removed must stay out of reach through the
-- string metatable, package tables, load's environment and _ENV; prints
-- what each path found ("nil" is the answer wanted).
local function show(name, v) print(name, v == nil and "nil" or type(v)) end
local smt = getmetatable("")
show("string-mt.__index.dump", smt and smt.__index and smt.__index.dump)
show("(\"\").dump", ("").dump)
show("string.dump", string.dump)
show("load-io", load("return io")())
show("load-env-os", load("return os", "x", "t", _ENV)())
show("_ENV.debug", _ENV.debug)
show("_G.package", _G.package)
show("collectgarbage", collectgarbage)
show("coroutine-io", coroutine.wrap(function() return io end)())
print("string.rep", smt.__index.rep("ab", 2))
