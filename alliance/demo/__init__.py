"""The synthetic demo clinic: ``clinic.py`` writes it (people, episodes, simulated ratings),
``week.py`` books its coming week, ``manage.py load_demo`` runs both. Synthetic data only."""
