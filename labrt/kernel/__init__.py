"""The kernel layer: processes and the signals between them, on one node.

Everything Erlang specifies about a single node lives in this folder, and
nothing in it knows that gen_server, supervisors, other nodes or pictures
exist (``tests/test_runtime_api.py`` checks the imports).  Bottom up:

* ``values``: the plain data every layer shares: pids, refs, ``Exit`` and
  ``Down`` messages, the ``TIMEOUT`` clause key, the exceptions.
* ``match``: selective receive's clauses, compiled once, and ``isolate``
  (the copy that gives each process its own data, as Erlang's heaps do).
* ``signals``: one ``Signal`` for everything a process does to another
  (message, link, exit, monitor, DOWN), so a network can hold it in transit.
* ``process``: which process is running, what the runtime keeps for each
  one, and how it survives a process that runs out of stack.
* ``core``: the runtime (one class, ``Runtime``): its tables, the clock and
  timers, spawning, sending, the one way out for a signal and the one way
  in; with ``exits`` (what an exit signal does, how a process ends: the
  semantics table), ``operations`` (link, monitor, register, timers) and
  ``outside`` (what a notebook cell or a test calls) as its parts.
* ``sim`` and ``realtime``: the two kernels underneath a runtime: a seeded
  run queue on a virtual clock, and trio tasks on the wall clock.
* ``api``: the functions a process calls (``spawn``, ``send``, ``receive``
  ...): they find the calling process and forward to its runtime.
* ``trace``: the events a runtime records and how they print (drawing them
  is ``labrt.draw``'s job, loaded only when asked for).

Students never import from here: ``labrt`` re-exports the public names, and
``labrt.trace`` stays an alias of ``labrt.kernel.trace``.  These module paths
are the library's own and may move again.
"""
