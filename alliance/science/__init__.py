"""The science core of Alliance: scoring, change, expected trajectories, alerts, clinician effects.

Every module here is plain Python on plain data (numpy, pandas, frozen dataclasses). Nothing in this
package imports Django, so the same functions serve the web application, the ``alliance analyze``
research command and the tests.
"""
