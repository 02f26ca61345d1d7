"""Mutation runs: prove the conformance suite catches firmware defects (tools/mutants/README.md)."""
