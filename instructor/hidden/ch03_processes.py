"""Hidden checks for exercises/ch03-processes.ipynb.

Loaded by the grading command (`--hidden instructor/hidden`), never shipped to
students. The first cases reuse the public scenarios with parameters the
notebook does not show (other sizes, edge cases, seeded schedules: a seed
makes the simulated kernel pick among runnable processes at random, the same
way every run). The later ones run the student's code for several seeds and
variants and judge properties: stray messages in ping's and ring's mailboxes,
several peers sharing one pong, laps=0, rings running side by side, a stop
that arrives mid-life, and junk that must not keep an idle counter alive.

This module is data: each case names a public scenario (its observer lives in
labrt/grading/checks/) with its inputs, which are all that enter the sandbox,
and its expected outcome, which only the judge sees, outside the sandbox. The
cases near the end run several seeds and variants each and judge properties;
each is failed by at least one wrong answer in instructor/wrong_answers/.
"""
from labrt.grading import hidden
from labrt.grading.checks._kit import case
from labrt.grading.checks.ch03_processes import (
    COUNTER, PING_PONG, RING, counter_conversation, counter_idle, counter_midlife,
    counter_priority, counter_quiet, ping_noise, ping_scenario, pong_peers, pong_scenario,
    ring_runs, ring_scenario)


hidden(PING_PONG, 1, "ping(0) plays no round and still stops its pong", ping_scenario, n=0)
hidden(PING_PONG, 1, "ping(40) on a shuffled schedule", ping_scenario, n=40, seed=3)
hidden(PING_PONG, 1, "pong answers 25 pings", pong_scenario, pings=25, seed=5)

case(PING_PONG, 1, "stray messages in ping's mailbox are not replies: ping(0, 3, 6, 10), "
     "four seeds, stray ('pong', k) with numbers of no round, and junk", ping_noise,
     hidden=True, runs=[
         (3, None, ["hello", ("pong", 0)], None),
         (6, 4, [("pong", 11), 42, ("noise", 1)], None),
         (10, 9, [("pong", 99), ("pong", -1), ("pong", 12)], None),
         (0, 3, ["hello"], None)])

case(PING_PONG, 1, "several peers share one pong (1 to 3 peers, four seeds), with junk "
     "arriving at pong meanwhile", pong_peers, hidden=True, runs=[
         (2, 3, None, [], None),
         (3, 4, 5, [], None),
         (2, 5, 8, ["hello", ("noise", 1), 42], None),
         (1, 6, 2, [("ping",), "junk", ("ping", 1)], None)])


hidden(RING, 1, "ring(1, 4): a ring of one", ring_scenario, n=1, laps=4)
hidden(RING, 1, "ring(2, 1)", ring_scenario, n=2, laps=1)
hidden(RING, 1, "ring(40, 25) on a shuffled schedule", ring_scenario, n=40, laps=25, seed=11)

case(RING, 1, "laps=0: ring(3, 0) and ring(1, 0), two seeds: no pass, the count is 0",
     ring_runs, hidden=True, runs=[([(3, 0)], None, []), ([(1, 0)], 4, [])])

case(RING, 1, "ring's mailbox holds other messages: ring(4, 2) and ring(2, 3), three seeds",
     ring_runs, hidden=True, runs=[
         ([(4, 2)], 6, ["hello", ("noise", 1), 42]),
         ([(2, 3)], None, [("done",), "stop", ("token",)]),
         ([(4, 2)], 1, [0, ("result", 5)])])

case(RING, 1, "several rings at once in one runtime: (3, 2) with (4, 1); (2, 2) twice with "
     "(5, 1); two seeds", ring_runs, hidden=True, runs=[
         ([(3, 2), (4, 1)], 3, []),
         ([(2, 2), (2, 2), (5, 1)], 8, [])])


hidden(COUNTER, 1, "a counter nobody talks to ends after idle seconds", counter_idle,
       idle=2.5, gaps=[])
hidden(COUNTER, 1, "'stop' jumps ahead of a 'get' too", counter_priority,
       before=[("add", 5), ("get", None)], after=[])
hidden(COUNTER, 1, "many adds, then gets, on a shuffled schedule", counter_conversation,
       idle=0.5, seed=9, adds=tuple(range(1, 301)))

case(COUNTER, 1, "a stop that arrives mid-life, behind other messages (four bursts at "
     "t=0.5 to 4, four seeds)", counter_midlife, hidden=True, runs=[
         ([("add", 2), ("add", 3)], 1.0, ["get", ("add", 1), ("add", 2), "stop", ("add", 3)], None),
         ([("add", 4)], 2.5, ["hello", ("add", 10), ("add", 20), "stop"], 3),
         ([], 0.5, ["get", "stop", ("add", 1)], 7),
         ([("add", 1)] * 5, 4.0, ["get", ("junk", 1), ("add", 5), ("add", 6), "stop"], 2)])

case(COUNTER, 1, "junk does not keep an idle counter alive (three timelines, three seeds)",
     counter_quiet, hidden=True, runs=[
         (2.0, [(0.5, ("add", 1)), (1.5, "hello"), (2.0, ("junk", 1)), (3.0, 42)], None),
         (1.0, [(0.2, "hello"), (0.4, "hello"), (0.8, "hello"), (1.6, "hello")], 5),
         (3.0, [(1.0, ("add", 2)), (2.0, "get"), (4.5, ("noise",)), (4.9, ("add", 1)),
                (6.0, "x"), (7.0, "y")], 2)])


# Under exploration (issue 11): the student's ring under 200 random schedules
# (seed fixed, at most 2 deviations each): messages from different senders
# may arrive in any order, even when one caused the other.
from labrt.grading.checks.ch03_processes import ring_explored  # noqa: E402

case(RING, 1, "under 200 random schedules (explored): ring(3, 2), where a message can "
     "overtake another sent earlier by a different process", ring_explored, hidden=True,
     limit=5.0, n=3, laps=2, runs=200, seed=0)
