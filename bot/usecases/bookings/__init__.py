"""Bookings: the use case (`usecase`), the service that books in DingTalk (`service`) and its pure rules (`rules`)."""
