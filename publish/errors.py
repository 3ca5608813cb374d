"""Errors a user can act on: the CLI prints their message, never a traceback."""


class PublishError(Exception):
    """Input or environment problem, with a message saying what to do."""
