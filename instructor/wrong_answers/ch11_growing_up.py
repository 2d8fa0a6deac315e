"""Wrong answers for exercises/ch11-growing-up.ipynb (see ch02_functional.py for the
format): each is the reference answer with one plausible mistake, written as a replacement
so that the mistake is easy to see. Those marked ``public=False`` pass the public checks
and are caught only by a hidden run (a crash of the front, a lossy link, an instance cut
off but alive, other node names, other loads and deadlines)."""
QUEUE = '''
async def queue_front():
    register("front", self())
    disk = node_disk()
    queue = disk.setdefault("queue", {})      # seq -> (id, amount), until acknowledged
    seq_of = disk.setdefault("seq_of", {})    # id -> seq: an order is queued once
    disk.setdefault("seq", 0)
    books = ("books", BACK)
    send(self(), ("resend",))                 # what the queue holds goes out at boot
    while True:
        msg = await receive()
        match msg:
            case ("order", i, amount, shop):
                if i not in seq_of:
                    disk["seq"] += 1
                    seq_of[i] = disk["seq"]
                    queue[seq_of[i]] = (i, amount)
                    send(books, ("entry", seq_of[i], i, amount, self()))
                send(shop, ("queued", i, seq_of[i]))
            case ("acked", upto):
                for s in [s for s in queue if s <= upto]:
                    del queue[s]
            case ("resend",):
                for s in sorted(queue):
                    send(books, ("entry", s, *queue[s], self()))
                send_after(RESEND, self(), ("resend",))


async def books_node():
    register("books", self())
    disk = node_disk()
    books = disk.setdefault("books", [])      # order ids, in booking order
    disk.setdefault("next", 1)                # the next sequence number to book
    while True:
        msg = await receive()
        match msg:
            case ("entry", seq, i, amount, front):
                if seq == disk["next"]:
                    books.append(i)
                    disk["next"] += 1
                send(front, ("acked", disk["next"] - 1))
            case ("books", pid):
                send(pid, ("books", list(books)))
'''
RISK = '''
async def risk_service():
    register("risk", self())
    while True:
        msg = await receive()
        match msg:
            case ("assess", ref, pid, amount):
                send(pid, ("assessed", ref, assess(amount)))


async def front_end(risks):
    me = node()
    register("front", self())
    send(("shop", SHOP), ("up", me))
    order = sorted(risks, key=lambda r: site(r) != site(me))     # own site first
    silent = {}                                   # instance -> skipped until
    while True:
        msg = await receive()
        match msg:
            case ("buy", i, amount, shop):
                decision, by = "reject", None
                for r in order:
                    if silent.get(r, -1.0) > now():
                        continue
                    ref = make_ref()
                    send(("risk", r), ("assess", ref, self(), amount))
                    got = await receive(lambda m, ref=ref: type(m) is tuple and len(m) == 3
                                        and m[:2] == ("assessed", ref), timeout=RISK_WAIT)
                    if got is TIMEOUT:
                        silent[r] = now() + SKIP
                        continue
                    decision, by = got[2], r
                    break
                send(shop, ("decided", i, decision, me, by))
'''
P99 = '''
def p99_in_system(rate, service_s, fronts, seconds=300.0, seed=1):
    env = simpy.Environment()
    boxes = [simpy.Resource(env, capacity=1) for _ in range(fronts)]
    rng = random.Random(seed)
    times = []

    def purchase(box):
        t0 = env.now
        with box.request() as req:
            yield req
            yield env.timeout(service_s)
        times.append(env.now - t0)

    def arrivals():
        i = 0
        while True:
            yield env.timeout(rng.expovariate(rate))
            env.process(purchase(boxes[i % fronts]))
            i += 1

    env.process(arrivals())
    env.run(until=seconds)
    waiting = sum(len(box.queue) for box in boxes)
    times = sorted(times) + [math.inf] * waiting
    return times[int(0.99 * len(times))]
'''
NEEDED = '''
def fronts_needed(rate, service_s, deadline):
    up = max(1, math.ceil(rate * service_s))
    while p99_in_system(rate, service_s, up) > deadline and up < 200:
        up += 1
    return up + 1
'''


def _w(base: str, old: str, new: str) -> str:
    assert old in base, old
    return base.replace(old, new, 1)


def _fn(body: str) -> str:
    return "\ndef fronts_needed(rate, service_s, deadline):\n" + body


WRONG = [
    # ---- Task 1: the ordered queue ----------------------------------------------------
    dict(task="ordered_queue", label="the back end books an entry after a gap and acknowledges past it",
         says="lost orders",
         code=_w(QUEUE, "                if seq == disk[\"next\"]:\n                    books.append(i)\n"
                 "                    disk[\"next\"] += 1\n",
                 "                if i not in books:\n                    books.append(i)\n"
                 "                    disk[\"next\"] = max(disk[\"next\"], seq + 1)\n")),
    dict(task="ordered_queue", label="each entry booked as it arrives and acknowledged on its own",
         says="booked in queue order",
         code=_w(_w(QUEUE, "                if seq == disk[\"next\"]:\n                    books.append(i)\n"
                    "                    disk[\"next\"] += 1\n"
                    "                send(front, (\"acked\", disk[\"next\"] - 1))\n",
                    "                if i not in books:\n                    books.append(i)\n"
                    "                send(front, (\"got\", seq))\n"),
                 "            case (\"acked\", upto):\n",
                 "            case (\"got\", s):\n                queue.pop(s, None)\n"
                 "            case (\"acked\", upto):\n")),
    dict(task="ordered_queue", label="the front sends each entry once and never again",
         says="lost orders",
         code=_w(QUEUE, "                for s in sorted(queue):\n"
                 "                    send(books, (\"entry\", s, *queue[s], self()))\n", "")),
    dict(task="ordered_queue", label="the books live in the back end's RAM",
         says="lost orders",
         code=_w(QUEUE, "books = disk.setdefault(\"books\", [])", "books = []")),
    dict(task="ordered_queue", label="the back end starts again from sequence number 1 at boot",
         says="lost orders",
         code=_w(QUEUE, "disk.setdefault(\"next\", 1) ", "disk[\"next\"] = 1")),
    dict(task="ordered_queue", label="a double click is queued a second time",
         says="is queued once",
         code=_w(QUEUE, "                if i not in seq_of:\n", "                if True:\n")),
    dict(task="ordered_queue", label="the front's queue lives in RAM",
         says="lost orders", public=False, caught_by="the front crashes at 6 s",
         code=_w(QUEUE, "queue = disk.setdefault(\"queue\", {})", "queue = {}")),
    dict(task="ordered_queue", label="the front restarts its numbering from its queue at boot",
         says="own sequence number", public=False, caught_by="the front crashes at 7.9 s",
         code=_w(QUEUE, "    disk.setdefault(\"seq\", 0)\n",
                 "    disk[\"seq\"] = max(queue, default=0)\n")),
    dict(task="ordered_queue", label="the ids already queued are kept in RAM",
         says="is queued once", public=False, caught_by="the front crashes at 7.9 s",
         code=_w(QUEUE, "seq_of = disk.setdefault(\"seq_of\", {})", "seq_of = {}")),
    dict(task="ordered_queue", label="the back end books an entry it has already booked again",
         says="duplicated orders", public=False, caught_by="acknowledgement is on its way",
         code=_w(QUEUE, "                if seq == disk[\"next\"]:\n                    books.append(i)\n"
                 "                    disk[\"next\"] += 1\n",
                 "                if seq <= disk[\"next\"]:     # only a gap must wait\n"
                 "                    books.append(i)\n"
                 "                    disk[\"next\"] = max(disk[\"next\"], seq + 1)\n")),

    # ---- Task 2: the risk service -----------------------------------------------------
    dict(task="risk_failover", label="waits for the risk instance without a timeout",
         says="failed purchases",
         code=_w(RISK, "and m[:2] == (\"assessed\", ref), timeout=RISK_WAIT)",
                 "and m[:2] == (\"assessed\", ref))")),
    dict(task="risk_failover", label="asks only its own site's instance",
         says="is assessed by a risk instance",
         code=_w(RISK, "order = sorted(risks, key=lambda r: site(r) != site(me))",
                 "order = [r for r in risks if site(r) == site(me)]")),
    dict(task="risk_failover", label="never asks a silent instance again",
         says="are assessed by risk@site1",
         code=_w(RISK, "silent[r] = now() + SKIP", "silent[r] = float(\"inf\")")),
    dict(task="risk_failover", label="asks the instances in the list's order, not its own site's first",
         says="are assessed by risk@site2",
         code=_w(RISK, "order = sorted(risks, key=lambda r: site(r) != site(me))",
                 "order = list(risks)")),
    dict(task="risk_failover", label="a front announces itself only at the first boot",
         says="are spread over",
         code=_w(RISK, "    send((\"shop\", SHOP), (\"up\", me))\n",
                 "    if now() == 0:\n        send((\"shop\", SHOP), (\"up\", me))\n")),
    dict(task="risk_failover", label="waits a whole second for a risk instance",
         says="failed purchases",
         code=_w(RISK, "timeout=RISK_WAIT)", "timeout=1.0)")),
    dict(task="risk_failover", label="accepts when no risk instance answers",
         says="is decided 'reject'", public=False, caught_by="both risk instances down",
         code=_w(RISK, "decision, by = \"reject\", None", "decision, by = \"accept\", None")),
    dict(task="risk_failover", label="fails over on nodedown instead of a timeout",
         says="failed purchases", public=False, caught_by="cut off from the site1 fronts",
         code=_w(RISK, "                    send((\"risk\", r), (\"assess\", ref, self(), amount))\n"
                 "                    got = await receive(lambda m, ref=ref: type(m) is tuple and len(m) == 3\n"
                 "                                        and m[:2] == (\"assessed\", ref), timeout=RISK_WAIT)\n"
                 "                    if got is TIMEOUT:\n",
                 "                    monitor_node(r, True)\n"
                 "                    send((\"risk\", r), (\"assess\", ref, self(), amount))\n"
                 "                    got = await receive(lambda m, ref=ref, r=r: type(m) is tuple and (\n"
                 "                        m == (\"nodedown\", r) or len(m) == 3 and m[:2] == (\"assessed\", ref)))\n"
                 "                    monitor_node(r, False)\n"
                 "                    if got[0] == \"nodedown\":\n")),
    dict(task="risk_failover", label="site1's fronts take the first listed instance as their own",
         says="are assessed by risk@west", public=False, caught_by="listed west first",
         code=_w(RISK, "order = sorted(risks, key=lambda r: site(r) != site(me))",
                 "order = list(risks) if me.endswith(\"site1\") else list(reversed(risks))")),

    # ---- Task 3: the capacity ---------------------------------------------------------
    dict(task="front_capacity", label="sized for the average: just enough to keep up, plus one",
         says="meet the deadline",
         code=_fn("    return max(1, math.ceil(rate * service_s)) + 1\n")),
    dict(task="front_capacity", label="forgets the front that is down for the upgrade",
         says="meet the deadline",
         code=_w(NEEDED, "    return up + 1\n", "    return up\n")),
    dict(task="front_capacity", label="two spare fronts",
         says="is the fewest",
         code=_w(NEEDED, "    return up + 1\n", "    return up + 2\n")),
    dict(task="front_capacity", label="sizes by the mean time to a decision, not the p99",
         says="meet the deadline",
         code=_w(P99, "    waiting = sum(len(box.queue) for box in boxes)\n"
                 "    times = sorted(times) + [math.inf] * waiting\n"
                 "    return times[int(0.99 * len(times))]\n",
                 "    return sum(times) / len(times)\n")),
    dict(task="front_capacity", label="counts only the waiting time, not the service",
         says="meet the deadline",
         code=_w(P99, "            yield req\n            yield env.timeout(service_s)\n"
                 "        times.append(env.now - t0)\n",
                 "            yield req\n            times.append(env.now - t0)\n"
                 "            yield env.timeout(service_s)\n")),
    dict(task="front_capacity", label="a formula for the fronts, not rounded to a whole front",
         says="returns an int",
         code=_fn("    return rate * service_s / 0.7 + 1\n")),
    dict(task="front_capacity", label="the rule of thumb: fronts at most 70 % busy, plus one",
         says="is the fewest", public=False, caught_by="seed 3",
         code=_fn("    return math.ceil(rate * service_s / 0.7) + 1\n")),
    dict(task="front_capacity", label="two more fronts than the load needs, plus one",
         says="is the fewest", public=False, caught_by="generous deadline",
         code=_fn("    return math.ceil(rate * service_s) + 2 + 1\n")),
    dict(task="front_capacity", label="the public case's answer, whatever the load",
         says="is the fewest", public=False, caught_by="generous deadline",
         code=_fn("    return 7\n")),
    dict(task="front_capacity", label="ignores the deadline it is given (uses 0.24 s)",
         says="meet the deadline", public=False, caught_by="0.115 s",
         code=_w(NEEDED, "    up = max(1,", "    deadline = 0.24\n    up = max(1,")),
]
