"""The time grammar: dates, weekdays, clock times, ranges, durations and parts of the day.

`reader.TimeReader` takes the pieces out of a message into a `found.Found`; `window.resolve_window`
turns them into one window in the asker's zone. Import from the submodules.
"""
