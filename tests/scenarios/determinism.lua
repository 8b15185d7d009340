-- Everything that could vary between processes: pairs() over string keys,
-- math.random, sim.random, and the order of same-instant events.
local t = {}
for i = 1, 200 do t["key" .. i] = i; t[i * 7] = i end
local order = {}
for k, v in pairs(t) do order[#order + 1] = tostring(k) .. "=" .. v end
print(table.concat(order, " "))
print(math.random(), math.random(1, 1000), sim.random(), sim.random(5, 9))
math.randomseed()
print(math.random(1, 1 << 40))
for p = 1, 5 do
  sim.spawn(function()
    for i = 1, 3 do
      sim.sleep(sim.random() < 0.5 and "1ms" or "2ms")
      sim.log("process", p, "step", i)
    end
  end)
end
sim.run{ ["until"] = "1s" }
print("now", sim.now(), "seed", sim.seed(), "param", sim.param("greeting", "none"))
