"""Local expected trajectories (docs/trajectories.md): pages at ``/trajectories/`` (``views.py``),
the preview of a refit against the model in use (``preview.py``) and ``manage.py
refit_trajectories``. The fitted models themselves (``feedback.models.TrajectoryFit``) and the
refit task stay in ``feedback``: the alert rules read the model in use, and moving the table would
cost a migration with no change in behaviour."""
