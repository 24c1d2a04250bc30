"""roombot: find and book DingTalk meeting rooms from Slack."""

__version__ = "0.1.0"
