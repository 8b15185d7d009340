-- timers.lua: processes and timers in virtual time, before any network.
--
-- Shows: sim.spawn starts a process (a coroutine) that sleeps in virtual
-- time; sim.every fires a function periodically; sim.at fires once; events
-- at the same instant run in the order they were scheduled; sim.random
-- draws from the run's seed, so another --seed gives another (equally
-- reproducible) run.
--
-- Run:   twsim run scenarios/timers.lua
--        twsim run scenarios/timers.lua --seed 2 --set workers=5
--        twsim run scenarios/timers.lua --trace - --trace-format jsonl

local workers = tonumber(sim.param("workers", "3"))
local done = 0

for w = 1, workers do
  sim.spawn(function()
    for job = 1, 3 do
      -- Each job takes between 10 and 100 ms of virtual time.
      local took = 0.010 + 0.090 * sim.random()
      sim.sleep(took)
      sim.log(string.format("worker %d finished job %d (%.1f ms)", w, job, took * 1000))
    end
    done = done + 1
  end)
end

-- A heartbeat every 100 ms, cancelled at 250 ms.
local beats = 0
local heartbeat = sim.every("100ms", function() beats = beats + 1 end)
sim.at("250ms", function() heartbeat:cancel() end)

sim.run{ ["until"] = "1s" }

print(string.format("%d workers done, %d heartbeats, virtual time %.3f s",
                    done, beats, sim.now()))
sim.assert(done == workers, "every worker finishes within 1 s")
sim.assert(beats == 2, "the heartbeat was cancelled after two beats")
