"""What every program run from a shell shares, below the apps' layers: the language the
environment asks for (:mod:`alliance.console.language`) and a management command base that
speaks it (:mod:`alliance.console.commands`). The ``alliance`` command line and the apps'
management commands both use them, so neither needs the other."""
