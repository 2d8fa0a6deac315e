"""Wrong answers for exercises/ch02-functional.ipynb.

Each entry is a plausible mistake. tests/test_grading_wrong_answers.py runs
the task's checks against it (with the notebook's other tasks solved) and
requires that the checks fail and that their message contains ``says``,
which names the problem. By default (``public=True``) the public checks
already catch it. ``public=False`` marks a mistake that passes every public
check (the student's own check says "done") and must be caught by the hidden
case whose title contains ``caught_by``, with ``says`` in that case's text:
those entries show that the hidden checks add something.
"""
WRONG = [
    dict(task="step", label="a catch-all that returns the state hides typos", says="raises ValueError",
         code='''
def step(m, msg):
    match msg:
        case ("coin", n) if n > 0:
            return replace(m, credit=m.credit + n)
        case ("refill", n) if n > 0:
            return replace(m, cans=m.cans + n)
        case "buy" if m.credit >= PRICE and m.cans > 0:
            return replace(m, credit=m.credit - PRICE, cans=m.cans - 1)
        case _:
            return m
'''),
    dict(task="step", label="off by one: credit > PRICE refuses an exact payment",
         says="step(Machine(credit=2, cans=1), 'buy') == Machine(credit=0, cans=0)",
         code='''
def step(m, msg):
    match msg:
        case ("coin", n) if n > 0:
            return replace(m, credit=m.credit + n)
        case ("refill", n) if n > 0:
            return replace(m, cans=m.cans + n)
        case "buy" if m.credit > PRICE and m.cans > 0:
            return replace(m, credit=m.credit - PRICE, cans=m.cans - 1)
        case "buy":
            return m
        case _:
            raise ValueError(f"unexpected message: {msg!r}")
'''),
    dict(task="step", label="sells from an empty machine", says="cans=-1",
         code='''
def step(m, msg):
    match msg:
        case ("coin", n) if n > 0:
            return replace(m, credit=m.credit + n)
        case ("refill", n) if n > 0:
            return replace(m, cans=m.cans + n)
        case "buy" if m.credit >= PRICE:
            return replace(m, credit=m.credit - PRICE, cans=m.cans - 1)
        case "buy":
            return m
        case _:
            raise ValueError(f"unexpected message: {msg!r}")
'''),
    dict(task="step", label="no guard on amounts: a zero coin is accepted", says="('coin', 0)) raises ValueError",
         code='''
def step(m, msg):
    match msg:
        case ("coin", n):
            return replace(m, credit=m.credit + n)
        case ("refill", n):
            return replace(m, cans=m.cans + n)
        case "buy" if m.credit >= PRICE and m.cans > 0:
            return replace(m, credit=m.credit - PRICE, cans=m.cans - 1)
        case "buy":
            return m
        case _:
            raise ValueError(f"unexpected message: {msg!r}")
'''),
    dict(task="step", label="an error text that does not say which message", says="names the message",
         code='''
def step(m, msg):
    match msg:
        case ("coin", n) if n > 0:
            return replace(m, credit=m.credit + n)
        case ("refill", n) if n > 0:
            return replace(m, cans=m.cans + n)
        case "buy" if m.credit >= PRICE and m.cans > 0:
            return replace(m, credit=m.credit - PRICE, cans=m.cans - 1)
        case "buy":
            return m
        case _:
            raise ValueError("bad message")
'''),
    dict(task="machine", label="recursion instead of a loop", says="RecursionError",
         code='''
async def machine(state):
    match await receive():
        case ("state", sender):
            send(sender, ("state", state))
            return await machine(state)
        case "stop":
            return state
        case msg:
            return await machine(step(state, msg))
'''),
    dict(task="machine", label="swallows step's errors instead of letting it crash", says="let it crash",
         code='''
async def machine(state):
    while True:
        match await receive():
            case ("state", sender):
                send(sender, ("state", state))
            case "stop":
                return state
            case msg:
                try:
                    state = step(state, msg)
                except ValueError:
                    pass
'''),
    dict(task="machine", label="answers ('state', pid) with a bare state", says="is answered ('state', Machine(credit=3, cans=2))",
         code='''
async def machine(state):
    while True:
        match await receive():
            case ("state", sender):
                send(sender, state)
            case "stop":
                return state
            case msg:
                state = step(state, msg)
'''),
    dict(task="machine", label="'stop' returns the state it started with", says="machine returns Machine(credit=2, cans=1)",
         code='''
async def machine(start):
    state = start
    while True:
        match await receive():
            case ("state", sender):
                send(sender, ("state", state))
            case "stop":
                return start
            case msg:
                state = step(state, msg)
'''),
    dict(task="shop", label="restarts from Machine(): the accepted coins are lost", says="was lost",
         code='''
async def shop(messages):
    restarts = 0
    log = []
    pid, _ = spawn_monitor(machine, Machine())
    for msg in messages:
        send(pid, msg)
        send(pid, ("state", self()))
        match await receive(("state", ANY), Down):
            case Down():
                restarts += 1
                pid, _ = spawn_monitor(machine, Machine())
            case _:
                log.append(msg)
    send(pid, "stop")
    return reduce(step, log, Machine()), restarts
'''),
    dict(task="shop", label="logs the bad message too, so the replay crashes the shop", says="ValueError",
         code='''
async def shop(messages):
    restarts = 0
    log = []
    pid, _ = spawn_monitor(machine, Machine())
    for msg in messages:
        log.append(msg)
        send(pid, msg)
        send(pid, ("state", self()))
        match await receive(("state", ANY), Down):
            case Down():
                restarts += 1
                pid, _ = spawn_monitor(machine, reduce(step, log, Machine()))
    send(pid, "stop")
    return reduce(step, log, Machine()), restarts
'''),
    dict(task="shop", label="waits only for the answer: a crash leaves it waiting for ever", says="deadlock",
         code='''
async def shop(messages):
    log = []
    pid = spawn(machine, Machine())
    for msg in messages:
        send(pid, msg)
        send(pid, ("state", self()))
        await receive(("state", ANY))
        log.append(msg)
    send(pid, "stop")
    return reduce(step, log, Machine()), 0
'''),
]
