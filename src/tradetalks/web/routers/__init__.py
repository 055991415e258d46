"""Routers of the web service, one per responsibility (thin adapters; no economics here).

- :mod:`.system` — the browser UI, its assets, ``/api/health``.
- :mod:`.analysis` — datasets, package evaluation, scenarios, the timeline (quick, cached requests).
- :mod:`.heavy` — frontier, bargaining, trade war and simulations: background jobs with progress and
  cancellation (``/api/jobs/...``), plus the synchronous forms that await a job.
- :mod:`.records` — the negotiation record: records, rounds, offers, runs.
"""
