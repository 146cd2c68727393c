"""Checks of the simulator itself: pack audits, red-teaming, consistency and the perception corpus."""
