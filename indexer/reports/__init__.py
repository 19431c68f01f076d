"""Reports: subsidy versus revenue, demand quality, contributors and payback."""
