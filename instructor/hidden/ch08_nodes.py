"""Hidden checks for exercises/ch08-nodes.ipynb: other fault schedules, node names,
workloads and lost machines, so that a solution tuned to the public run (a crash only,
the node names it shows, one table, no dump, a backup on two machines) fails here."""
from labrt.grading import hidden
from labrt.grading.checks.ch08_nodes import (BACKUP, FAILOVER, REBUILD, backup_run,
                                             failover, rebuild_run)

M, S = "master@site2", "slave@site2"
hidden(FAILOVER, 2, "the master cut off from 3 s to 8 s (noticed after the 2 s tick), "
       "seeds 3 and 4", failover,
       faults=[[3.0, "partition", [M]], [8.0, "heal"]], seeds=(3, 4))
hidden(FAILOVER, 1, "other node names, the master crashes twice", failover,
       faults=[[3.0, "crash", "primary@dc1"], [5.0, "restart", "primary@dc1"],
               [8.0, "crash", "primary@dc1"], [10.5, "restart", "primary@dc1"]],
       master="primary@dc1", slave="standby@dc2", seeds=(5,), period=0.4)
hidden(FAILOVER, 1, "both nodes down from 4.5 s to 8.5 s", failover,
       faults=[[3.0, "crash", M], [4.5, "crash", S], [8.5, "restart", S],
               [10.0, "restart", M]], seeds=(6, 7))

hidden(REBUILD, 1, "a dump_log after 6 commits, a sync after 10", rebuild_run,
       seeds=(3, 4), dump_after=6, sync_after=(10,))
hidden(REBUILD, 1, "two tables in one log, with the same keys", rebuild_run,
       seeds=(5, 6), tables=("orders", "refunds"), n=18, sync_after=(11,))
hidden(REBUILD, 1, "delete_object and rewrites of the same record after the sync",
       rebuild_run, seeds=(7, 8), kinds=("write", "write", "delete_object", "rewrite"),
       n=16, sync_after=(9,))
hidden(REBUILD, 1, "every commit synced: the last one a sync_transaction", rebuild_run,
       seeds=(9,), sync_after=(5,), last_sync=True)

hidden(BACKUP, 2, "c@site2 down during the backup, then the repair runs on it",
       backup_run, faults=[[1.0, "crash", "c@site2"], [5.5, "restart", "c@site2"],
                           [7.0, "crash", "a@site1"]],
       repair_on="c@site2", seeds=(3, 4))
hidden(BACKUP, 1, "a customers table as well", backup_run,
       faults=[[7.0, "crash", "a@site1"]], extra=True, seeds=(5,))
hidden(BACKUP, 1, "a@site1 and b@site1 both lost; the repair on c@site2", backup_run,
       faults=[[6.5, "crash", "b@site1"], [7.0, "crash", "a@site1"]],
       repair_on="c@site2", seeds=(6,))
