# gunicorn reads this file from the directory it starts in (or: gunicorn -c gunicorn.conf.py).
# The access log must not keep the passwords a meeting server passes in a callback's
# query string, nor the tokens in capability URLs (portal/logfilters.py).
logger_class = "portal.logfilters.GunicornLogger"
