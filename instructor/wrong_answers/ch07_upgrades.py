"""Wrong answers for exercises/ch07-upgrades.ipynb (see ch02_functional.py for the format)."""
EXPIRY_BACK = '''

class KvV1Back(KvV1):
    def code_change(self, old_vsn, store, extra):
        if old_vsn != ("down", 2):
            return ("error", ("cannot downgrade from", old_vsn))
        return ("ok", {key: e.value for key, e in store.items() if now() < e.expires})
'''
EXPIRY_UP = '''
class KvV2(KvV2Base):
    def code_change(self, old_vsn, store, extra):
        if old_vsn != 1:
            return ("error", ("cannot upgrade from", old_vsn))
        lives = self.TTL if extra is None else extra
        return ("ok", {key: Entry(value, now() + lives) for key, value in store.items()})
'''
UPGRADE = '''
async def upgrade(server, module, new_cls, extra):
    old_cls = code.current(module)
    await lsys.suspend(server)
    code.load(module, new_cls)
    answer = await lsys.change_code(server, module, old_cls.vsn, extra)
    if answer != "ok":
        code.load(module, old_cls)
    await lsys.resume(server)
    return answer
'''
APPLY = '''
class PairV2(PairV2Base):
    def apply(self, data, update):
        match update:
            case (key, value, t):
                pass
            case (key, value):
                t = now()
        return {**data, key: (value, t)}
'''
ROLLING = '''
async def rolling(new_cls):
    roles = {n: (await lsys.get_state(n)).role for n in ("a", "b")}
    master = next(n for n, r in roles.items() if r == "master")
    slave = "b" if master == "a" else "a"
    await code.rolling_upgrade([slave], f"kv@{slave}", new_cls)
    await call(master, ("hand_over", slave))
    await code.rolling_upgrade([master], f"kv@{master}", new_cls)
    await call(master, ("join", slave))
    return slave
'''

WRONG = [
    dict(task="expiry", label="no conversion: returns the old state as it is", says="still in version 1's format",
         code='''
class KvV2(KvV2Base):
    def code_change(self, old_vsn, store, extra):
        return ("ok", store)
''' + EXPIRY_BACK),
    dict(task="expiry", label="ignores extra: old entries always live TTL seconds", says="extra=",
         code=EXPIRY_UP.replace("lives = self.TTL if extra is None else extra", "lives = self.TTL")
         + EXPIRY_BACK),
    dict(task="expiry", label="converts from any version", says="return ('error', reason)",
         code=EXPIRY_UP.replace('''        if old_vsn != 1:
            return ("error", ("cannot upgrade from", old_vsn))
''', "") + EXPIRY_BACK),
    dict(task="expiry", label="the downgrade keeps expired entries", says="expire",
         code=EXPIRY_UP + EXPIRY_BACK.replace(" if now() < e.expires", "")),
    dict(task="expiry", label="the downgrade keeps the Entry objects", says="plain values",
         code=EXPIRY_UP + EXPIRY_BACK.replace("{key: e.value for", "{key: e for")),
    dict(task="expiry", label="the downgrade expects old_vsn == 2, not ('down', 2)", says="('down', 2)",
         code=EXPIRY_UP + EXPIRY_BACK.replace('if old_vsn != ("down", 2):', 'if old_vsn != 2:')),
    dict(task="upgrade", label="naive: loads the new code, nothing else", says="suspend it *before*",
         code='''
async def upgrade(server, module, new_cls, extra):
    code.load(module, new_cls)
    return "ok"
'''),
    dict(task="upgrade", label="loads before suspending", says="suspend it *before*",
         code=UPGRADE.replace('''    await lsys.suspend(server)
    code.load(module, new_cls)''', '''    code.load(module, new_cls)
    await lsys.suspend(server)''')),
    dict(task="upgrade", label="suspends and loads, but never converts the state", says="change_code",
         code='''
async def upgrade(server, module, new_cls, extra):
    await lsys.suspend(server)
    code.load(module, new_cls)
    await lsys.resume(server)
    return "ok"
'''),
    dict(task="upgrade", label="forgets to resume", says="never resumed",
         code=UPGRADE.replace("    await lsys.resume(server)\n", "")),
    dict(task="upgrade", label="no way back after a failed change_code", says="load the old version back",
         code=UPGRADE.replace('''    if answer != "ok":
        code.load(module, old_cls)
''', "")),
    dict(task="upgrade", label="tells change_code the new version's vsn", says="pass the vsn of the version",
         code=UPGRADE.replace("old_cls.vsn", "new_cls.vsn")),
    dict(task="rolling", label="upgrades both nodes at once", says="both nodes were suspended at once",
         code=APPLY + '''
async def rolling(new_cls):
    for n in ("a", "b"):
        await lsys.suspend(n)
    for n in ("a", "b"):
        code.load(f"kv@{n}", new_cls)
        await lsys.change_code(n, f"kv@{n}", 1, None)
        await lsys.resume(n)
'''),
    dict(task="rolling", label="naive: loads version 2 without code_change", says="change_code",
         code=APPLY + '''
async def rolling(new_cls):
    roles = {n: (await lsys.get_state(n)).role for n in ("a", "b")}
    master = next(n for n, r in roles.items() if r == "master")
    slave = "b" if master == "a" else "a"
    code.load(f"kv@{slave}", new_cls)
    await call(master, ("hand_over", slave))
    code.load(f"kv@{master}", new_cls)
    await call(master, ("join", slave))
'''),
    dict(task="rolling", label="apply ignores version 1's updates: a lost write", says="lost",
         code='''
class PairV2(PairV2Base):
    def apply(self, data, update):
        match update:
            case (key, value, t):
                return {**data, key: (value, t)}
            case _:
                return data
''' + ROLLING),
    dict(task="rolling", label="upgrades the master in place without handing over", says="while it was still the master",
         code=APPLY + '''
async def rolling(new_cls):
    roles = {n: (await lsys.get_state(n)).role for n in ("a", "b")}
    master = next(n for n, r in roles.items() if r == "master")
    slave = "b" if master == "a" else "a"
    await code.rolling_upgrade([slave], f"kv@{slave}", new_cls)
    await code.rolling_upgrade([master], f"kv@{master}", new_cls)
'''),
    dict(task="rolling", label="forgets to make the old master join", says="join",
         code=APPLY + ROLLING.replace('''    await call(master, ("join", slave))
''', "")),
    dict(task="rolling", label="assumes a is always the master", says="upgrade the slave before the master",
         code=APPLY + '''
async def rolling(new_cls):
    await code.rolling_upgrade(["b"], "kv@b", new_cls)
    await call("a", ("hand_over", "b"))
    await code.rolling_upgrade(["a"], "kv@a", new_cls)
    await call("a", ("join", "b"))
'''),
    # Wrong answers that pass the public checks; only the hidden ones catch them.
    dict(task="expiry", label="extra or TTL: extra=0 is taken for None", public=False,
         caught_by="extra=0", says="extra=0 means the old entries live 0 seconds",
         code=EXPIRY_UP.replace("lives = self.TTL if extra is None else extra",
                                "lives = extra or self.TTL") + EXPIRY_BACK),
    dict(task="expiry", label="the downgrade keeps entries at their expiry instant (<=)",
         public=False, caught_by="at the very instant", says="drop them",
         code=EXPIRY_UP + EXPIRY_BACK.replace("if now() < e.expires", "if now() <= e.expires")),
    dict(task="expiry", label="refuses only versions above 1 (old_vsn > 1)", public=False,
         caught_by="version 0 and a downgrade request", says="return ('error', reason)",
         code=EXPIRY_UP.replace("if old_vsn != 1:", "if old_vsn > 1:") + EXPIRY_BACK),
    dict(task="upgrade", label="always tells change_code old_vsn=1", public=False,
         caught_by="1, 2, 3 in a row", says="whichever version that is",
         code=UPGRADE.replace("old_cls.vsn, extra", "1, extra")),
    dict(task="upgrade", label="takes the old vsn to be new_cls.vsn - 1", public=False,
         caught_by="straight to 3", says="not one you work out from the new class",
         code=UPGRADE.replace("old_cls.vsn, extra", "new_cls.vsn - 1, extra")),
    dict(task="upgrade", label="returns an error of its own instead of change_code's answer",
         public=False, caught_by="conversions that fail in other ways",
         says="return what change_code answered, as it is",
         code=UPGRADE.replace('''    if answer != "ok":
        code.load(module, old_cls)''', '''    if answer != "ok":
        code.load(module, old_cls)
        answer = ("error", "upgrade failed")''')),
    dict(task="rolling", label="a version 1 update is stamped 0", public=False,
         caught_by="time stamps of replicated writes", says="stamp it with now(), the virtual clock",
         code=APPLY.replace("t = now()", "t = 0.0") + ROLLING),
    dict(task="rolling", label="a version 1 update is stamped None", public=False,
         caught_by="time stamps of replicated writes", says="not 0, not None",
         code=APPLY.replace("t = now()", "t = None") + ROLLING),
    dict(task="rolling", label="a version 1 update is stamped with the wall clock", public=False,
         caught_by="time stamps of replicated writes", says="not the wall clock time.time()",
         code="import time\n" + APPLY.replace("t = now()", "t = time.time()") + ROLLING),
]
