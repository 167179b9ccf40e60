"""Telemetry: versioned events and the token/cost ledger, appended as JSONL under
`.buildrunner/` and rotated into gzip segments.

Collection never raises into the caller's work. Import the pieces from their modules
(`brgit.telemetry.collector`, `brgit.telemetry.costs`) so importing this package stays cheap.
"""
