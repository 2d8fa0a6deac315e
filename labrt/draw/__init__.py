"""The drawing layer: everything that turns a run into a picture.

Nothing below imports this folder at import time: a runtime records a
``Trace`` and stays cheap, and only when a notebook asks for a diagram
(``trace.diagram()``) or a widget does the drawing code load.  Same run,
same bytes: every picture is deterministic SVG, so the book's pages and the
tests can compare them.

* ``svg``: the few SVG primitives every picture uses (escaping, text
  widths, boxes, arrows) and the readability floor: text never shrinks
  below 11 px, a wide picture scrolls instead.
* ``seqdiagram``: the sequence diagram of a trace (lifelines, messages,
  links, exits, DOWNs), put together from ``seqstyle``, ``seqtext``,
  ``seqlayout`` and ``seqrender`` (read in that order); ``seqnodes`` groups
  lifelines into node bands and draws lost messages, partitions and
  crashes, from ``seqlanes``, ``seqperiods`` and ``seqnetdraw``;
  ``netmarks`` holds the marks and colours both share with ``labrt.dist``'s
  cluster picture.
* ``supervision_tree``: walks a live supervision tree and draws it.
* ``chart`` (with ``chart_render``): charts of measurements (lines, bars, spans) for the book's figures.
* ``widgets``: the interactive supervisor playground (ipywidgets), with a
  static fallback where no kernel runs.

``labrt.supervision_tree`` and ``labrt.widgets`` stay aliases of the last two
(see ``labrt/__init__.py``).  The cluster picture and the fault-schedule
widget live with distribution, in ``labrt.dist.draw`` and ``labrt.dist.widget``.
"""
