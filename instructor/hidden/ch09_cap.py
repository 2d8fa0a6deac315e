"""Hidden checks for exercises/ch09-cap.ipynb: other sites, seeds, cut lengths and write
rates, so that a solution tuned to the public run (a table name, a fixed node list, the
bigger side always winning) fails here."""
from labrt.grading import hidden
from labrt.grading.checks.ch09_cap import MODES, REGISTER, SPLIT, modes, register, split

S1, S2 = ["a@site1"], ["b@site2", "c@site2"]
FIVE1, FIVE2 = ["d@east", "e@east"], ["p@west", "q@west", "r@west"]

AUDIT = {"what": "a payment audit log", "lose_writes_ok": False, "answer_everywhere": True}
SESSION = {"what": "web sessions", "lose_writes_ok": True, "answer_everywhere": True}
LIMITS = {"what": "credit limits", "lose_writes_ok": False, "answer_everywhere": False}
hidden(MODES, 2, "an audit log that must never lose a write but wants to answer, and "
       "sessions; two sites of two and three nodes", modes,
       tables={"payments_audit": AUDIT, "sessions": SESSION}, site1=FIVE1, site2=FIVE2,
       seed=4, cut=6.0, heal=14.0)
hidden(MODES, 1, "credit limits, seed 7, the cut taken at 5 s", modes,
       tables={"limits": LIMITS, "basket": SESSION}, site1=S2, site2=S1, seed=7,
       cut=5.0, heal=15.0)

hidden(REGISTER, 2, "five nodes, the two-node site cut off, seed 3", register,
       site1=FIVE1, site2=FIVE2, seed=3, cut=6.0, heal=16.0)
hidden(REGISTER, 1, "the single node's site listed second, seed 11", register,
       site1=S2, site2=S1, seed=11, cut=5.0, heal=12.0)
hidden(REGISTER, 1, "one site cut off, clients at other rates, seed 5", register,
       site1=S1, site2=S2, seed=5, periods={"a@site1": 0.6, "b@site2": 1.3, "c@site2": 0.9})

hidden(SPLIT, 2, "the lone node writes four times as often and keeps its side", split,
       site1=S1, site2=S2, winner=S1, seed=2,
       periods={"a@site1": 0.25, "b@site2": 2.0, "c@site2": 2.0})
hidden(SPLIT, 1, "five nodes, the bigger side writes more, seed 6", split,
       site1=FIVE1, site2=FIVE2, winner=FIVE2, seed=6, cut=6.0, heal=14.0)
hidden(SPLIT, 1, "equal writes: the side with more nodes wins", split,
       site1=["m@north", "n@north"], site2=["k@south"], winner=["m@north", "n@north"],
       seed=8, periods={"m@north": 2.0, "n@north": 2.0, "k@south": 1.0})
