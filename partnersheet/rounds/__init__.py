"""Rounds of an assessment: rosters of raters, and (later) who has returned what."""
