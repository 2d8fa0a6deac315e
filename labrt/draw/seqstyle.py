"""The sequence diagram's palette and measures, in one place.

The chart is drawn from a handful of numbers: a font size, a row height,
where in a row an arrow sits, the range a column's width may take, how
wide a label may grow before it is abbreviated.  They live here so that
the module that lays the chart out (:mod:`labrt.draw.seqlayout`) and the
one that draws it (:mod:`labrt.draw.seqrender`) agree on them without
passing them around, and so that a change to the look of the chart is an
edit to this file alone.

Two rules tie the numbers together.  Colour never says anything alone:
each colour repeats what a line style or a label already says (the chart
reads in black and white), and every text colour has at least 4.5:1
contrast on white.  And no text is smaller than ``SMALL`` drawing units,
which is what lets the SVG carry a min-width at which its smallest text
is ``MIN_READABLE_PX`` on screen (:func:`labrt.draw.svg.size_style`): on a
phone the chart stops shrinking and its box scrolls sideways instead.

``OTHERS`` is the key of the one column that gathers every process the
reader did not ask for (``processes=``); the node layer uses the same key.
"""

OTHERS = "others"

# Colours (text colours have at least 4.5:1 contrast on white).
INK = "#222222"
GREY = "#666666"
LIGHT = "#aaaaaa"
RED = "#c62828"
BLUE = "#1f5fa8"
AMBER = "#8a5a00"
HEADER_FILL = "#f3f5f8"
HEADER_STROKE = "#56636f"
NOTE_FILL = "#fff7d6"
NOTE_STROKE = "#cdb86a"

# Sizes in pixels.
FONT = 12          # every label
SMALL = 12         # second and third lines of a header, time gutter (grey, not smaller:
                   # at 12 the chart may shrink to 11/12 of its width and stay readable)
PAD = 16           # outer margin
ROW = 30           # height of an ordinary row
POINT = 20         # where in a row the event happens (arrow height)
LINE_H = 15        # line height in header boxes
MIN_COL, MAX_COL = 120, 220   # column width range
LABEL_COL = 170               # a column widens for its labels up to this; longer ones spill over
MAX_LABEL = 360               # labels up to this wide are drawn whole (the chart widens)
MIN_READABLE_PX = 11          # smallest text size on screen (the SVG's min-width)
MAX_DESC_LINES = 60           # events listed in the <desc> alt text

_HALO = dict(stroke="#ffffff", stroke_width=3, stroke_linejoin="round", paint_order="stroke")
