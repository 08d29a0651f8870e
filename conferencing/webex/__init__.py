"""Webex Meetings through its URL API: links for browsers, and reading Webex's answers."""

from conferencing.webex.backend import Webex
from conferencing.webex.results import WebexResult, parse_back_url

__all__ = ["Webex", "WebexResult", "parse_back_url"]
