"""Wrong answers for exercises/ch09-cap.ipynb (see ch02_functional.py for the format):
each is the reference answer with one plausible mistake, written as a replacement so that
the mistake is easy to see. Those marked ``public=False`` pass the public checks and are
caught only by a hidden run (another site layout, seed or write rate)."""

WRONG = [
    # Task 1: table_modes
    dict(task="table_modes", label="every table in majority mode",
         says="answers on both sides",
         code='''
def choose_majority(req):
    return True
'''),
    dict(task="table_modes", label="every table in default mode",
         says="stays linearizable",
         code='''
def choose_majority(req):
    return False
'''),
    dict(task="table_modes", label="the modes swapped",
         says="answers on both sides",
         code='''
def choose_majority(req):
    return req["lose_writes_ok"]
'''),
    dict(task="table_modes", label="returns the mode's name, not a bool",
         says="returns True or False",
         code='''
def choose_majority(req):
    return "majority" if not req["lose_writes_ok"] else "default"
'''),
    dict(task="table_modes", label="decides by availability instead of by lost writes",
         says="stays linearizable", public=False, caught_by="audit log",
         code='''
def choose_majority(req):
    return not req["answer_everywhere"]
'''),
    dict(task="table_modes", label="decides by the table's name",
         says="stays linearizable", public=False, caught_by="credit limits",
         code='''
def choose_majority(req):
    return req["name"] in ("balance", "accounts", "money")
'''),
    dict(task="table_modes", label="majority only when both requirements allow it "
         "(availability wins a conflict)",
         says="stays linearizable", public=False, caught_by="audit log",
         code='''
def choose_majority(req):
    return not req["lose_writes_ok"] and not req["answer_everywhere"]
'''),
    # Task 2: linear_register
    dict(task="linear_register", label="reads the local replica with dirty_read",
         says="is linearizable",
         code='''
async def reg_read():
    got = await store.dirty_read("acct", "x")
    return ("ok", got[0][2] if got else 0)
'''),
    dict(task="linear_register", label="the table in default mode",
         says="is linearizable",
         code='''
async def make_register(nodes):
    got = await store.create_table("acct", disc_copies=nodes)
    await store.transaction(lambda: store.write(("acct", "x", 0)))
    return got
'''),
    dict(task="linear_register", label="writes with dirty_write",
         says="never came back",
         code='''
async def reg_write(value):
    await store.dirty_write(("acct", "x", value))
    return "ok"
'''),
    dict(task="linear_register", label="acknowledges a refused write",
         says="is linearizable", public=False, caught_by="five nodes",
         code='''
async def reg_write(value):
    await store.transaction(lambda: store.write(("acct", "x", value)))
    return "ok"
'''),
    dict(task="linear_register", label="retries a refused read until it is answered",
         says="never came back",
         code='''
async def reg_read():
    while True:
        got = await store.transaction(lambda: store.read("acct", "x"))
        if got[0] == "atomic":
            return ("ok", got[1][0][2] if got[1] else 0)
        await labrt.sleep(0.5)
'''),
    dict(task="linear_register", label="copies only on the first three nodes",
         says="majority side answers", public=False, caught_by="five nodes",
         code='''
async def make_register(nodes):
    got = await store.create_table("acct", disc_copies=nodes[:3], majority=True)
    await store.transaction(lambda: store.write(("acct", "x", 0)))
    return got
'''),
    dict(task="linear_register", label="reads locally except on the node the public run cuts off",
         says="is linearizable", public=False, caught_by="five nodes",
         code='''
async def reg_read():
    if node() != "a@site1":
        got = await store.dirty_read("acct", "x")
        return ("ok", got[0][2] if got else 0)
    got = await store.transaction(lambda: store.read("acct", "x"))
    if got[0] != "atomic":
        return ("refused", got[1])
    return ("ok", got[1][0][2] if got[1] else 0)
'''),
    # Task 3: split_report
    dict(task="split_report", label="reports mnesia_down as a split",
         says="one report per inconsistent_database",
         code='''
async def watch(operator):
    await store.subscribe("system")
    while True:
        msg = await receive()
        match msg:
            case ("mnesia_system_event", (what, *rest)):
                send(operator, ("split", node(), rest[-1]))
'''),
    dict(task="split_report", label="stops listening after the first report",
         says="not reported",
         code='''
async def watch(operator):
    await store.subscribe("system")
    while True:
        msg = await receive()
        match msg:
            case ("mnesia_system_event", ("inconsistent_database", _why, other)):
                send(operator, ("split", node(), other))
                return
'''),
    dict(task="split_report", label="watches only the first node",
         says="not reported",
         code='''
async def watch(operator):
    if node() != "a@site1":
        return
    await store.subscribe("system")
    while True:
        msg = await receive()
        match msg:
            case ("mnesia_system_event", ("inconsistent_database", _why, other)):
                send(operator, ("split", node(), other))
'''),
    dict(task="split_report", label="the bigger side always survives",
         says="the surviving side is", public=False, caught_by="four times",
         code='''
def survivor(sides):
    best = max(sides.values(), key=lambda s: len(s["nodes"]))
    return sorted(best["nodes"])
'''),
    dict(task="split_report", label="the side with fewer writes survives",
         says="the surviving side is",
         code='''
def survivor(sides):
    best = min(sides.values(), key=lambda s: (s["writes"], min(s["nodes"])))
    return sorted(best["nodes"])
'''),
    dict(task="split_report", label="a tie goes to the first node in order, not to the bigger side",
         says="the surviving side is", public=False, caught_by="equal writes",
         code='''
def survivor(sides):
    best = min(sides.values(), key=lambda s: (-s["writes"], min(s["nodes"])))
    return sorted(best["nodes"])
'''),
    dict(task="split_report", label="on a tie the side with fewer nodes survives "
         "(fewer nodes to restart)",
         says="the surviving side is", public=False, caught_by="equal writes",
         code='''
def survivor(sides):
    best = min(sides.values(),
               key=lambda s: (-s["writes"], len(s["nodes"]), min(s["nodes"])))
    return sorted(best["nodes"])
'''),
]
