"""Public checks, one module per workbook notebook (``chNN_topic.py``).

Every module here is imported by :func:`labrt.grading.load_checks`; adding a
notebook's checks is adding a module, nothing else.
"""
