"""Pure domain: rooms, schedules, availability, reasons and policy. Imports no Slack, HTTP or database code."""
