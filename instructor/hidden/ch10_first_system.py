"""Hidden checks for exercises/ch10-first-system.ipynb: other crash times, two
crashes, two partitions, a second failure inside the restart window, a power cut of
both purchase nodes, other seeds (the amounts and the network's draws change; seeds 5 and 33 send a purchase of
exactly the limit, which the public seed never does)."""
from labrt.grading import hidden
from labrt.grading.checks.ch10_first_system import (DURABLE, FAILOVER, MASTER, SLAVE, SYNC,
                                                     purchases)

M, S = MASTER, SLAVE

hidden(FAILOVER, 2, "the master crashes twice (4 s and 15 s), seed 5", purchases,
       node_fn="failover_node", seed=5,
       faults=[[4.0, "crash", M], [9.0, "restart", M], [15.0, "crash", M],
               [22.0, "restart", M]],
       roles=[(0.0, 4.0, M), (5.0, 9.0, S), (10.0, 15.0, M), (16.0, 22.0, S),
              (23.0, 30.0, M)])
hidden(FAILOVER, 2, "the master crashes at 13.3 s, back at 24.7 s, seed 7", purchases,
       node_fn="failover_node", seed=7,
       faults=[[13.3, "crash", M], [24.7, "restart", M]],
       roles=[(0.0, 13.0, M), (14.5, 24.5, S), (25.7, 30.0, M)])

hidden(SYNC, 2, "a partition from 5 s to 12 s, seed 33", purchases,
       node_fn="syncing_node", seed=33,
       faults=[[5.0, "partition", [M], [S]], [12.0, "heal"]],
       roles=[(0.0, 5.0, M), (8.0, 12.0, S), (15.0, 30.0, M)], lossless=True)
hidden(SYNC, 2, "two partitions, 4-9 s and 17-23 s, seed 9", purchases,
       node_fn="syncing_node", seed=9,
       faults=[[4.0, "partition", [M], [S]], [9.0, "heal"],
               [17.0, "partition", [M], [S]], [23.0, "heal"]],
       roles=[(0.0, 4.0, M), (7.0, 9.0, S), (12.0, 17.0, M), (20.0, 23.0, S),
              (26.0, 30.0, M)], lossless=True)

hidden(DURABLE, 1, "the slave dies as the master restarts (12 s), seed 5", purchases,
       node_fn="careful_node", seed=5,
       faults=[[6.0, "crash", M], [12.0, "restart", M], [12.0, "crash", S],
               [22.0, "restart", S]],
       lossless=True)
hidden(DURABLE, 1, "a power cut: both nodes die at 10 s, back at 14 s, seed 2", purchases,
       node_fn="careful_node", seed=2,
       faults=[[10.0, "crash", M], [10.0, "crash", S], [14.0, "restart", M],
               [14.0, "restart", S]],
       lossless=True)
hidden(DURABLE, 2, "a master | slave partition from 6 s to 13 s, seed 6", purchases,
       node_fn="careful_node", seed=6,
       faults=[[6.0, "partition", [M], [S]], [13.0, "heal"]],
       lossless=True)
