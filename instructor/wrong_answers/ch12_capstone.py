"""Wrong answers for exercises/ch12-capstone.ipynb (see ch02_functional.py for the
format): each is the reference answer with one plausible mistake, written as a
replacement so that the mistake is easy to see. The ones marked ``public=False`` pass
the published month and fail a hidden one: a power cut of every server, a supervisor
killed two or three times in a few seconds, b the only server left, c the only server
restarted after a total outage (a server that waits for every replica never serves), the
web's links to the server a fast client uses slower than its timeout (the published month's
client has moved off a by the time a is slow, so only a hidden month shows that retries are
recorded twice), the servers cut from each other (the split month: a ledger read from one
copy misses what the other island recorded)."""
TABLES = '''
async def setup():
    await store.create_table("purchases", attributes=("order", "decision"),
                             disc_copies=list(SERVERS))


async def record(order_id, amount):
    async def once():
        old = await store.read("purchases", order_id)
        if old:
            return old[0][2]
        decision = decide(amount)
        await store.write(("purchases", order_id, decision))
        return decision
    got = await store.sync_transaction(once)
    if got[0] != "atomic":
        labrt.exit(("not_recorded", got[1]))
    return got[1]


async def ledger():
    await store.wait_for_tables(["purchases"], 5.0)

    async def everything():
        return await store.match_object(("purchases", "_", "_"))
    got = await store.transaction(everything)
    return [(r[1], r[2]) for r in got[1]] if got[0] == "atomic" else []
'''
SERVER = '''
async def service():
    register("purchase", self())

    async def handle(order_id, amount, pid):
        send(pid, ("decided", order_id, await record(order_id, amount)))
    while True:
        msg = await receive()
        if type(msg) is tuple and len(msg) == 4 and msg[0] == "buy":
            spawn(handle, msg[1], msg[2], msg[3])


async def start_service():
    return ("ok", spawn_link(service))


class Purchases:
    def init(self, arg):
        return ("ok", (SupFlags(strategy="one_for_one", intensity=5, period=10),
                       [ChildSpec("purchase", (start_service, ()))]))


async def server():
    await store.start()
    if "purchases" in store.system_info("tables"):
        await store.wait_for_tables(["purchases"], 10.0)
    await supervisor.start_link(Purchases, None, name="purchase_sup")
    await receive()
'''
CLIENT = '''
async def purchase(order_id, amount):
    state = shop_state()
    me, start = self(), now()
    first = state.get("good", 0)
    k = 0
    while now() - start < DEADLINE - 0.4:
        n = (first + k) % len(SERVERS)
        send(("purchase", SERVERS[n]), ("buy", order_id, amount, me))
        got = await receive(lambda m: type(m) is tuple and len(m) == 3 and m[0] == "decided"
                            and m[1] == order_id, timeout=0.3)
        if got is not TIMEOUT:
            state["good"] = n
            return got[2]
        k += 1
    return None
'''


def _w(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


#: Task 1's tables without idempotency: every request a record of its own.
FRESH_KEY = (_w(_w(TABLES, 'attributes=("order", "decision")', 'attributes=("key", "order", "decision")'),
                 '''        old = await store.read("purchases", order_id)
        if old:
            return old[0][2]
        decision = decide(amount)
        await store.write(("purchases", order_id, decision))''',
                 '''        decision = decide(amount)
        await store.write(("purchases", (labrt.node(), now(), order_id), order_id, decision))''')
         .replace('("purchases", "_", "_")', '("purchases", "_", "_", "_")')
         .replace("[(r[1], r[2]) for r", "[(r[2], r[3]) for r"))

AVAILABILITY = "availability of at least 99.99 %"

#: ledger() reads a@dc1's copy on every server, as if every copy held every purchase:
#: true while the servers see each other (a crash: the restarted node loads from the
#: others), false after a split, when each island's copies hold only its own.
ONE_COPY = _w(TABLES, '''async def ledger():
    await store.wait_for_tables(["purchases"], 5.0)

    async def everything():
        return await store.match_object(("purchases", "_", "_"))
    got = await store.transaction(everything)
    return [(r[1], r[2]) for r in got[1]] if got[0] == "atomic" else []''', '''async def ledger():
    async def copy():
        await store.wait_for_tables(["purchases"], 5.0)

        async def everything():
            return await store.match_object(("purchases", "_", "_"))
        got = await store.transaction(everything)
        return [(r[1], r[2]) for r in got[1]] if got[0] == "atomic" else []
    got = await labrt.dist.rpc.call("a@dc1", copy, timeout=5.0)
    return got if isinstance(got, list) else []''')

WRONG = [
    # ---- Task 1: the ledger ---------------------------------------------------------
    dict(task="capstone_tables", label="every attempt is a new record (keyed by a fresh id)",
         says="duplicated purchases",
         code=FRESH_KEY),
    dict(task="capstone_tables", label="copies on site 1 only, in RAM (a power cut of dc1 loses them)",
         says="lost purchases",
         code=_w(TABLES, "disc_copies=list(SERVERS)", 'ram_copies=["a@dc1", "b@dc1"]')),
    dict(task="capstone_tables", label="ram_copies on all three servers",
         says="lost purchases", public=False, caught_by="hidden month 1",
         code=_w(TABLES, "disc_copies=list(SERVERS)", "ram_copies=list(SERVERS)")),
    dict(task="capstone_tables", label="acknowledged before the log is on disk (transaction, not sync_transaction)",
         says="lost purchases", public=False, caught_by="hidden month 1",
         code=_w(TABLES, "await store.sync_transaction(once)", "await store.transaction(once)")),
    dict(task="capstone_tables", label="dirty_read and dirty_write instead of a synced transaction",
         says="lost purchases", public=False, caught_by="hidden month 1",
         code=_w(TABLES, '''    got = await store.sync_transaction(once)
    if got[0] != "atomic":
        labrt.exit(("not_recorded", got[1]))
    return got[1]''', '''    old = await store.dirty_read("purchases", order_id)
    if old:
        return old[0][2]
    decision = decide(amount)
    await store.dirty_write(("purchases", order_id, decision))
    return decision''')),
    dict(task="capstone_tables", label="ledger() reads a's copy everywhere (every copy is assumed to hold every purchase)",
         says="lost purchases", public=False, caught_by="the split month", code=ONE_COPY),
    dict(task="capstone_tables", label="the decision is answered even when the write aborted",
         says="lost purchases",
         code=_w(_w(TABLES, "disc_copies=list(SERVERS)", 'disc_copies=["c@dc2"]'),
                 '''    if got[0] != "atomic":
        labrt.exit(("not_recorded", got[1]))
    return got[1]''', '''    return got[1] if got[0] == "atomic" else decide(amount)''')),

    # ---- Task 2: supervised servers ---------------------------------------------------
    dict(task="capstone_server", label="the service is not supervised (spawned by the boot process)",
         says=AVAILABILITY,
         code=_w(SERVER, '    await supervisor.start_link(Purchases, None, name="purchase_sup")\n',
                 "    spawn(service)\n")),
    dict(task="capstone_server", label="the supervisor allows no restart (intensity 0)",
         says=AVAILABILITY, code=_w(SERVER, "intensity=5", "intensity=0")),
    dict(task="capstone_server", label="only a@dc1 runs the service",
         says=AVAILABILITY,
         code=_w(SERVER, '    await supervisor.start_link(Purchases, None, name="purchase_sup")\n',
                 '    if labrt.node() == "a@dc1":\n'
                 '        await supervisor.start_link(Purchases, None, name="purchase_sup")\n')),
    dict(task="capstone_server", label="the supervisor allows one restart in 10 s",
         says=AVAILABILITY, public=False, caught_by="hidden month 1",
         code=_w(SERVER, "intensity=5", "intensity=1")),

    dict(task="capstone_server", label="the supervisor allows two restarts in 10 s",
         says=AVAILABILITY, public=False, caught_by="the peak day",
         code=_w(SERVER, "intensity=5", "intensity=2")),
    dict(task="capstone_server", label="the server serves only once every replica is running (a lone survivor waits)",
         says=AVAILABILITY, public=False, caught_by="the peak day",
         code=_w(SERVER, '''    await store.start()
''', '''    await store.start()
    while len(store.system_info("running_db_nodes")) < len(SERVERS):
        await receive(timeout=1.0)
''')),

    # ---- Task 3: the whole system ------------------------------------------------------
    dict(task="capstone", label="no fail-over: the client only ever asks a",
         says=AVAILABILITY, code=_w(CLIENT, "n = (first + k) % len(SERVERS)", "n = 0")),
    dict(task="capstone", label="the client waits 2.5 s for a server before trying the next",
         says="p99 decision latency",
         code=_w(_w(CLIENT, "timeout=0.3)", "timeout=2.5)"),
                 "while now() - start < DEADLINE - 0.4:", "while now() - start < 2 * DEADLINE:")),
    dict(task="capstone", label="every retry is sent as a new order id",
         says="lost purchases",
         code=_w(CLIENT, '("buy", order_id, amount, me)', '("buy", order_id * 10 + k, amount, me)')
         .replace("and m[1] == order_id", "and m[1] // 10 == order_id")),
    dict(task="capstone", label="ledger() reads a's copy everywhere (the servers are assumed to see each other)",
         says="lost purchases", public=False, caught_by="the split month", code=ONE_COPY),
    dict(task="capstone", label="record is not idempotent (a fresh record for every request)",
         says="duplicated purchases", public=False, caught_by="hidden month 1", code=FRESH_KEY),
    dict(task="capstone", label="tables only on site 1 (disc_copies on a and b)",
         says=AVAILABILITY,
         code=_w(TABLES, "disc_copies=list(SERVERS)", 'disc_copies=["a@dc1", "b@dc1"]')),
    dict(task="capstone", label="the client fails over from a to b, never to c",
         says=AVAILABILITY,
         code=_w(CLIENT, "n = (first + k) % len(SERVERS)", "n = (first + k) % 2")),
    dict(task="capstone", label="the client asks a, then c, never b",
         says="recovery within", public=False, caught_by="hidden month 2",
         code=_w(CLIENT, "n = (first + k) % len(SERVERS)", "n = (0, 2)[(first + k) % 2]")
         .replace('state["good"] = n', 'state["good"] = 0 if n == 0 else 1')),
    dict(task="capstone", label="tuned to the published month: routes around its incidents by the clock",
         says="recovery within", public=False, caught_by="hidden month 2",
         code='''
async def purchase(order_id, amount):
    t = now()
    elsewhere = 64 <= t < 670 or 764 <= t < 890 or 984 <= t < 1300
    send(("purchase", "c@dc2" if elsewhere else "a@dc1"), ("buy", order_id, amount, self()))
    got = await receive(lambda m: type(m) is tuple and len(m) == 3 and m[0] == "decided"
                        and m[1] == order_id, timeout=DEADLINE)
    return None if got is TIMEOUT else got[2]
'''),
]
