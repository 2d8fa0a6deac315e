"""Hidden checks for exercises/ch11-growing-up.ipynb: for the queue, a crash of the front
end (with the back end down, and with it up), a cut between the two ends and a lossy link;
for the risk service, both instances down at once, an instance cut off but alive, and
other node names with the risk nodes listed the other way round; for the capacity, other
rates, service times and deadlines (each one's answer holds with a margin: the p99 one
front fewer is well above the deadline on every seed tried)."""
from labrt.grading import hidden
from labrt.grading.checks.ch11_growing_up import (BACK, CAPACITY, CAPACITY_LIMIT, FRONT, FRONTS, QUEUE, RISK,
                                                  RISKS, capacity, queue_run, risk_run)

F, B = FRONT, BACK
R1, R2 = RISKS
F1, F2, F3 = FRONTS

# ---- Task 1: the ordered queue ------------------------------------------------------
hidden(QUEUE, 1, "the back end is down from 4 s to 9 s and the front crashes at 6 s "
       "(back at 7 s), seed 3", queue_run, seed=3,
       faults=[[4.0, "crash", B], [6.0, "crash", F], [7.0, "restart", F],
               [9.0, "restart", B]])
hidden(QUEUE, 1, "the front crashes at 7.9 s and restarts at 8.2 s, seed 4", queue_run,
       seed=4, faults=[[7.9, "crash", F], [8.2, "restart", F]])
hidden(QUEUE, 1, "a lossy link: 20 % of the messages between front and back lost, seed 5",
       queue_run, seed=5, end=30.0, faults=[[2.0, "drop", F, B, 0.2]])
hidden(QUEUE, 1, "front | back partition from 5 s to 10 s, then the front crashes at "
       "12.959 s, as an acknowledgement is on its way (back at 13.4 s), seed 9", queue_run,
       seed=9, faults=[[5.0, "partition", [F], [B]], [10.0, "heal"], [12.959, "crash", F],
                       [13.4, "restart", F]])

# ---- Task 2: the risk service -------------------------------------------------------
hidden(RISK, 1, "both risk instances down from 6 s to 9 s, seed 3", risk_run, seed=3,
       faults=[[6.0, "crash", R1], [6.0, "crash", R2], [9.0, "restart", R1],
               [9.0, "restart", R2]],
       roles=[(0.0, 6.0, "site1", R1), (0.0, 6.0, "site2", R2), (13.0, 20.0, "site1", R1),
              (13.0, 20.0, "site2", R2)],
       blind=[(6.0, 12.5)], spread=[(1.0, 20.0, list(FRONTS))])
hidden(RISK, 1, "risk@site1 cut off from the site1 fronts (still up) from 5 s to 11 s, seed 7",
       risk_run, seed=7,
       faults=[[5.0, "partition", [R1], [F1, F2]], [11.0, "heal"]],
       roles=[(0.0, 5.0, "site1", R1), (5.5, 11.0, "site1", R2), (15.0, 20.0, "site1", R1),
              (0.0, 20.0, "site2", R2)])
EAST = ("a@east", "b@east", "c@west")
WEST_FIRST = ("risk@west", "risk@east")
hidden(RISK, 2, "fronts a@east, b@east, c@west; risk nodes listed west first; risk@east "
       "down from 4 s to 9 s, seed 5", risk_run, seed=5, fronts=EAST, risks=WEST_FIRST,
       faults=[[4.0, "crash", "risk@east"], [9.0, "restart", "risk@east"]],
       roles=[(0.0, 4.0, "east", "risk@east"), (0.0, 20.0, "west", "risk@west"),
              (4.5, 9.0, "east", "risk@west"), (13.5, 20.0, "east", "risk@east")],
       spread=[(1.0, 20.0, list(EAST))])

# ---- Task 3: the capacity -----------------------------------------------------------
hidden(CAPACITY, 1, "60 purchases/s, 0.05 s each, a p99 deadline of 0.115 s", capacity,
       limit=CAPACITY_LIMIT, rate=60.0, service_s=0.05, deadline=0.115)
hidden(CAPACITY, 1, "40 purchases/s, 0.1 s each, a generous deadline of 1 s, seed 2",
       capacity, limit=CAPACITY_LIMIT, rate=40.0, service_s=0.1, deadline=1.0, seed=2)
hidden(CAPACITY, 2, "50 purchases/s, 0.1 s each, a p99 deadline of 0.22 s, seed 3", capacity,
       limit=CAPACITY_LIMIT, rate=50.0, service_s=0.1, deadline=0.22, seed=3)
