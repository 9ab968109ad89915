"""Why an order completes when it does: the critical chain of a planned order, walked back
from its last step, with a cause per step (other orders on its resource, the calendar, a
downtime, a lag, the release, material, its own work; idle and work in progress where the
plan has them), each step's slack, the wait that sets the completion, and whether the order
is late even alone.

Found from the plan and the plant only: nothing here reads solver variables. ``chain`` is the
entry point (``explain_order``, ``explain_late``); ``words`` puts an explanation in words.
"""
