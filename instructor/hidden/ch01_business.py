"""Hidden checks for exercises/ch01-never-stop.ipynb (instructors only).

The same scenarios as the public checks with other calendars (leap years, century
years, an outage across a month's end), other service times and seeds, a big shop that
needs dozens of servers, a small shop with another daily and yearly shape, and traffic
that is flat all year (whose average load is a whole number). Each case is data: the
inputs go into the sandbox; the expected values stay with the grading command.
"""
from labrt.grading import hidden
from labrt.grading.checks.ch01_business import (
    AVERAGE, BUDGET, CAPACITY, FLAT, KLARNA, SHOP, availability_table, average_table,
    budget_table, capacity_scenario, cost_scenario, lost_table, queue_table)

hidden(BUDGET, 1, "leap years: February 2024 and the year 2024", budget_table,
       asks=[(0.9999, 2024, 2), (0.999, 2024, None), (0.99, 2023, 2)],
       minutes=[4.176, 527.04, 403.2],
       hint="2024 is a leap year: February has 29 days and the year 366")

hidden(BUDGET, 1, "century years: 1900 and 2100 are not leap years, 2000 is", budget_table,
       asks=[(0.99, 2100, 2), (0.99, 2000, 2), (0.999, 1900, None), (0.999, 2000, None)],
       minutes=[403.2, 417.6, 525.6, 527.04],
       hint="a year divisible by 100 is a leap year only if it is also divisible by 400")

hidden(BUDGET, 1, "an outage across the end of a month counts only its part inside",
       availability_table,
       records=[([((2023, 1, 31, 23, 58), 5.0)], 2023, 1),
                ([((2023, 1, 31, 23, 58), 5.0)], 2023, 2),
                ([((2022, 12, 31, 23, 50), 20.0)], 2023, None),
                ([((2023, 2, 10, 0, 0), 60.0)], 2023, 3),
                ([((2024, 2, 29, 12, 0), 41.76)], 2024, 2)],
       wants=[1 - 2 / 44640, 1 - 3 / 40320, 1 - 10 / 525600, 1.0, 0.999],
       hint="count only the minutes of each outage that fall inside the period")

hidden(CAPACITY, 1, "more hand-worked queues: zero service time, spare servers, a crowd at once",
       queue_table,
       cases=[([0.0, 0.0, 0.0, 0.0], 2, 0.0), ([0.0, 0.0, 0.0], 5, 2.0),
              ([0.0, 0.0, 0.0, 0.0, 0.0], 2, 1.0), ([0.0, 0.25, 0.25, 0.5], 1, 0.25)],
       wants=[[0.0] * 4, [0.0] * 3, [0.0, 0.0, 1.0, 1.0, 2.0], [0.0, 0.0, 0.25, 0.25]],
       hint="N servers, one queue, first come first served")

hidden(CAPACITY, 1, "a small shop, p99 under 1.9 s, seeds 4 and 5", capacity_scenario,
       traffic=SHOP, service_time=4.0, bound=1.9, seeds=[4, 5], average=2, want=8,
       name="SHOP", limit=10.0)

hidden(CAPACITY, 1, "a slow credit bureau: 40 s per purchase, dozens of servers",
       capacity_scenario, traffic=SHOP, service_time=40.0, bound=6.0, seeds=[7, 8],
       average=11, want=49, name="SHOP", limit=10.0)

hidden(CAPACITY, 1, "a small shop busiest at lunch in June, 4 s per purchase",
       capacity_scenario, traffic=SHOP, service_time=4.0, bound=2.5, seeds=[4, 5, 6],
       average=2, want=7, name="SHOP", limit=10.0)

hidden(AVERAGE, 1, "more give-ups by hand: those who leave make room for later ones",
       lost_table,
       cases=[([0.0, 0.1, 0.2, 0.3, 2.5, 2.6], 1, 1.0, 1.2), ([0.0] * 6, 3, 2.0, 1.0),
              ([5.0, 5.5, 6.0, 6.1], 2, 1.0, 0.45)],
       wants=[[2, 3], [3, 4, 5], []],
       hint="a purchase gives up when no server has taken it `patience` seconds after it "
            "arrived")

hidden(AVERAGE, 1, "a whole-number average load: 1 purchase/s x 2 s needs 3 servers",
       average_table, asks=[(FLAT, 2.0), (SHOP, 4.0), (KLARNA, 1.0)], wants=[3, 2, 1],
       names=["FLAT", "SHOP", "KLARNA"])

hidden(AVERAGE, 1, "flat traffic: sized for the average, only some minutes lose purchases",
       cost_scenario, traffic=FLAT, service_time=2.0, patience=3.0, seeds=[1, 2],
       want={"average_servers": 3, "peak_servers": 4, "lost": 24.5, "bad_minutes": 12.0},
       name="FLAT", limit=10.0)
