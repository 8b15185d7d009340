# Prints how many times a program called the C allocator (malloc, calloc,
# realloc), from a callgrind output file: a "fn=(id) name" or
# "cfn=(id) name" line names a function (later lines give the id alone),
# and the "calls=N ..." line after a "cfn=" line counts calls to it.
#
#   awk -f scripts/bench/callgrind-allocs.awk callgrind.out
/^c?fn=/ {
  id = $1
  sub(/^c?fn=/, "", id)
  if (NF > 1) name[id] = $2
  if ($0 ~ /^cfn=/) callee = name[id]
  next
}
/^calls=/ {
  n = $1
  sub(/^calls=/, "", n)
  if (callee == "malloc" || callee == "calloc" || callee == "realloc") total += n
  callee = ""
}
END { print total + 0 }
