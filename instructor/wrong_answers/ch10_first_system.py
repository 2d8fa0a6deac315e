"""Wrong answers for exercises/ch10-first-system.ipynb (see ch02_functional.py for the
format): each is the reference answer with one plausible mistake, written as a replacement
so that the mistake is easy to see."""
FAILOVER = '''
async def failover_node(master, slave):
    me = node()
    peer = slave if me == master else master
    register("purchase", self())
    active = me == master
    if active:
        send(("shop", SHOP), ("master", me))
        send(("purchase", peer), ("back", me))
    else:
        monitor_node(peer, True)
    while True:
        msg = await receive()
        match msg:
            case ("buy", i, amount, shop):
                send(shop, ("decided", i, decide(amount), me))
            case ("nodedown", n) if n == peer and me == slave:
                active = True
                send(("shop", SHOP), ("master", me))
            case ("back", n) if n == peer:
                active = False
                monitor_node(peer, True)
            case ("ledger", pid):
                send(pid, ("ledger", me, {}))
'''
SYNC = '''
async def syncing_node(master, slave):
    me = node()
    peer = slave if me == master else master
    register("purchase", self())
    ledger = {}
    peer_up = False
    active = me == master
    if active:
        send(("shop", SHOP), ("master", me))
    monitor_node(peer, True)
    send(("purchase", peer), ("hello", me, dict(ledger)))

    def met(book):
        nonlocal peer_up, active
        ledger.update({i: d for i, d in book.items() if i not in ledger})
        if not peer_up:
            monitor_node(peer, True)
        peer_up = True
        if me == master:
            active = True
            send(("shop", SHOP), ("master", me))
        else:
            active = False

    while True:
        msg = await receive(timeout=1.0)
        match msg:
            case _ if msg is TIMEOUT and not peer_up:   # probe: contact after a partition
                send(("purchase", peer), ("hello", me, dict(ledger)))
            case ("buy", i, amount, shop):
                if i not in ledger:
                    ledger[i] = decide(amount)
                    send(("purchase", peer), ("copy", i, ledger[i]))
                send(shop, ("decided", i, ledger[i], me))
            case ("copy", i, d):
                ledger.setdefault(i, d)
            case ("hello", n, book) if n == peer:
                send(("purchase", peer), ("welcome", me, dict(ledger)))
                met(book)
            case ("welcome", n, book) if n == peer:
                met(book)
            case ("nodedown", n) if n == peer and peer_up:
                peer_up = False
                if me == slave:
                    active = True
                    send(("shop", SHOP), ("master", me))
            case ("ledger", pid):
                send(pid, ("ledger", me, dict(ledger)))
'''
CAREFUL = '''
async def careful_node(master, slave):
    me = node()
    peer = slave if me == master else master
    register("purchase", self())
    disk = node_disk()
    ledger = dict(disk.get("ledger", {}))
    peer_up = False
    active = me == master
    if active:
        send(("shop", SHOP), ("master", me))
    monitor_node(peer, True)
    send(("purchase", peer), ("hello", me, dict(ledger)))

    def met(book):
        nonlocal peer_up, active
        ledger.update({i: d for i, d in book.items() if i not in ledger})
        disk["ledger"] = dict(ledger)
        if not peer_up:
            monitor_node(peer, True)
        peer_up = True
        if me == master:
            active = True
            send(("shop", SHOP), ("master", me))
        else:
            active = False

    while True:
        msg = await receive(timeout=1.0)
        match msg:
            case _ if msg is TIMEOUT and not peer_up:   # probe: contact after a partition
                send(("purchase", peer), ("hello", me, dict(ledger)))
            case ("buy", i, amount, shop):
                if i not in ledger:
                    ledger[i] = decide(amount)
                    disk["ledger"] = dict(ledger)      # on disk before the answer
                    send(("purchase", peer), ("copy", i, ledger[i]))
                send(shop, ("decided", i, ledger[i], me))
            case ("copy", i, d):
                ledger.setdefault(i, d)
                disk["ledger"] = dict(ledger)
            case ("hello", n, book) if n == peer:
                send(("purchase", peer), ("welcome", me, dict(ledger)))
                met(book)
            case ("welcome", n, book) if n == peer:
                met(book)
            case ("nodedown", n) if n == peer and peer_up:
                peer_up = False
                if me == slave:
                    active = True
                    send(("shop", SHOP), ("master", me))
            case ("ledger", pid):
                send(pid, ("ledger", me, dict(ledger)))
'''


def _w(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def _each(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new)


WRONG = [
    # ---- Task 1: fail-over -------------------------------------------------------
    dict(task="failover", label="the slave never watches the master",
         says="are decided by slave",
         code=_each(FAILOVER, "monitor_node(peer, True)", "pass")),
    dict(task="failover", label="the slave takes over without telling the shop",
         says="are decided by slave",
         code=_w(FAILOVER, "                active = True\n                send((\"shop\", SHOP), (\"master\", me))\n",
                 "                active = True\n")),
    dict(task="failover", label="the slave announces the master's name",
         says="are decided by slave",
         code=_w(FAILOVER, "                active = True\n                send((\"shop\", SHOP), (\"master\", me))\n",
                 "                active = True\n                send((\"shop\", SHOP), (\"master\", master))\n")),
    dict(task="failover", label="the master announces itself only at its first start",
         says="are decided by master",
         code=_w(FAILOVER, "        send((\"shop\", SHOP), (\"master\", me))\n        send((\"purchase\", peer)",
                 "        if now() == 0:\n            send((\"shop\", SHOP), (\"master\", me))\n"
                 "        send((\"purchase\", peer)")),
    dict(task="failover", label="the slave accepts everything while it is master (no risk check)",
         says="is decided 'reject'",
         code=_w(FAILOVER, "send(shop, (\"decided\", i, decide(amount), me))",
                 "send(shop, (\"decided\", i, decide(amount) if me == master else \"accept\", me))")),
    dict(task="failover", label="monitor_node is not armed again after the master returns",
         says="are decided by slave", public=False, caught_by="crashes twice",
         code=_w(FAILOVER, "                active = False\n                monitor_node(peer, True)\n",
                 "                active = False\n")),
    dict(task="failover", label="the slave takes over at 10 s (tuned to the visible schedule)",
         says="are decided by slave", public=False, caught_by="crashes twice",
         code=_w(_each(FAILOVER, "monitor_node(peer, True)", "pass"),
                 "    while True:\n        msg = await receive()\n",
                 "    took_over = False\n"
                 "    while True:\n"
                 "        msg = await receive(timeout=0.25)\n"
                 "        if msg is TIMEOUT:\n"
                 "            if me == slave and not took_over and now() >= 10.0:\n"
                 "                took_over = True\n"
                 "                msg = (\"nodedown\", peer)\n"
                 "            else:\n"
                 "                continue\n")),

    dict(task="failover", label="the slave's own risk rule rejects a purchase of exactly the limit",
         says="is decided 'accept'", public=False, caught_by="seed 5",
         code=_w(FAILOVER, "send(shop, (\"decided\", i, decide(amount), me))",
                 "send(shop, (\"decided\", i, decide(amount) if me == master else "
                 "(\"accept\" if amount < LIMIT else \"reject\"), me))")),

    # ---- Task 2: sync on contact -------------------------------------------------
    dict(task="sync_on_contact", label="decided purchases are not copied to the other node",
         says="lost purchases",
         code=_w(SYNC, "                    send((\"purchase\", peer), (\"copy\", i, ledger[i]))\n", "")),
    dict(task="sync_on_contact", label="no probe: nothing reconnects after the partition",
         says="are decided by master",
         code=_w(SYNC, "                send((\"purchase\", peer), (\"hello\", me, dict(ledger)))\n            case (\"buy\"",
                 "                pass\n            case (\"buy\"")),
    dict(task="sync_on_contact", label="on contact a node takes the other's ledger instead of merging",
         says="lost purchases",
         code=_w(SYNC, "        ledger.update({i: d for i, d in book.items() if i not in ledger})\n",
                 "        ledger.clear()\n        ledger.update(book)\n")),
    dict(task="sync_on_contact", label="the master does not announce itself again after contact",
         says="are decided by master",
         code=_w(SYNC, "        if me == master:\n            active = True\n            send((\"shop\", SHOP), (\"master\", me))\n        else:",
                 "        if me == master:\n            active = True\n        else:")),
    dict(task="sync_on_contact", label="monitor_node is armed only once, at boot",
         says="are decided by slave", public=False, caught_by="two partitions",
         code=_w(SYNC, "        if not peer_up:\n            monitor_node(peer, True)\n", "")),
    dict(task="sync_on_contact", label="the probe runs only from 16 s on (tuned to the visible heal)",
         says="are decided by master", public=False, caught_by="5 s to 12 s",
         code=_w(SYNC, "case _ if msg is TIMEOUT and not peer_up:",
                 "case _ if msg is TIMEOUT and not peer_up and now() >= 16.0:")),

    dict(task="sync_on_contact", label="accepts only below the limit (amount < LIMIT)",
         says="is decided 'accept'", public=False, caught_by="seed 33",
         code=_w(SYNC, "ledger[i] = decide(amount)",
                 "ledger[i] = \"accept\" if amount < LIMIT else \"reject\"")),

    # ---- Task 3: the restart window ---------------------------------------------
    dict(task="restart_window", label="the ledger lives in RAM only (task 2's answer)",
         says="lost purchases", code=SYNC.replace("syncing_node", "careful_node")),
    dict(task="restart_window", label="the disk is written but never read at boot",
         says="lost purchases",
         code=_w(CAREFUL, "ledger = dict(disk.get(\"ledger\", {}))", "ledger = {}")),
    dict(task="restart_window", label="only copies are written to disk, not the node's own decisions",
         says="lost purchases",
         code=_w(CAREFUL, "                    disk[\"ledger\"] = dict(ledger)      # on disk before the answer\n", "")),
    dict(task="restart_window", label="on contact the disk ledger is replaced by the peer's",
         says="lost purchases",
         code=_w(CAREFUL, "        ledger.update({i: d for i, d in book.items() if i not in ledger})\n",
                 "        ledger.clear()\n        ledger.update(book)\n")),
    dict(task="restart_window", label="no probe: a node meets its peer only when one of them boots",
         says="lost purchases", public=False, caught_by="partition from 6 s",
         code=_w(CAREFUL, "                send((\"purchase\", peer), (\"hello\", me, dict(ledger)))\n            case (\"buy\"",
                 "                pass\n            case (\"buy\"")),
    dict(task="restart_window", label="accepts only below the limit (amount < LIMIT)",
         says="is decided 'accept'", public=False, caught_by="seed 5",
         code=_w(CAREFUL, "ledger[i] = decide(amount)",
                 "ledger[i] = \"accept\" if amount < LIMIT else \"reject\"")),
    dict(task="restart_window",
         label="writes the disk only while the peer is away (the copy is the backup)",
         says="lost purchases", public=False, caught_by="power cut",
         code=_w(_w(CAREFUL,
                    "                    disk[\"ledger\"] = dict(ledger)      # on disk before the answer\n",
                    "                    if not peer_up:                   # alone: no copy\n"
                    "                        disk[\"ledger\"] = dict(ledger)\n"),
                 "                ledger.setdefault(i, d)\n                disk[\"ledger\"] = dict(ledger)\n",
                 "                ledger.setdefault(i, d)\n")),
    dict(task="restart_window", label="the restarted master waits for the slave's ledger before serving",
         says="failed purchases",
         code=_w(CAREFUL, "    send((\"purchase\", peer), (\"hello\", me, dict(ledger)))\n\n",
                 "    send((\"purchase\", peer), (\"hello\", me, dict(ledger)))\n"
                 "    if me == master and ledger:     # restarted: first get what the slave took\n"
                 "        await receive(lambda m: isinstance(m, tuple) and m[0] == \"welcome\")\n\n")),
]
