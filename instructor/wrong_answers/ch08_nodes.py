"""Wrong answers for exercises/ch08-nodes.ipynb (see ch02_functional.py for the format):
each is the reference answer with one plausible mistake, written as a replacement so that
the mistake is easy to see. Those marked ``public=False`` pass the public checks and are
caught only by a hidden run (a partition, other node names, a dump, two tables, a lost
machine the public run does not lose)."""

WRONG = [
    # Task 1: failover_client
    dict(task="failover_client", label="never fails over: the master's error is the answer",
         says="answered by the slave while the master is down",
         code='''
async def ask_price(client, item):
    try:
        _, _, amount, who = await gen_server.call(("price", client["nodes"][0]), ("price", item))
    except ProcessExit:
        return ("error", "nodedown")
    return ("ok", amount, who)
'''),
    dict(task="failover_client", label="does not catch the call's exit",
         says="ask_price returns for every request",
         code='''
async def ask_price(client, item):
    _, _, amount, who = await gen_server.call(("price", client["nodes"][0]), ("price", item))
    return ("ok", amount, who)
'''),
    dict(task="failover_client", label="stays on the slave after failing over",
         says="answered by the master while the master is up",
         code='''
async def ask_price(client, item):
    while True:
        n = client["nodes"][0]
        try:
            _, _, amount, who = await gen_server.call(("price", n), ("price", item))
            return ("ok", amount, who)
        except ProcessExit:
            if n == client["nodes"][-1]:
                return ("error", "nodedown")
            client["nodes"] = client["nodes"][1:]
'''),
    dict(task="failover_client", label="asks the slave first",
         says="answered by the master while the master is up",
         code='''
def new_client(master, slave):
    return {"nodes": [slave, master]}
'''),
    dict(task="failover_client", label="returns the service's reply as it is",
         says="returns ('ok', price, node) or ('error', 'nodedown')",
         code='''
async def ask_price(client, item):
    for n in client["nodes"]:
        try:
            return await gen_server.call(("price", n), ("price", item))
        except ProcessExit:
            continue
    return ("error", "nodedown")
'''),
    dict(task="failover_client", label="rpc.call, but only a crash reason counts as down",
         says="answered by the slave while the master is down",
         code='''
async def ask_price(client, item):
    for n in client["nodes"]:
        got = await rpc.call(n, gen_server.call, "price", ("price", item))
        if got == ("badrpc", ("EXIT", "noproc")):
            continue
        if got[0] == "badrpc":
            return ("error", "nodedown")
        return ("ok", got[2], got[3])
    return ("error", "nodedown")
'''),
    dict(task="failover_client", label="a 1 s timeout on the call, and only nodedown handled",
         says="ask_price returns for every request", public=False, caught_by="cut off",
         code='''
async def ask_price(client, item):
    for n in client["nodes"]:
        try:
            _, _, amount, who = await gen_server.call(("price", n), ("price", item), 1.0)
        except ProcessExit as e:
            if e.reason[0][0] != "nodedown":
                raise
            continue
        return ("ok", amount, who)
    return ("error", "nodedown")
'''),
    dict(task="failover_client", label="the node names of the public run, hard-coded",
         says="answered by the master while the master is up", public=False,
         caught_by="other node names",
         code='''
def new_client(master, slave):
    return {"nodes": ["master@site2", "slave@site2"]}
'''),
    dict(task="failover_client", label="waits for some node to answer when both are down",
         says="every request returns within", public=False, caught_by="both nodes down",
         code='''
async def ask_price(client, item):
    while True:
        for n in client["nodes"]:
            try:
                _, _, amount, who = await gen_server.call(("price", n), ("price", item))
            except ProcessExit:
                continue
            return ("ok", amount, who)
        await labrt.sleep(0.5)
'''),
    # Task 2: rebuild_from_disk
    dict(task="rebuild_from_disk", label="replays the whole log, unsynced entries too",
         says="rebuild gives the",
         code='''
def rebuild(disk, table):
    return sorted(_replay(disk, table, None).values())
'''),
    dict(task="rebuild_from_disk", label="reads only the table file, not the log",
         says="rebuild gives the",
         code='''
def rebuild(disk, table):
    return sorted(disk.read(table + ".DCD"))
'''),
    dict(task="rebuild_from_disk", label="rebuild returns a dict of key -> record",
         says="rebuild returns a list of records",
         code='''
def rebuild(disk, table):
    return _replay(disk, table, _synced(disk))
'''),
    dict(task="rebuild_from_disk", label="nothing is ever at risk",
         says="at_risk names the keys",
         code='''
def at_risk(disk, table):
    return []
'''),
    dict(task="rebuild_from_disk", label="every key in the log is at risk",
         says="at_risk names the keys",
         code='''
def at_risk(disk, table):
    keys = set()
    for entry in disk.read("LATEST.LOG"):
        for tab, (kind, arg) in entry[2]:
            keys.add(arg if kind == "delete" else arg[1])
    return sorted(keys)
'''),
    dict(task="rebuild_from_disk", label="ignores the table file (the log alone)",
         says="rebuild gives the", public=False, caught_by="dump_log",
         code='''
def _replay(disk, table, upto):
    data = {}
    for entry in disk.read("LATEST.LOG")[:upto]:
        for tab, (kind, arg) in entry[2]:
            if tab != table:
                continue
            if kind == "write":
                data[arg[1]] = arg
            elif kind == "delete":
                data.pop(arg, None)
            elif kind == "delete_object" and data.get(arg[1]) == arg:
                del data[arg[1]]
    return data
'''),
    dict(task="rebuild_from_disk", label="applies every table's operations",
         says="rebuild gives the", public=False, caught_by="two tables",
         code='''
def _replay(disk, table, upto):
    data = {}
    for rec in disk.read(table + ".DCD"):
        data[rec[1]] = rec
    for entry in disk.read("LATEST.LOG")[:upto]:
        for tab, (kind, arg) in entry[2]:
            if kind == "write":
                data[arg[1]] = arg
            elif kind == "delete":
                data.pop(arg, None)
            elif kind == "delete_object" and data.get(arg[1]) == arg:
                del data[arg[1]]
    return data
'''),
    dict(task="rebuild_from_disk", label="knows write and delete, not delete_object",
         says="rebuild gives the", public=False, caught_by="delete_object",
         code='''
def _replay(disk, table, upto):
    data = {}
    for rec in disk.read(table + ".DCD"):
        data[rec[1]] = rec
    for entry in disk.read("LATEST.LOG")[:upto]:
        for tab, (kind, arg) in entry[2]:
            if tab != table:
                continue
            if kind == "write":
                data[arg[1]] = arg
            elif kind == "delete":
                data.pop(arg, None)
    return data
'''),
    dict(task="rebuild_from_disk", label="at risk: every key an unsynced entry touches",
         says="at_risk names the keys",
         code='''
def at_risk(disk, table):
    keys = set()
    for entry in disk.read("LATEST.LOG")[_synced(disk):]:
        for tab, (kind, arg) in entry[2]:
            if tab == table:
                keys.add(arg if kind == "delete" else arg[1])
    return sorted(keys)
'''),
    dict(task="rebuild_from_disk", label="the synced prefix as entries[:-unsynced]",
         says="rebuild gives the", public=False, caught_by="every commit synced",
         code='''
def rebuild(disk, table):
    log = disk.read("LATEST.LOG")
    data = {rec[1]: rec for rec in disk.read(table + ".DCD")}
    for entry in log[:-disk.unsynced("LATEST.LOG")]:
        for tab, (kind, arg) in entry[2]:
            if tab != table:
                continue
            if kind == "write":
                data[arg[1]] = arg
            elif kind == "delete":
                data.pop(arg, None)
            elif kind == "delete_object" and data.get(arg[1]) == arg:
                del data[arg[1]]
    return sorted(data.values())
'''),
    # Task 3: backup_restore
    dict(task="backup_restore", label="the backup only on the node that takes it",
         says="repair returns the restore's ('atomic', tables)",
         code='''
async def take_backup(name, nodes):
    return await store.backup(name)
'''),
    dict(task="backup_restore", label="repair does not restore anything",
         says="every purchase made before the backup is back",
         code='''
async def repair(name, nodes):
    return ("atomic", [])
'''),
    dict(task="backup_restore", label="backs up the orders table only",
         says="the stock matches the orders",
         code='''
async def take_backup(name, nodes):
    for n in nodes:
        await rpc.call(n, store.backup, name, ["orders"])
'''),
    dict(task="backup_restore", label="repair returns the first node's answer, whatever it is",
         says="repair returns the restore's ('atomic', tables)",
         code='''
async def repair(name, nodes):
    return await rpc.call(nodes[0], store.restore, name)
'''),
    dict(task="backup_restore", label="restores from the repairing node's own disk",
         says="repair returns the restore's ('atomic', tables)", public=False,
         caught_by="down during the backup",
         code='''
async def repair(name, nodes):
    return await store.restore(name)
'''),
    dict(task="backup_restore", label="asserts that every node took the backup",
         says="take_backup returns", public=False, caught_by="down during the backup",
         code='''
async def take_backup(name, nodes):
    for n in nodes:
        got = await rpc.call(n, store.backup, name)
        assert got == "ok", (n, got)
    return list(nodes)
'''),
    dict(task="backup_restore", label="the tables of the public run, hard-coded",
         says="the customers' totals match the orders", public=False,
         caught_by="customers table",
         code='''
async def take_backup(name, nodes):
    copies = []
    for n in nodes:
        if await rpc.call(n, store.backup, name, ["orders", "stock"]) == "ok":
            copies.append(n)
    return copies
'''),
    dict(task="backup_restore", label="copies on the first two nodes only",
         says="repair returns the restore's ('atomic', tables)", public=False,
         caught_by="both lost",
         code='''
async def take_backup(name, nodes):
    copies = []
    for n in nodes[:2]:
        if await rpc.call(n, store.backup, name) == "ok":
            copies.append(n)
    return copies
'''),
]
