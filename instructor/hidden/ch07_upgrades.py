"""Hidden checks for exercises/ch07-upgrades.ipynb (instructors only).

Other lifetimes and upgrade times, other versions to refuse, a downgrade
before anything expired, two upgrades in a row, a slow conversion, and the
pair with the other master, another start time and shuffled schedules.

This module is data: each case names a public scenario (its observer lives in
labrt/grading/checks/) with its inputs, which are all that enter the sandbox,
and its expected outcome, which only the judge sees, outside the sandbox. The
cases near the end run several seeds and variants each and judge properties;
each is failed by at least one wrong answer in instructor/wrong_answers/.
"""
from labrt.grading import hidden
from labrt.grading.checks._kit import case_several
from labrt.grading.checks.ch07_upgrades import (
    EXPIRY, ROLLING, UPGRADE, downgrade_scenario, expiry_scenario, refuse_scenario,
    rolling_scenario, upgrade_scenario)

hidden(EXPIRY, 1, "a longer extra, an upgrade at t=2, on a shuffled schedule", expiry_scenario,
       extra=5.0, at=2.0, seed=3)
case_several(EXPIRY, 1, "version 0 and a downgrade request are refused too", [
    (refuse_scenario, dict(old_vsn=0)), (refuse_scenario, dict(old_vsn=("down", 3)))],
    hidden=True)
hidden(EXPIRY, 1, "a downgrade before anything expired keeps every key", downgrade_scenario,
       up_at=0.5, ttl=10.0, down_at=2.0)

hidden(UPGRADE, 1, "two upgrades in a row: version 1, 2, then 3", upgrade_scenario,
       steps=[(1.0, "AccountV2", 0.2), (2.0, "AccountV3", 0.2)], outcomes=["ok", "ok"])
hidden(UPGRADE, 1, "a slower conversion (0.6 s): calls wait, none fails", upgrade_scenario,
       steps=[(1.0, "AccountV2", 0.6)], outcomes=["ok"], seed=2)
hidden(UPGRADE, 1, "a failed upgrade on a shuffled schedule", upgrade_scenario,
       steps=[(1.5, "AccountV2Broken", 0.3)], outcomes=["error"], seed=5)

hidden(ROLLING, 1, "an early upgrade (t=1), on a shuffled schedule", rolling_scenario,
       master="a", start_at=1.0, until=6.0, seed=4)
hidden(ROLLING, 1, "b is the master, on a shuffled schedule", rolling_scenario, master="b",
       start_at=2.5, until=7.0, seed=7)
hidden(ROLLING, 1, "a late upgrade (t=4): a bigger store, longer conversions", rolling_scenario,
       master="a", start_at=4.0, until=9.0)


# Checks that generalise: several seeds and variants per case, judged on properties.
from labrt.grading.checks._kit import case  # noqa: E402
from labrt.grading.checks.ch07_upgrades import (  # noqa: E402
    expiry_runs, rolling_stamps, upgrade_runs)

case(EXPIRY, 1, "extra=0: the old entries are gone from the upgrade on; extra=0.25 (two "
     "seeds)", expiry_runs, hidden=True, runs=[
         dict(extra=0.0, at=1.0, reads=[(1.3, "a"), (1.4, "late")], puts=[(1.35, "late", "x")]),
         dict(extra=0.25, at=2.0, reads=[(2.3, "a"), (2.5, "b")], seed=4)],
     wants=[(1.2, [None, "ok", "x"]), (2.45, [1, None])])


case_several(EXPIRY, 1, "a downgrade at the very instant the old entries expire drops them "
             "(two timings)", [
                 (downgrade_scenario, dict(up_at=0.5, ttl=1.5, down_at=2.0)),
                 (downgrade_scenario, dict(up_at=1.0, ttl=0.5, down_at=1.5, seed=2))],
             hidden=True)


case(UPGRADE, 1, "conversions that fail in other ways: another error, a crash (two seeds); "
     "upgrade returns change_code's answer as it is", upgrade_runs, hidden=True, runs=[
         dict(steps=[(1.0, "AccountV2Bad", 0.1)]),
         dict(steps=[(1.0, "AccountV2Raises", 0.1)], seed=3)],
     wants=[([("error", ("error", ("bad", 42)))], "AccountV1"),
            ([("error", ("EXIT", ("crash", "ValueError", "ValueError('cannot read the ledger')")))],
             "AccountV1")])

case(UPGRADE, 1, "from version 1 straight to 3 (refused: version 3 converts only from 2), "
     "and 1, 2, 3 in a row (two seeds)", upgrade_runs, hidden=True, runs=[
         dict(steps=[(1.0, "AccountV3", 0.1)]),
         dict(steps=[(1.0, "AccountV2", 0.1), (2.0, "AccountV3", 0.1)], seed=6)],
     wants=[([("error", ("error", ("cannot upgrade from", 1)))], "AccountV1"),
            (["ok", "ok"], "AccountV3")])

case(ROLLING, 1, "the time stamps of replicated writes: no earlier than the write, and the "
     "master's own for a version 2 write (both masters, two seeds)", rolling_stamps,
     hidden=True, runs=[dict(master="a", start_at=2.0, until=6.0),
                        dict(master="b", start_at=1.5, until=5.5, seed=3)])
