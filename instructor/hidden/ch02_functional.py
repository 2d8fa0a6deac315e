"""Hidden checks for exercises/ch02-functional.ipynb (instructors only).

Same scenarios as the public checks, with other messages, a bad message at
either end of the list, and seeded schedules.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch02_functional import (
    MACHINE, SHOP, STEP, machine_crashes, machine_fold, shop_scenario, step_refuses,
    step_table)


@hidden(STEP, points=1, title="a longer day, message by message")
def _step_day(t):
    step_table(t, [((0, 0), ("refill", 1), (0, 1)),
                   ((0, 1), "buy", (0, 1)),
                   ((0, 1), ("coin", 7), (7, 1)),
                   ((7, 1), "buy", (5, 0)),
                   ((5, 0), "buy", (5, 0)),
                   ((5, 0), ("refill", 2), (5, 2)),
                   ((5, 2), "buy", (3, 1)),
                   ((3, 1), "buy", (1, 0))],
               "check each rule of the table in order")


@hidden(STEP, points=1, title="more malformed messages are refused")
def _step_malformed(t):
    step_refuses(t, [("coin",), ("coin", 1, 2), ("refill", -3), "BUY", None, ("buy", 1)])


@hidden(MACHINE, points=1, title="asked at once, it answers its initial state")
def _machine_ask_first(t):
    machine_fold(t, (4, 4), ["buy", "buy"], (0, 2), ask_at=0, asked=(4, 4), seed=2)


@hidden(MACHINE, points=1, title="the first message is already bad")
def _machine_first_bad(t):
    machine_crashes(t, [("refill", 0), ("coin", 1)], 0, seed=4)


@hidden(SHOP, points=1, title="no bad message: no restart")
def _shop_clean(t):
    shop_scenario(t, [("coin", 3), ("refill", 1), "buy"], [(3, 0), (3, 1), (1, 0)], 0)


@hidden(SHOP, points=1, title="a bad first and last message")
def _shop_edges(t):
    shop_scenario(t, [("coin", 0), ("refill", 4), ("coin", 2), "buy", "refund"],
                  [(0, 4), (2, 4), (0, 3)], 2, seed=6)


@hidden(SHOP, points=1, title="three crashes in a row")
def _shop_streak(t):
    shop_scenario(t, [("coin", 2), "x", "y", "z", ("refill", 1), "buy"],
                  [(2, 0), (2, 1), (0, 0)], 3)



