"""Fault injection under load: each fault runs against a fresh `stack up` while the load
tool keeps an open loop going, and the load tool's ledger says what was lost."""
