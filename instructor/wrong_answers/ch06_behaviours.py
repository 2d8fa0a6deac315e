"""Wrong answers for exercises/ch06-behaviours.ipynb (see ch02_functional.py for the format)."""
KV = '''
class Kv(GenServer):
    def init(self, initial):
        return ("ok", {"data": dict(initial), "calls": 0})

    def handle_call(self, request, from_, state):
        data = state["data"]
        state = {**state, "calls": state["calls"] + 1}
        match request:
            case ("put", key, value):
                return ("reply", "ok", {**state, "data": {**data, key: value}})
            case ("get", key) if key in data:
                return ("reply", ("ok", data[key]), state)
            case ("get", _):
                return ("reply", ("error", "not_found"), state)
            case ("delete", key):
                rest = {k: v for k, v in data.items() if k != key}
                return ("reply", "ok", {**state, "data": rest})

    def handle_cast(self, message, state):
        match message:
            case ("stats", client):
                send(client, ("stats", {"keys": len(state["data"]), "calls": state["calls"]}))
        return ("noreply", state)
'''
FETCH = '''
async def fetch(key, servers, timeout):
    for server in servers:
        try:
            return await gen_server.call(server, ("get", key), timeout)
        except ProcessExit:
            continue
    return ("error", "unavailable")
'''
LEDGER = '''
class Ledger(GenServer):
    def init(self, disk):
        trap_exit(True)
        return ("ok", (disk, []), IDLE)

    def handle_call(self, request, from_, state):
        disk, buffer = state
        match request:
            case ("write", entry):
                buffer = buffer + [entry]
                if len(buffer) == BATCH:
                    buffer = self.flush(disk, buffer)
                return ("reply", "ok", (disk, buffer), IDLE)

    def handle_info(self, message, state):
        disk, buffer = state
        if message == "timeout":
            return ("noreply", (disk, self.flush(disk, buffer)))
        return ("noreply", state, IDLE)

    def terminate(self, reason, state):
        disk, buffer = state
        self.flush(disk, buffer)

    def flush(self, disk, buffer):
        if buffer:
            send(disk, ("flush", buffer))
        return []
'''

WRONG = [
    dict(task="kv", label="delete forgets to reply", says="no reply",
         code=KV.replace('''                return ("reply", "ok", {**state, "data": rest})''',
                         '''                return ("noreply", {**state, "data": rest})''')),
    dict(task="kv", label="the stats cast replaces the state with the stats", says="whole state",
         code=KV.replace('''                send(client, ("stats", {"keys": len(state["data"]), "calls": state["calls"]}))
        return ("noreply", state)''', '''                stats = {"keys": len(state["data"]), "calls": state["calls"]}
                send(client, ("stats", stats))
                return ("noreply", stats)''')),
    dict(task="kv", label="the stats cast forgets the data", says="whole state",
         code=KV.replace('''        return ("noreply", state)''', '''        return ("noreply", {"data": {}, "calls": state["calls"]})''')),
    dict(task="kv", label="a missing key answers ('ok', None)", says="not_found",
         code=KV.replace('''            case ("get", key) if key in data:
                return ("reply", ("ok", data[key]), state)
            case ("get", _):
                return ("reply", ("error", "not_found"), state)''', '''            case ("get", key):
                return ("reply", ("ok", data.get(key)), state)''')),
    dict(task="kv", label="counts the stats casts as calls", says="casts are not calls",
         code=KV.replace('''        return ("noreply", state)''', '''        return ("noreply", {**state, "calls": state["calls"] + 1})''')),
    dict(task="fetch", label="does not catch the exit of a failed call", says="catch the exit",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        if labrt.whereis(server) is not None:
            return await gen_server.call(server, ("get", key), timeout)
    return ("error", "unavailable")
'''),
    dict(task="fetch", label="catches Exception, which a failed call is not", says="ProcessExit is not an Exception",
         code=FETCH.replace("except ProcessExit:", "except Exception:")),
    dict(task="fetch", label="ignores the timeout (gen_server.call's default is 5 s)", says="pass timeout",
         code=FETCH.replace('await gen_server.call(server, ("get", key), timeout)',
                            'await gen_server.call(server, ("get", key))')),
    dict(task="fetch", label="returns None when every server failed", says="('error', 'unavailable')",
         code=FETCH.replace('    return ("error", "unavailable")', '    return None')),
    dict(task="fetch", label="treats ('error', 'not_found') as a failure", says="is an answer",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        try:
            reply = await gen_server.call(server, ("get", key), timeout)
        except ProcessExit:
            continue
        if reply[0] == "ok":
            return reply
    return ("error", "unavailable")
'''),
    dict(task="fetch", label="retries a server that timed out", says="not asked again",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        for attempt in range(2):
            try:
                return await gen_server.call(server, ("get", key), timeout)
            except ProcessExit as e:
                if e.reason[0] != "timeout":
                    break
    return ("error", "unavailable")
'''),
    dict(task="ledger", label="does not trap exits: the supervisor's shutdown skips terminate",
         says="trap_exit(True)", code=LEDGER.replace("        trap_exit(True)\n", "")),
    dict(task="ledger", label="the idle timeout only in init", says="end every return value",
         code=LEDGER.replace('''                return ("reply", "ok", (disk, buffer), IDLE)''',
                             '''                return ("reply", "ok", (disk, buffer))''')),
    dict(task="ledger", label="no terminate: what is buffered is lost at stop", says="terminate",
         code=LEDGER.replace('''    def terminate(self, reason, state):
        disk, buffer = state
        self.flush(disk, buffer)
''', "")),
    dict(task="ledger", label="flushes every 4 entries", says="BATCH = 3",
         code=LEDGER.replace("if len(buffer) == BATCH:", "if len(buffer) > BATCH:")),
    dict(task="ledger", label="forgets to empty the buffer after an idle flush", says="twice",
         code=LEDGER.replace('''            return ("noreply", (disk, self.flush(disk, buffer)))''',
                             '''            self.flush(disk, buffer)
            return ("noreply", (disk, buffer))''')),
    dict(task="ledger", label="terminate sends an empty flush", says="empty buffer", public=False,
         code=LEDGER.replace('''        self.flush(disk, buffer)
''', '''        send(disk, ("flush", buffer))
''')),
    # Wrong answers that pass the public checks; only the hidden ones catch them.
    dict(task="kv", label="a value that is false counts as missing", public=False,
         caught_by="values that are false are values", says="not whether its value is true",
         code=KV.replace('''            case ("get", key) if key in data:''', '''            case ("get", key) if data.get(key):''')),
    dict(task="kv", label="a key holding None counts as missing (get(key) is not None)",
         public=False, caught_by="values of any kind", says="answers ('ok', None)",
         code=KV.replace('''            case ("get", key) if key in data:''', '''            case ("get", key) if data.get(key) is not None:''')),
    dict(task="kv", label="counts only the calls that found or changed something", public=False,
         caught_by="empty start, overwrites", says="'stats', {'keys': 0, 'calls': 6}",
         code=KV.replace('''        state = {**state, "calls": state["calls"] + 1}
''', '''        if request[0] == "put" or request[1] in data:
            state = {**state, "calls": state["calls"] + 1}
''')),
    dict(task="fetch", label="only ('ok', ...) and ('error', 'not_found') count as answers",
         public=False, caught_by="replies other than", says="a server's reply, whatever it is, is the answer",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        try:
            reply = await gen_server.call(server, ("get", key), timeout)
        except ProcessExit:
            continue
        if reply == ("error", "not_found") or reply[0] == "ok":
            return reply
    return ("error", "unavailable")
'''),
    dict(task="fetch", label="a failed call is caught only for noproc, timeout or a crash",
         public=False, caught_by="calls that fail with other reasons", says="catch ProcessExit, all of them",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        try:
            return await gen_server.call(server, ("get", key), timeout)
        except ProcessExit as e:
            why = e.reason[0] if isinstance(e.reason, tuple) else e.reason
            if why in ("noproc", "timeout") or isinstance(why, Exception):
                continue
            raise
    return ("error", "unavailable")
'''),
    dict(task="fetch", label="a false reply (None, 0) is taken for a failure", public=False,
         caught_by="replies other than", says="also an error reply, None, 0 or an empty value",
         code='''
async def fetch(key, servers, timeout):
    for server in servers:
        try:
            reply = await gen_server.call(server, ("get", key), timeout)
        except ProcessExit:
            reply = None
        if reply:
            return reply
    return ("error", "unavailable")
'''),
    dict(task="ledger", label="a stray message cancels the idle timer", public=False,
         caught_by="stray messages reach the ledger", says="a return without it cancels the timer",
         code=LEDGER.replace('''        return ("noreply", state, IDLE)''', '''        return ("noreply", state)''')),
    dict(task="ledger", label="flushes on any message handle_info gets", public=False,
         caught_by="stray messages reach the ledger", says="only the timeout",
         code=LEDGER.replace('''        if message == "timeout":
            return ("noreply", (disk, self.flush(disk, buffer)))
        return ("noreply", state, IDLE)''', '''        return ("noreply", (disk, self.flush(disk, buffer)))''')),
    dict(task="ledger", label="terminate flushes only for 'normal' and 'shutdown'", public=False,
         caught_by="stopped with other reasons", says="terminate runs whatever the reason",
         code=LEDGER.replace('''    def terminate(self, reason, state):
        disk, buffer = state
        self.flush(disk, buffer)''', '''    def terminate(self, reason, state):
        disk, buffer = state
        if reason in ("normal", "shutdown"):
            self.flush(disk, buffer)''')),
]
