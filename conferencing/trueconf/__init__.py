"""TrueConf Server: conferences over its REST API (v3.x) with OAuth 2.0 client credentials."""

from conferencing.trueconf.client import TrueConf

__all__ = ["TrueConf"]
