"""Wrong answers for exercises/ch05-supervisors.ipynb (see ch02_functional.py for the format)."""
SUPERVISE = '''
async def supervise(worker, max_r, max_t):
    trap_exit(True)
    restarts = []
    pid = spawn_link(worker)
    while True:
        match await receive(Exit):
            case Exit(p, "normal") if p == pid:
                return restarts
            case Exit(p, _) if p == pid:
                recent = [r for r in restarts if now() - r <= max_t]
                if len(recent) + 1 > max_r:
                    exit("shutdown")
                restarts.append(now())
                pid = spawn_link(worker)
'''
STORAGE = '''
class Storage:
    def init(self, arg):
        flags = SupFlags(strategy="rest_for_one", intensity=3, period=10)
        children = [ChildSpec("db", (start_db, ())),
                    ChildSpec("cache", (start_cache, ())),
                    ChildSpec("warmup", (start_warmup, ()), restart="transient")]
        return ("ok", (flags, children))
'''
HANDLERS = '''
class Handlers:
    def init(self, arg):
        flags = SupFlags(strategy="simple_one_for_one")
        template = ChildSpec("handler", (start_handler, ()), restart="temporary")
        return ("ok", (flags, [template]))
'''
REQUEST = '''
async def request(req, timeout):
    ref = make_ref()
    started = await supervisor.start_child("handlers", [req, self(), ref])
    if started[0] != "ok":
        return started
    pid = started[1]
    mref = monitor(pid)
    mine = lambda m: isinstance(m, Down) and m.ref == mref
    match await receive((ref, ANY), mine, timeout=timeout):
        case (_, answer):
            demonitor(mref, flush=True)
            return ("ok", answer)
        case Down(reason=reason):
            return ("error", reason)
        case _:
            await supervisor.terminate_child("handlers", pid)
            demonitor(mref, flush=True)
            return ("error", "timeout")
'''

WRONG = [
    dict(task="supervise", label="forgets trap_exit: dies with the first crash", says="trap_exit(True)",
         code=SUPERVISE.replace("    trap_exit(True)\n", "")),
    dict(task="supervise", label="off by one: gives up when the count reaches max_r", says="one too few",
         code=SUPERVISE.replace("len(recent) + 1 > max_r", "len(recent) + 1 >= max_r")),
    dict(task="supervise", label="off by one: allows max_r + 1 restarts", says="one too many",
         code=SUPERVISE.replace("len(recent) + 1 > max_r", "len(recent) > max_r")),
    dict(task="supervise", label="counts every restart ever, not those in the window", says="no longer count",
         code=SUPERVISE.replace("recent = [r for r in restarts if now() - r <= max_t]", "recent = restarts")),
    dict(task="supervise", label="gives up with its own reason instead of 'shutdown'", says="'shutdown'",
         code=SUPERVISE.replace('exit("shutdown")', 'exit("too_many_restarts")')),
    dict(task="supervise", label="restarts a worker that finished normally", says="ends normally",
         code=SUPERVISE.replace('''            case Exit(p, "normal") if p == pid:
                return restarts
''', "")),
    dict(task="supervise", label="an exclusive window (t - r < max_t)", says="one too many", public=False,
         code=SUPERVISE.replace("now() - r <= max_t", "now() - r < max_t")),
    dict(task="storage", label="one_for_one: the cache keeps a dead db's pid", says="one_for_one",
         code=STORAGE.replace("rest_for_one", "one_for_one")),
    dict(task="storage", label="one_for_all: a cache crash restarts the db", says="one_for_all",
         code=STORAGE.replace("rest_for_one", "one_for_all")),
    dict(task="storage", label="the warmup is permanent: restarted after it finished", says="permanent",
         code=STORAGE.replace(', restart="transient"', "")),
    dict(task="storage", label="the warmup is temporary: not restarted after a crash", says="temporary",
         code=STORAGE.replace('restart="transient"', 'restart="temporary"')),
    dict(task="storage", label="the cache is started before the db", says="start order",
         code=STORAGE.replace('''        children = [ChildSpec("db", (start_db, ())),
                    ChildSpec("cache", (start_cache, ())),''', '''        children = [ChildSpec("cache", (start_cache, ())),
                    ChildSpec("db", (start_db, ())),''')),
    dict(task="storage", label="keeps the default intensity (1 restart in 5 s)", says="3 times within 10 s",
         code=STORAGE.replace("intensity=3, period=10", "intensity=1, period=5")),
    dict(task="handlers", label="transient handlers: a bad request is retried until the pool gives up",
         says="must never be restarted", code=HANDLERS.replace("temporary", "transient") + REQUEST),
    dict(task="handlers", label="permanent handlers", says="must never be restarted",
         code=HANDLERS.replace(', restart="temporary"', "") + REQUEST),
    dict(task="handlers", label="one_for_one pool: start_child needs a whole spec", says="simple_one_for_one",
         code=HANDLERS.replace('"simple_one_for_one"', '"one_for_one"') + REQUEST),
    dict(task="handlers", label="no monitor: a crash is noticed only at the timeout", says="monitor the handler",
         code=HANDLERS + '''
async def request(req, timeout):
    ref = make_ref()
    started = await supervisor.start_child("handlers", [req, self(), ref])
    if started[0] != "ok":
        return started
    pid = started[1]
    match await receive((ref, ANY), timeout=timeout):
        case (_, answer):
            return ("ok", answer)
        case _:
            await supervisor.terminate_child("handlers", pid)
            return ("error", "timeout")
'''),
    dict(task="handlers", label="a timed-out handler is left running", says="terminate_child",
         code=HANDLERS + REQUEST.replace('            await supervisor.terminate_child("handlers", pid)\n', "")),
    dict(task="handlers", label="starts handlers itself, outside the pool", says="through the pool",
         code=HANDLERS + REQUEST.replace('started = await supervisor.start_child("handlers", [req, self(), ref])',
                                         'started = ("ok", spawn_link(handler, req, self(), ref))').replace(
             'await supervisor.terminate_child("handlers", pid)', 'exit(pid, "kill")')),
    dict(task="handlers", label="leaves a Down in the mailbox after each answer", says="left over", public=False,
         code=HANDLERS + REQUEST.replace('''        case (_, answer):
            demonitor(mref, flush=True)''', '''        case (_, answer):''')),
    # Wrong answers that pass the public checks; only the hidden ones catch them.
    dict(task="supervise", label="monitors the worker instead of linking to it", public=False,
         caught_by="the worker is linked to supervise", says="a monitor notices its death",
         code="""
async def supervise(worker, max_r, max_t):
    restarts = []
    pid, _ = labrt.spawn_monitor(worker)
    while True:
        match await receive(Down):
            case Down(pid=p, reason="normal") if p == pid:
                return restarts
            case Down(pid=p) if p == pid:
                recent = [r for r in restarts if now() - r <= max_t]
                if len(recent) + 1 > max_r:
                    exit("shutdown")
                restarts.append(now())
                pid, _ = labrt.spawn_monitor(worker)
"""),
    dict(task="supervise", label="treats 'shutdown' and ('shutdown', _) as a normal end",
         public=False, caught_by="other exit reasons are crashes too", says="is not 'normal'",
         code=SUPERVISE.replace('case Exit(p, "normal") if p == pid:',
                                'case Exit(p, "normal" | "shutdown" | ("shutdown", _)) if p == pid:')),
    dict(task="supervise", label="does not check whose Exit it is", public=False,
         caught_by="started linked by a process", says="check the pid in each Exit message",
         code=SUPERVISE.replace('case Exit(p, "normal") if p == pid:', 'case Exit(_, "normal"):')),
    dict(task="supervise", label="max_t=0 taken as no window at all (max_t or infinity)",
         public=False, caught_by="max_t=0", says="max_t=0 is a window of no time at all",
         code=SUPERVISE.replace("recent = [r for r in restarts if now() - r <= max_t]",
                                "recent = [r for r in restarts if now() - r <= (max_t or float('inf'))]")),
    dict(task="storage", label="every child transient", public=False,
         caught_by="the db stopped with 'shutdown'", says="a transient child is not restarted",
         code=STORAGE.replace('ChildSpec("db", (start_db, ()))', 'ChildSpec("db", (start_db, ()), restart="transient")').replace(
             'ChildSpec("cache", (start_cache, ()))', 'ChildSpec("cache", (start_cache, ()), restart="transient")')),
    dict(task="storage", label="the db transient", public=False,
         caught_by="the db stopped with 'shutdown'", says="which restart type restarts a child whatever its reason",
         code=STORAGE.replace('ChildSpec("db", (start_db, ()))', 'ChildSpec("db", (start_db, ()), restart="transient")')),
    dict(task="storage", label="the cache transient", public=False,
         caught_by="the cache stopped with", says="the cache was not started again",
         code=STORAGE.replace('ChildSpec("cache", (start_cache, ()))', 'ChildSpec("cache", (start_cache, ()), restart="transient")')),
    dict(task="handlers", label="takes any Down, not only its handler's", public=False,
         caught_by="also monitors a process", says="wait for the Down whose ref is the monitor you made",
         code=HANDLERS + REQUEST.replace("match await receive((ref, ANY), mine, timeout=timeout):",
                                         "match await receive((ref, ANY), Down, timeout=timeout):")),
    dict(task="handlers", label="takes any message as the reply", public=False,
         caught_by="other messages reach the client", says="was not its handler's reply",
         code=HANDLERS + REQUEST.replace("match await receive((ref, ANY), mine, timeout=timeout):",
                                         "match await receive(timeout=timeout):")),
    dict(task="handlers", label="kills a timed-out handler itself instead of through the pool",
         public=False, caught_by="stopped through the pool", says="use supervisor.terminate_child",
         code=HANDLERS + REQUEST.replace('await supervisor.terminate_child("handlers", pid)',
                                         'exit(pid, "kill")')),
    # Race under exploration (issue 11): right on the default schedule, wrong on a BEAM.
    dict(task="supervise", label="trap_exit after spawn_link (explored)", public=False,
         explored=True, caught_by="explored", says="trap_exit after spawn_link",
         code=SUPERVISE.replace("""    trap_exit(True)
    restarts = []
    pid = spawn_link(worker)
""", """    restarts = []
    pid = spawn_link(worker)
    trap_exit(True)
""")),
]
