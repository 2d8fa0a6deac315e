"""Wrong answers for exercises/ch04-links.ipynb (see ch02_functional.py for the format)."""
KEEP = '''
async def keep_alive(name, worker, limit):
    trap_exit(True)
    restarts = 0
    pid = spawn_link(worker)
    register(name, pid)
    while True:
        match await receive(Exit):
            case Exit(p, "normal") if p == pid:
                return restarts
            case Exit(p, _) if p == pid:
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid = spawn_link(worker)
                register(name, pid)
'''
KEEP_SAFE = '''
async def keep_alive(name, worker, limit):
    trap_exit(True)

    def start():
        pid = spawn_link(worker)
        try:
            register(name, pid)
        except labrt.BadArg:
            pass
        return pid

    restarts = 0
    pid = start()
    while True:
        match await receive(Exit):
            case Exit(p, "normal") if p == pid:
                return restarts
            case Exit(p, _) if p == pid:
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid = start()
'''
WATCH = '''
async def watchdog(name, interval, timeout, duration):
    incidents = []
    refs = {}
    end = now() + duration
    next_probe = now() + interval

    def record(down):
        incidents.append((now(), down.pid, down.reason))
        refs.pop(down.pid, None)

    def watch():
        pid = whereis(name)
        if pid is not None and pid not in refs:
            refs[pid] = monitor(pid)
        return pid

    watch()
    while True:
        msg = await receive(Down, timeout=max(0.0, min(next_probe, end) - now()))
        if isinstance(msg, Down):
            record(msg)
            continue
        if now() >= end:
            return incidents
        next_probe += interval
        pid = watch()
        if pid is None:
            continue
        ref = refs[pid]
        send(pid, ("ping", self(), ref))
        reply = await receive(("pong", ref), lambda m: isinstance(m, Down) and m.ref == ref,
                              timeout=timeout)
        if reply is TIMEOUT:
            exit(pid, "kill")
            record(await receive(lambda m: isinstance(m, Down) and m.ref == ref))
        elif isinstance(reply, Down):
            record(reply)
'''

WRONG = [
    dict(task="collect", label="forgets trap_exit: dies with the first crash", says="trap_exit(True)",
         code='''
async def collect(funs):
    index = {spawn_link(f): i for i, f in enumerate(funs)}
    ended = []
    while len(ended) < len(funs):
        match await receive(Exit):
            case Exit(pid, reason):
                ended.append((index[pid], reason))
    return ended
'''),
    dict(task="collect", label="waits for the processes in spawn order", says="in the order the processes ended",
         code='''
async def collect(funs):
    trap_exit(True)
    pids = [spawn_link(f) for f in funs]
    ended = []
    for i, pid in enumerate(pids):
        msg = await receive(lambda m: isinstance(m, Exit) and m.pid == pid)
        ended.append((i, msg.reason))
    return ended
'''),
    dict(task="collect", label="returns pids instead of indexes", says="index in funs",
         code='''
async def collect(funs):
    trap_exit(True)
    for f in funs:
        spawn_link(f)
    ended = []
    while len(ended) < len(funs):
        match await receive(Exit):
            case Exit(pid, reason):
                ended.append((pid, reason))
    return ended
'''),
    dict(task="keep_alive", label="forgets trap_exit", says="trap exits",
         code=KEEP.replace("    trap_exit(True)\n", "")),
    dict(task="keep_alive", label="restarts a worker that finished normally", says="not restarted",
         code='''
async def keep_alive(name, worker, limit):
    trap_exit(True)
    restarts = 0
    pid = spawn_link(worker)
    register(name, pid)
    while True:
        match await receive(Exit):
            case Exit(p, _) if p == pid:
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid = spawn_link(worker)
                register(name, pid)
'''),
    dict(task="keep_alive", label="off by one: gives up one restart early", says="one too few",
         code=KEEP.replace("if restarts == limit:", "if restarts == limit - 1:")),
    dict(task="keep_alive", label="off by one: one restart too many", says="one too many",
         code=KEEP.replace("if restarts == limit:", "if restarts == limit + 1:")),
    dict(task="keep_alive", label="forgets to register the new worker", says="never registered",
         code=KEEP.replace('''                pid = spawn_link(worker)
                register(name, pid)''', '''                pid = spawn_link(worker)''')),
    dict(task="watchdog", label="notices hangs but never kills", says="kill it",
         code=WATCH.replace('''            exit(pid, "kill")
            record(await receive(lambda m: isinstance(m, Down) and m.ref == ref))''', '''            pass''')),
    dict(task="watchdog", label="stops a hung service with 'shutdown'", says="'kill' is the one signal",
         code=WATCH.replace('exit(pid, "kill")', 'exit(pid, "shutdown")')),
    dict(task="watchdog", label="links to the service instead of monitoring it", says="use monitor, not link",
         code=WATCH.replace("refs[pid] = monitor(pid)", "link(pid); refs[pid] = make_ref()").replace(
             "async def watchdog", "from labrt import link, make_ref\nasync def watchdog")),
    dict(task="watchdog", label="records a kill, then its Down again", says="record it once",
         code=WATCH.replace('''            exit(pid, "kill")
            record(await receive(lambda m: isinstance(m, Down) and m.ref == ref))''', '''            exit(pid, "kill")
            incidents.append((now(), pid, "killed"))''')),
    dict(task="watchdog", label="monitors only during a probe", says="between probes",
         code='''
async def watchdog(name, interval, timeout, duration):
    incidents = []
    end = now() + duration
    while now() + interval <= end:
        await sleep(interval)
        pid = whereis(name)
        if pid is None:
            continue
        ref = monitor(pid)
        send(pid, ("ping", self(), ref))
        reply = await receive(("pong", ref), timeout=timeout)
        if reply is TIMEOUT:
            exit(pid, "kill")
            down = await receive(lambda m: isinstance(m, Down) and m.ref == ref)
            incidents.append((now(), pid, down.reason))
        else:
            demonitor(ref, flush=True)
    await sleep(max(0.0, end - now()))
    return incidents
'''),
    # Wrong answers that pass the public checks; only the hidden ones catch them.
    dict(task="collect", label="monitors instead of links", public=False,
         caught_by="linked to it", says="only a link also takes the process down",
         code="""
async def collect(funs):
    index = {}
    for i, f in enumerate(funs):
        pid, _ = labrt.spawn_monitor(f)
        index[pid] = i
    ended = []
    while len(ended) < len(funs):
        match await receive(Down):
            case Down(pid=pid, reason=reason) if pid in index:
                ended.append((index[pid], reason))
    return ended
"""),
    dict(task="collect", label="takes any message as an exit", public=False,
         caught_by="other messages reach collect", says="any other message, is not one of them",
         code="""
async def collect(funs):
    trap_exit(True)
    index = {spawn_link(f): i for i, f in enumerate(funs)}
    ended = []
    for _ in funs:
        msg = await receive()
        ended.append((index[msg.pid], msg.reason))
    return ended
"""),
    dict(task="collect", label="counts every Exit, whoever it comes from", public=False,
         caught_by="started linked by a process", says="another linked process's Exit",
         code="""
async def collect(funs):
    trap_exit(True)
    index = {spawn_link(f): i for i, f in enumerate(funs)}
    ended = []
    while len(ended) < len(funs):
        match await receive(Exit):
            case Exit(pid, reason):
                ended.append((index.get(pid), reason))
    return ended
"""),
    dict(task="keep_alive", label="monitors the worker instead of linking to it", public=False,
         caught_by="the worker is linked to keep_alive", says="a monitor notices its death",
         code="""
async def keep_alive(name, worker, limit):
    restarts = 0
    pid, _ = labrt.spawn_monitor(worker)
    register(name, pid)
    while True:
        match await receive(Down):
            case Down(pid=p, reason="normal") if p == pid:
                return restarts
            case Down(pid=p) if p == pid:
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid, _ = labrt.spawn_monitor(worker)
                register(name, pid)
"""),
    dict(task="keep_alive", label="restarts only after exceptions; any other end returns",
         public=False, caught_by="other exit reasons are abnormal too",
         says="is not 'normal', so the worker must be restarted",
         code="""
async def keep_alive(name, worker, limit):
    trap_exit(True)
    restarts = 0
    pid = spawn_link(worker)
    register(name, pid)
    while True:
        match await receive(Exit):
            case Exit(p, reason) if p == pid and isinstance(reason, BaseException):
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid = spawn_link(worker)
                register(name, pid)
            case Exit(p, "killed") if p == pid:
                if restarts == limit:
                    exit("too_many_restarts")
                restarts += 1
                pid = spawn_link(worker)
                register(name, pid)
            case Exit(p, _) if p == pid:
                return restarts
"""),
    dict(task="keep_alive", label="does not check whose Exit it is", public=False,
         caught_by="started linked by a process", says="check the pid in each Exit message",
         code=KEEP.replace("case Exit(p, \"normal\") if p == pid:", "case Exit(_, \"normal\"):")),
    dict(task="watchdog", label="during a probe, waits only for the pong", public=False,
         caught_by="a crash while a probe waits", says="wait for the pong *or* the Down",
         code=WATCH.replace(
             'reply = await receive(("pong", ref), lambda m: isinstance(m, Down) and m.ref == ref,\n                              timeout=timeout)',
             'reply = await receive(("pong", ref), timeout=timeout)')),
    dict(task="watchdog", label="probes duration // interval times, then returns", public=False,
         caught_by="not a whole number of intervals", says="a duration need not be a whole number of intervals",
         code=WATCH.replace("    end = now() + duration\n",
                            "    end = now() + interval * int(duration // interval)\n")),
    dict(task="watchdog", label="links to the service and traps exits, instead of monitoring",
         public=False, caught_by="killed from outside", says="monitor the service, never link to it",
         code="""
from labrt import link, make_ref

async def watchdog(name, interval, timeout, duration):
    trap_exit(True)
    incidents = []
    linked = set()
    end = now() + duration
    next_probe = now() + interval

    def watch():
        pid = whereis(name)
        if pid is not None and pid not in linked:
            link(pid)
            linked.add(pid)
        return pid

    def record(ex):
        incidents.append((now(), ex.pid, ex.reason))
        linked.discard(ex.pid)

    watch()
    while True:
        msg = await receive(Exit, timeout=max(0.0, min(next_probe, end) - now()))
        if isinstance(msg, Exit):
            record(msg)
            continue
        if now() >= end:
            return incidents
        next_probe += interval
        pid = watch()
        if pid is None:
            continue
        ref = make_ref()
        send(pid, ("ping", self(), ref))
        reply = await receive(("pong", ref), lambda m: isinstance(m, Exit) and m.pid == pid,
                              timeout=timeout)
        if reply is TIMEOUT:
            exit(pid, "kill")
            record(await receive(lambda m: isinstance(m, Exit) and m.pid == pid))
        elif isinstance(reply, Exit):
            record(reply)
"""),
    dict(task="collect", label="waits for an exit before counting (collect([]) never returns)",
         public=False, caught_by="no functions", says="wait for exactly one Exit message per function",
         code="""
async def collect(funs):
    trap_exit(True)
    index = {spawn_link(f): i for i, f in enumerate(funs)}
    ended = []
    while True:
        match await receive(Exit):
            case Exit(pid, reason) if pid in index:
                ended.append((index[pid], reason))
        if len(ended) == len(funs):
            return ended
"""),
    # Race under exploration (issue 11): right on the default schedule, wrong on a BEAM.
    dict(task="collect", label="trap_exit after spawn_link (explored)", public=False,
         explored=True, caught_by="explored", says="trap_exit after spawn_link",
         code="""
async def collect(funs):
    index = {spawn_link(f): i for i, f in enumerate(funs)}
    trap_exit(True)
    ended = []
    while len(ended) < len(funs):
        match await receive(Exit):
            case Exit(pid, reason) if pid in index:
                ended.append((index[pid], reason))
    return ended
"""),
    dict(task="keep_alive", label="trap_exit after spawn_link (explored)", public=False,
         explored=True, caught_by="explored", says="trap_exit after spawn_link",
         code=KEEP_SAFE.replace("""    trap_exit(True)

    def start():""", """    def start():""").replace("""    restarts = 0
    pid = start()
""", """    restarts = 0
    pid = start()
    trap_exit(True)
""")),
    dict(task="keep_alive", label="registers a worker that may be dead already (explored)",
         public=False, explored=True, caught_by="explored", says="register of a worker that is already dead",
         code=KEEP),
]
