"""Hidden checks for exercises/ch02-functional.ipynb (instructors only).

Same scenarios as the public checks, with other messages, a bad message at
either end of the list, and seeded schedules. Each case is data: the
scenario's inputs go into the sandbox, the expected values (``afters``,
``end``, ``asked``, ``bad_index``, ``good_states``, ``restarts``) and the
hints stay with the grading command, which judges.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch02_functional import (
    MACHINE, SHOP, STEP, machine_crashes, machine_fold, shop_scenario, step_refuses,
    step_table)

hidden(STEP, 1, "a longer day, message by message", step_table,
       starts=[((0, 0), ("refill", 1)), ((0, 1), "buy"), ((0, 1), ("coin", 7)),
               ((7, 1), "buy"), ((5, 0), "buy"), ((5, 0), ("refill", 2)),
               ((5, 2), "buy"), ((3, 1), "buy")],
       afters=[(0, 1), (0, 1), (7, 1), (5, 0), (5, 0), (5, 2), (3, 1), (1, 0)],
       hint="check each rule of the table in order")

hidden(STEP, 1, "more malformed messages are refused", step_refuses,
       messages=[("coin",), ("coin", 1, 2), ("refill", -3), "BUY", None, ("buy", 1)])

hidden(MACHINE, 1, "asked at once, it answers its initial state", machine_fold,
       start=(4, 4), messages=["buy", "buy"], end=(0, 2), ask_at=0, asked=(4, 4), seed=2)

hidden(MACHINE, 1, "the first message is already bad", machine_crashes,
       messages=[("refill", 0), ("coin", 1)], bad_index=0, seed=4)

hidden(SHOP, 1, "no bad message: no restart", shop_scenario,
       messages=[("coin", 3), ("refill", 1), "buy"], good_states=[(3, 0), (3, 1), (1, 0)],
       restarts=0)

hidden(SHOP, 1, "a bad first and last message", shop_scenario,
       messages=[("coin", 0), ("refill", 4), ("coin", 2), "buy", "refund"],
       good_states=[(0, 4), (2, 4), (0, 3)], restarts=2, seed=6)

hidden(SHOP, 1, "three crashes in a row", shop_scenario,
       messages=[("coin", 2), "x", "y", "z", ("refill", 1), "buy"],
       good_states=[(2, 0), (2, 1), (0, 0)], restarts=3)
