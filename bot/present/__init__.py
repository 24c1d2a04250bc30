"""Presentation: the reply model, action ids, the terminal view and every sentence a user reads."""
