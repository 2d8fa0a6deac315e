"""Known races, each with its fix: what the chapters show the explorer finding.

Each pair is a scenario that works on the default schedule (so it passes in
the book's other cells and in a naive grader) but fails under some schedule
Erlang allows, and the corrected version, which the systematic explorer
covers completely.  ``CHECKS`` gives the check each one is explored with.

* ``bank`` / ``bank_fixed`` (chapter 3): a depositor pays into an account and
  then tells an auditor, who asks the account for the balance.  Nothing makes
  the deposit arrive before the auditor's question (causality is not
  delivery order); the fix waits for a receipt before telling the auditor.
* ``keeper`` / ``keeper_fixed`` (chapter 4): ``trap_exit(True)`` after
  ``spawn_link``: the child can exit, and its exit signal arrive, before the
  flag is set.
* ``claim`` / ``claim_fixed`` (check-then-register): ``whereis`` then
  ``register``; another process can take the name in between.
* ``restart`` / ``restart_fixed`` (chapter 5): a supervisor written by hand
  kills its registered server and starts a new one at once; ``exit/2`` is a
  signal, so the old server may still hold the name when the new one
  registers (badarg).  OTP's supervisor waits for the old child's EXIT first.
"""
from __future__ import annotations

from .. import (
    ANY, BadArg, Exit, exit, receive, register, self, send, spawn, spawn_link,
    trap_exit, whereis,
)

# -- chapter 3: the causal-order assumption ------------------------------------


async def account():
    balance = 0
    while True:
        match await receive():
            case ("deposit", amount):
                balance += amount
            case ("deposit", amount, payer):
                balance += amount
                send(payer, "receipt")
            case ("balance", asker):
                send(asker, ("balance", balance))


async def auditor(acct, boss):
    await receive(("deposited", ANY))
    send(acct, ("balance", self()))
    _, balance = await receive(("balance", ANY))
    send(boss, ("audit", balance))


async def depositor(acct, aud):
    send(acct, ("deposit", 100))
    send(aud, ("deposited", 100))


async def depositor_fixed(acct, aud):
    send(acct, ("deposit", 100, self()))
    await receive("receipt")              # the account has the money now
    send(aud, ("deposited", 100))


async def bank():
    acct = spawn(account)
    aud = spawn(auditor, acct, self())
    spawn(depositor, acct, aud)
    _, balance = await receive(("audit", ANY))
    return balance


async def bank_fixed():
    acct = spawn(account)
    aud = spawn(auditor, acct, self())
    spawn(depositor_fixed, acct, aud)
    _, balance = await receive(("audit", ANY))
    return balance


# -- chapter 4: trap_exit after spawn_link ---------------------------------------


async def worker():
    exit("boom")


async def keeper():
    pid = spawn_link(worker)
    trap_exit(True)                       # too late if the worker is already gone
    m = await receive(Exit)
    return m.reason


async def keeper_fixed():
    trap_exit(True)                       # first, then the link
    pid = spawn_link(worker)
    m = await receive(Exit)
    return m.reason


# -- check-then-register ---------------------------------------------------------


async def claimer():
    if whereis("srv") is None:
        register("srv", self())           # may raise: someone took it meanwhile
    await receive(timeout=0)


async def claimer_fixed():
    try:
        register("srv", self())           # the check and the act are one operation
    except BadArg:
        pass
    await receive(timeout=0)


async def claim():
    spawn(claimer)
    spawn(claimer)
    return "ok"


async def claim_fixed():
    spawn(claimer_fixed)
    spawn(claimer_fixed)
    return "ok"


# -- chapter 5: the name race when a registered process restarts -------------------


async def server(boss):
    register("srv", self())               # a registered server names itself
    send(boss, "ready")
    while True:
        match await receive():
            case ("ping", who):
                send(who, "pong")


async def restart():
    """A supervisor written by hand restarts its registered server: kill, start again."""
    trap_exit(True)
    old = spawn_link(server, self())
    await receive("ready")
    exit(old, "kill")                     # a signal: it takes effect some time later
    spawn_link(server, self())            # may find the name still taken: badarg
    await receive("ready")
    send("srv", ("ping", self()))
    return await receive("pong")


async def restart_fixed():
    trap_exit(True)
    old = spawn_link(server, self())
    await receive("ready")
    exit(old, "kill")
    await receive(Exit(old, ANY))         # gone, so its name is free (as OTP's supervisor waits)
    spawn_link(server, self())
    await receive("ready")
    send("srv", ("ping", self()))
    return await receive("pong")


CHECKS = {
    "bank": lambda run: run.result == 100,
    "keeper": lambda run: run.result == "boom",
    "claim": None,
    "restart": lambda run: run.result == "pong",
}

PAIRS = {
    "bank": (bank, bank_fixed),
    "keeper": (keeper, keeper_fixed),
    "claim": (claim, claim_fixed),
    "restart": (restart, restart_fixed),
}
