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
]
