# Prints how many times a program called the C allocator (malloc, calloc,
# realloc), from a callgrind output file: a "fn=(id) name" or
# "cfn=(id) name" line names a function (later lines give the id alone),
# "fn=" starts the calls a function makes, and the "calls=N ..." line after
# a "cfn=" line counts its calls to that callee.  Calls the allocator makes
# to itself (glibc's realloc of NULL calls malloc) are not counted again.
#
#   awk -f scripts/bench/callgrind-allocs.awk callgrind.out
function is_alloc(f) { return f == "malloc" || f == "calloc" || f == "realloc" }
/^c?fn=/ {
  id = $1
  sub(/^c?fn=/, "", id)
  if (NF > 1) name[id] = $2
  if ($0 ~ /^fn=/) caller = name[id]
  else callee = name[id]
  next
}
/^calls=/ {
  n = $1
  sub(/^calls=/, "", n)
  if (is_alloc(callee) && !is_alloc(caller)) total += n
  callee = ""
}
END { print total + 0 }
