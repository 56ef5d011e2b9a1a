"""The call linter: transcripts parsed into utterances, trackers matched, metrics and findings.

Pure functions over plain data (`parsers`, `trackers`, `metrics`, `lint_rules`): the service
`training.services.call_lint` reads the rows, runs them and stores the results.
"""
