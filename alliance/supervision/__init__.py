"""Supervision: the team page and each clinician's development page (docs/supervision.md).
``selectors.py`` reads the figures, ``charts.py`` draws the estimates, ``views.py`` serves them."""
