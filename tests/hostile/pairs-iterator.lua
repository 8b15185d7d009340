-- 1: the iterator pairs() returns, called with a string, nothing or
-- another table: it walks its own table whatever it is given.
local f = pairs({ a = 1, b = 2 })
print(f("a string made of bytes", "x"))
print(f())
print(f({}, nil))
