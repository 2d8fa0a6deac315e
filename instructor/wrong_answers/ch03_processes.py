"""Wrong answers for exercises/ch03-processes.ipynb (see ch02_functional.py for the format)."""
PONG = '''
async def pong():
    answered = 0
    while True:
        match await receive():
            case ("ping", sender, k):
                send(sender, ("pong", k))
                answered += 1
            case "stop":
                return answered
'''
MEMBER = '''
async def member(boss, total):
    successor = await receive(Pid)
    while True:
        match await receive():
            case ("token", k) if k == total:
                send(boss, ("done", k))
            case ("token", k):
                send(successor, ("token", k + 1))
            case "stop":
                return
'''
RING = '''
async def ring(n, laps):
    total = n * laps
    members = [spawn(member, self(), total) for _ in range(n)]
    for i, m in enumerate(members):
        send(m, members[(i + 1) % n])
    send(members[0], ("token", 0))
    _, count = await receive(("done", ANY))
    for m in members:
        send(m, "stop")
    return count
'''

WRONG = [
    dict(task="ping_pong", label="pong answers a bare 'pong'", says="with ('pong', 1)",
         code='''
async def pong():
    answered = 0
    while True:
        match await receive():
            case ("ping", sender, k):
                send(sender, "pong")
                answered += 1
            case "stop":
                return answered

async def ping(n):
    partner = spawn(pong)
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        await receive("pong")
    send(partner, "stop")
    return list(range(1, n + 1))
'''),
    dict(task="ping_pong", label="ping sends every ping at once", says="wait for its pong",
         code=PONG + '''
async def ping(n):
    partner = spawn(pong)
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
    got = [(await receive(("pong", k)))[1] for k in range(1, n + 1)]
    send(partner, "stop")
    return got
'''),
    dict(task="ping_pong", label="ping never stops its pong", says="sent 'stop'",
         code=PONG + '''
async def ping(n):
    partner = spawn(pong)
    got = []
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        got.append((await receive(("pong", k)))[1])
    return got
'''),
    dict(task="ping_pong", label="pong replies to itself", says="no reply within 1 s",
         code='''
async def pong():
    answered = 0
    while True:
        match await receive():
            case ("ping", sender, k):
                send(self(), ("pong", k))
                answered += 1
            case "stop":
                return answered
            case _:
                pass
''' + '''
async def ping(n):
    return list(range(1, n + 1))
'''),
    dict(task="ring", label="off by one: stops one pass early", says="one pass short",
         code=MEMBER.replace("if k == total:", "if k == total - 1:") + RING),
    dict(task="ring", label="off by one: one pass too many", says="one pass too many",
         code=MEMBER.replace("if k == total:", "if k == total + 1:") + RING),
    dict(task="ring", label="the members are never stopped", says="still alive",
         code=MEMBER + RING.replace('''    for m in members:
        send(m, "stop")
''', "")),
    dict(task="ring", label="every member passes the token to the first member", says="same order",
         code=MEMBER + RING.replace("send(m, members[(i + 1) % n])", "send(m, members[0])")),
    dict(task="ring", label="ring does not wait for the token to come back", says="is passed 3 times",
         code=MEMBER + '''
async def ring(n, laps):
    members = [spawn(member, self(), n * laps) for _ in range(n)]
    for i, m in enumerate(members):
        send(m, members[(i + 1) % n])
    send(members[0], ("token", 0))
    for m in members:
        send(m, "stop")
    return n * laps
'''),
    dict(task="counter", label="no priority: 'stop' waits its turn", says="handles 'stop' first",
         code='''
async def counter(idle):
    value = 0
    while True:
        match await receive(timeout=idle):
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
            case ("get", sender):
                send(sender, ("count", value))
            case _:
                pass
'''),
    dict(task="counter", label="a fixed deadline instead of an idle timer", says="ends at t=13",
         code='''
async def counter(idle):
    value = 0
    deadline = labrt.now() + idle
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            msg = await receive(timeout=max(0, deadline - labrt.now()))
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
            case ("get", sender):
                send(sender, ("count", value))
            case _:
                pass
'''),
    dict(task="counter", label="no catch-all: junk piles up in the mailbox", says="stay in its mailbox",
         code='''
async def counter(idle):
    value = 0
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            msg = await receive("stop", ("add", ANY), ("get", ANY), timeout=idle)
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
            case ("get", sender):
                send(sender, ("count", value))
'''),
    dict(task="counter", label="answers a get with a bare number", says="('count', 5)",
         code='''
async def counter(idle):
    value = 0
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            msg = await receive(timeout=idle)
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
            case ("get", sender):
                send(sender, value)
            case _:
                pass
'''),
    # Wrong answers that pass the public checks; only the hidden ones catch them.
    dict(task="ping_pong", label="ping waits for any message, not for its pong",
         public=False, caught_by="stray messages in ping's mailbox",
         says="a stray message is not the reply",
         code=PONG + """
async def ping(n):
    partner = spawn(pong)
    got = []
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        _, number = await receive()
        got.append(number)
    send(partner, "stop")
    return got
"""),
    dict(task="ping_pong", label="ping takes any ('pong', _) as the reply of this round",
         public=False, caught_by="stray messages in ping's mailbox",
         says="wait for ('pong', k), the reply of this round",
         code=PONG + """
async def ping(n):
    partner = spawn(pong)
    got = []
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        _, number = await receive(("pong", ANY))
        got.append(number)
    send(partner, "stop")
    return got
"""),
    dict(task="ping_pong", label="pong serves only the first peer it met",
         public=False, caught_by="several peers share one pong",
         says="only the first peer was served",
         code="""
async def pong():
    answered = 0
    partner = None
    while True:
        match await receive():
            case ("ping", sender, k):
                if partner is None:
                    partner = sender
                send(partner, ("pong", k))
                answered += 1
            case "stop":
                return answered

async def ping(n):
    partner = spawn(pong)
    got = []
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        _, number = await receive(("pong", k))
        got.append(number)
    send(partner, "stop")
    return got
"""),
    dict(task="ping_pong", label="pong stops at any message that is not a ping",
         public=False, caught_by="several peers share one pong",
         says="a message it does not know (not a ping, not 'stop') is ignored",
         code="""
async def pong():
    answered = 0
    while True:
        match await receive():
            case ("ping", sender, k):
                send(sender, ("pong", k))
                answered += 1
            case _:
                return answered

async def ping(n):
    partner = spawn(pong)
    got = []
    for k in range(1, n + 1):
        send(partner, ("ping", self(), k))
        _, number = await receive(("pong", k))
        got.append(number)
    send(partner, "stop")
    return got
"""),
    dict(task="ring", label="ring takes any message as the report",
         public=False, caught_by="ring's mailbox holds other messages",
         says="wait for the report with a pattern only it matches",
         code=MEMBER + RING.replace('_, count = await receive(("done", ANY))',
                                    '_, count = await receive()')),
    dict(task="ring", label="laps=0 is taken as one lap (max(laps, 1))",
         public=False, caught_by="laps=0",
         says="with laps=0 the token makes no pass",
         code=MEMBER + RING.replace("total = n * laps", "total = n * max(laps, 1)   # at least one lap")),
    dict(task="ring", label="members find their successor by a registered name",
         public=False, caught_by="several rings at once",
         says="registered names are shared by the whole runtime",
         code="""
from labrt import register

async def member(i, n, boss, total):
    while True:
        match await receive():
            case ("token", k) if k == total:
                send(boss, ("done", k))
            case ("token", k):
                send(f"member{(i + 1) % n}", ("token", k + 1))
            case "stop":
                return

async def ring(n, laps):
    total = n * laps
    members = [spawn(member, i, n, self(), total) for i in range(n)]
    for i, m in enumerate(members):
        register(f"member{i}", m)
    send(members[0], ("token", 0))
    _, count = await receive(("done", ANY))
    for m in members:
        send(m, "stop")
    return count
"""),
    dict(task="counter", label="'stop' jumps the queue only when the counter starts",
         public=False, caught_by="a stop that arrives mid-life",
         says="not only when the counter starts",
         code="""
async def counter(idle):
    value = 0
    deadline = labrt.now() + idle
    if await receive("stop", timeout=0) is not TIMEOUT:
        return value
    while True:
        msg = await receive(timeout=max(0.0, deadline - labrt.now()))
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
                deadline = labrt.now() + idle
            case ("get", sender):
                send(sender, ("count", value))
                deadline = labrt.now() + idle
            case _:
                pass
"""),
    dict(task="counter", label="junk restarts the idle timer (receive(timeout=idle) each time)",
         public=False, caught_by="junk does not keep an idle counter alive",
         says="junk must not keep it alive",
         code="""
async def counter(idle):
    value = 0
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            msg = await receive(timeout=idle)
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
            case ("get", sender):
                send(sender, ("count", value))
            case _:
                pass
"""),
    dict(task="counter", label="only adds restart the idle timer, not gets",
         public=False, caught_by="junk does not keep an idle counter alive",
         says="the idle time counts from the last add or get",
         code="""
async def counter(idle):
    value = 0
    deadline = labrt.now() + idle
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            msg = await receive(timeout=max(0.0, deadline - labrt.now()))
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
                deadline = labrt.now() + idle
            case ("get", sender):
                send(sender, ("count", value))
            case _:
                pass
"""),
    dict(task="counter", label="the idle timer starts only at the first message",
         public=False, caught_by="a counter nobody talks to",
         says="the idle time counts from the start",
         code="""
async def counter(idle):
    value = 0
    deadline = None
    while True:
        msg = await receive("stop", timeout=0)
        if msg is TIMEOUT:
            wait = None if deadline is None else max(0.0, deadline - labrt.now())
            msg = await receive(timeout=wait)
        match msg:
            case labrt.TIMEOUT | "stop":
                return value
            case ("add", n):
                value += n
                deadline = labrt.now() + idle
            case ("get", sender):
                send(sender, ("count", value))
                deadline = labrt.now() + idle
            case _:
                pass
"""),
    # Race under exploration (issue 11): right on the default schedule, wrong on a BEAM.
    dict(task="ring", label="a member takes its first message as its successor (explored)",
         public=False, explored=True, caught_by="explored", says="the token can overtake",
         code=MEMBER.replace("successor = await receive(Pid)", "successor = await receive()")
         + RING),
]
