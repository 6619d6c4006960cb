"""Great Expectations suites for the agreed data rules, built in Python from the seeds."""
