"""The OTP layer: behaviours built from the kernel's processes and signals.

Erlang's OTP is a library written in Erlang, not part of the VM; labrt keeps
the same split.  Every module here uses only what a student could write with
``labrt``'s public functions (spawn, send, receive, links, monitors), plus a
few kernel details that make calls cheap (the reply alias, the immutable
types that need no copy):

* ``gen_server``: the generic server loop; your class is the specific part.
  Calls, casts, timeouts, ``stop``, OTP's exit shapes.
* ``supervisor``: child specs, the four strategies, restart intensity,
  ordered shutdown, and the supervisor's own API (``which_children`` ...).
* ``sys``: suspend, resume, get_state, replace_state, change_code on any
  process that follows the behaviours' system-message protocol.
* ``code``: module versions (current and old), the code server's view of a
  hot upgrade, and ``soft_purge``/``purge``.

Students write ``from labrt import gen_server, supervisor, sys, code`` or
``import labrt.gen_server``: those old paths are aliases of these modules
(``labrt.gen_server is labrt.otp.gen_server``), registered in
``labrt/__init__.py``.  Distribution does not appear here: a call to a pid on
another node works because the kernel routes the signals, not because the
behaviours know about nodes.
"""
