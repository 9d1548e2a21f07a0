"""Use cases in packages by capability: the only code that queries, commits and decides.

Each service takes the session first and everything else by keyword; it returns executed results (a Page for
lists), never a query. Writes run as one unit of work (common.transactional); what follows a step is the
ordered handler list of the session's runtime (wiring.build_runtime).
"""
